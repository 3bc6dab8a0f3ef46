"""/brief end to end: `newsbot run` in a subprocess over a store holding one Timeline17 topic (mj), driven
through the emulator only."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.ingest.pipeline import Ingestor, default_analyzer
from bot.store import create_store
from tests.cogs.conftest import SHARED, World, start_world, stop_world
from tests.cogs.limits import assert_no_pings, assert_requests_never_ping, assert_within_limits
from tests.emulator import Interaction

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMELINES = SHARED / "data" / "timelines" / "timeline17-dev.jsonl"
EPHEMERAL = 64


async def ingest_mj(db: Path) -> int:
    """The mj topic (138 BBC articles) into the global library, one source line per paragraph."""
    with TIMELINES.open() as lines:
        topic = next(json.loads(line) for line in lines if '"topic": "mj"' in line[:40])
    archive = db.parent / "mj.jsonl"
    with archive.open("w") as f:
        for a in topic["articles"]:
            lines = [line for line in a["text"].split("\n") if line.strip()]
            row = {
                "id": a["id"],
                "text": "\n\n".join(lines),
                "published": a["published"] + "T12:00:00+00:00",
                "source": a["source"],
                "title": lines[0][:120],
            }
            f.write(json.dumps(row) + "\n")
    store = create_store(db)
    await store.open()
    created = 0
    try:
        ingestor = Ingestor(store, analyzer=default_analyzer())
        async for result in ingestor.ingest_sources([str(archive)], jsonl=True, ingested_by="test"):
            created += result.status == "created"
    finally:
        await store.close()
    return created


async def ask(world: World, options: dict[str, Any]) -> tuple[Interaction, dict[str, Any]]:
    """/brief and its answer; generous waits, since a briefing with its chart can take a while on a busy
    machine (the deferral keeps Discord's deadline either way)."""
    inter = await world.emu.invoke("brief", options)
    cb = await world.emu.wait_response(inter, timeout=30)
    if cb.type == 5:
        return inter, await world.emu.wait_original(inter, timeout=180)
    assert cb.type == 4 and cb.data is not None, cb
    return inter, cb.data


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    if not TIMELINES.exists():
        pytest.skip("../shared data is not beside the repository")
    w = await start_world(tmp_path_factory.mktemp("brief"))
    try:
        assert await ingest_mj(w.db) > 100
        yield w
    finally:
        code = await stop_world(w)
        if code not in (0, None):
            print(w.bot_log()[-4000:], file=sys.stderr)
        assert code == 0, f"newsbot run exited {code} on SIGTERM"
        w.emu.assert_no_violations()


async def test_brief_pages_timeline_key_points_voices_with_chart(world: World) -> None:
    inter, msg = await ask(world, {"query": "Jackson", "since": "2009-06-25", "until": "2011-12-31"})
    assert_within_limits(msg)
    assert_no_pings(msg)
    first = msg["embeds"][0]
    assert first["title"].startswith("Timeline — Jackson")
    dated = re.findall(r"^\*\*(\d{4}-\d{2}-\d{2})\*\* — .+ \(#\d+\)$", first["description"], re.M)
    assert len(dated) >= 5 and dated == sorted(dated)
    assert all("2009-06-25" <= d <= "2011-12-31" for d in dated)
    names = [a["filename"] for a in msg.get("attachments") or []]
    assert names == ["coverage.png"]
    assert first["image"]["url"] == "attachment://coverage.png"
    original = await world.emu.wait_original(inter)
    titles = [first["title"]]
    current = original
    for _ in range(12):  # page through to the end
        buttons = {
            c["custom_id"]: c for row in current.get("components") or [] for c in row.get("components") or []
        }
        if buttons["pager:next"].get("disabled"):
            break
        nxt = await world.emu.click(current, "pager:next", user=world.admin)
        cb = await world.emu.wait_response(nxt, timeout=30)
        assert cb.type == 7 and cb.data is not None
        assert_within_limits(cb.data)
        assert_no_pings(cb.data)
        titles.append(cb.data["embeds"][0]["title"])
        if cb.data["embeds"][0]["title"].startswith("Who said what"):
            voices = cb.data["embeds"][0]["description"]
            assert re.search(r"^\*\*[^*]+\*\*", voices, re.M)
            assert re.search(r"^> .+ — #\d+, \d{4}-\d{2}-\d{2}$", voices, re.M)
        current = world.emu.message(original["id"]) or original
    kinds = {t.split(" — ")[0] for t in titles}
    assert {"Timeline", "Key points", "Who said what", "Coverage"} <= kinds
    # the first answer carries the chart: a followup after "thinking…", or the interaction's own response
    uploads = [
        f for r in world.emu.requests if "/webhooks/" in r.path or "/interactions/" in r.path for f in r.files
    ]
    assert any(f.data.startswith(b"\x89PNG\r\n\x1a\n") for f in uploads)
    assert_requests_never_ping(world.emu.requests)


async def test_brief_without_matches_is_a_private_message(world: World) -> None:
    _, msg = await ask(world, {"query": "zzyzx qwertyuiop"})
    assert msg.get("flags", 0) & EPHEMERAL, msg
    assert "No articles match" in (msg.get("content") or "")


async def test_brief_bad_date_is_a_private_message(world: World) -> None:
    _, msg = await ask(world, {"query": "Jackson", "since": "someday"})
    assert msg.get("flags", 0) & EPHEMERAL, msg
    assert (msg.get("content") or "").startswith("Since: cannot read date")
