"""Admin commands end to end: /ingest url|file|text, /article delete, /stats, /settings, permissions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from tests.cogs.conftest import World
from tests.cogs.limits import assert_within_limits
from tests.support.http import local_site

pytestmark = pytest.mark.asyncio(loop_scope="module")

EPHEMERAL = 64
PARAGRAPHS = [
    "The city's tram network will run through the night from next month, transport officials confirmed on Monday.",
    '"Night workers have waited years for this," said Transport Commissioner Maria Lopez at a press conference.',
    "The trial will cover three lines and run for six months before the council decides whether to keep it.",
    "Unions welcomed the plan but warned that staffing levels would need to rise to cover the extra shifts.",
    '"We will hire two hundred new drivers before the first night service starts," Lopez said.',
    "Passenger groups said the change would make the city safer for people travelling home late.",
]
PAGE = (
    "<!doctype html><html><head><title>Night trams approved | City Herald</title>"
    '<meta property="og:title" content="Night trams approved for three lines">'
    '<meta property="og:site_name" content="City Herald"></head><body><nav>Home News Sport</nav>'
    "<article><h1>Night trams approved for three lines</h1>"
    + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    + "</article><footer>Copyright City Herald</footer></body></html>"
)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def site() -> AsyncIterator[str]:
    """A local news site (127.0.0.1 is on the bot's fetch allow list in this world)."""

    async def article(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/news/night-trams", article)
    async with local_site(app) as base:
        yield base


def ephemeral_text(msg: dict[str, Any]) -> str:
    assert msg.get("flags", 0) & EPHEMERAL, msg
    return msg.get("content") or ""


async def test_members_without_manage_server_are_refused(world: World, site: str) -> None:
    for name, options in (
        ("ingest url", {"url": f"{site}/news/night-trams"}),
        ("ingest text", {}),
        ("stats", {}),
        ("settings", {"show_images": False}),
        ("article delete", {"article": str(world.ids["local"])}),
    ):
        inter = await world.emu.invoke(name, options, user=world.member)
        cb = await world.emu.wait_response(inter)
        assert cb.type == 4 and cb.data is not None, (name, cb)
        assert "Manage Server" in ephemeral_text(cb.data), name
    assert not [r for r in world.emu.requests if r.path.endswith("night-trams")]


async def test_ingest_url_defers_then_stores(world: World, site: str) -> None:
    inter = await world.emu.invoke("ingest url", {"url": f"{site}/news/night-trams"}, user=world.admin)
    cb = await world.emu.wait_response(inter, timeout=10)
    assert cb.type == 5  # deferred: fetching may be slow
    msg = await world.emu.wait_original(inter, timeout=30)
    embed = msg["embeds"][0]
    assert embed["title"] == "Stored", embed
    assert "Night trams approved" in embed["description"]
    assert_within_limits(msg)
    # Visible in this server at once, invisible in the other one.
    _, found = await world.ask("quotes", {"article": "night trams approved"})
    assert "Maria Lopez" in found["embeds"][0]["description"]
    owner = world.emu.users[world.other.owner_id]
    inter = await world.emu.autocomplete(
        "summary", {"article": "night trams"}, "article", guild=world.other, user=owner
    )
    cb = await world.emu.wait_response(inter)
    assert cb.data is not None and cb.data["choices"] == []
    # The same URL again is a duplicate, not a second copy.
    _, again = await world.ask("ingest url", {"url": f"{site}/news/night-trams"}, user=world.admin)
    assert again["embeds"][0]["title"] == "Already stored"


async def test_bad_url_is_answered_at_once(world: World) -> None:
    for url, words in (("ftp://example.org/a", "only http and https"), ("not a url", "no scheme")):
        inter = await world.emu.invoke("ingest url", {"url": url}, user=world.admin)
        cb = await world.emu.wait_response(inter)
        assert cb.type == 4 and cb.data is not None  # not deferred
        assert words in ephemeral_text(cb.data), cb.data


async def test_fetch_failure_is_explained(world: World, site: str) -> None:
    _, msg = await world.ask("ingest url", {"url": f"{site}/news/missing"}, user=world.admin)
    text = msg["embeds"][0]["description"]
    assert msg["embeds"][0]["title"] == "Failed" and "404" in text
    assert msg["flags"] & EPHEMERAL


async def test_ingest_file_attachment(world: World) -> None:
    lines = [
        {
            "id": "upload-1",
            "title": "Library opens on Sundays",
            "text": "The central library will open on Sundays from May. " * 8,
            "source": "Town Crier",
        },
        {
            "id": "upload-2",
            "title": "River cleanup draws volunteers",
            "text": "Two hundred volunteers cleared the river banks. " * 8,
        },
        {"id": "upload-3", "text": ""},
    ]
    data = "\n".join(json.dumps(x) for x in lines).encode()
    att = world.emu.add_attachment(data, "batch.jsonl", "application/jsonl")
    inter, msg = await world.ask("ingest file", {"file": att}, user=world.editor)  # an "Editors" role holder
    embed = msg["embeds"][0]
    assert embed["title"] == "Ingested 2 of 3", embed
    assert "Library opens on Sundays" in embed["description"] and "✗" in embed["description"]
    _, summary = await world.ask("summary", {"article": "river cleanup"})
    assert "volunteers" in summary["embeds"][0]["description"]
    bad = world.emu.add_attachment(b"MZ\x00\x01", "tool.exe")
    inter = await world.emu.invoke("ingest file", {"file": bad}, user=world.admin)
    cb = await world.emu.wait_response(inter)
    assert cb.type == 4 and cb.data is not None and ".jsonl" in ephemeral_text(cb.data)
    # over the size limit (NEWSBOT_UPLOAD_MAX_MB, 50 by default): refused at once, nothing downloaded
    huge = world.emu.add_attachment(b"{}\n" * (17 * 1024 * 1024 + 1), "huge.jsonl", "application/jsonl")
    inter = await world.emu.invoke("ingest file", {"file": huge}, user=world.admin)
    cb = await world.emu.wait_response(inter)
    assert cb.type == 4 and cb.data is not None
    assert "The file is 51.0 MB; the limit is 50 MB" in ephemeral_text(cb.data)


async def test_ingest_text_through_the_modal(world: World) -> None:
    opened = await world.emu.invoke("ingest text", {}, user=world.admin)
    cb = await world.emu.wait_response(opened)
    assert cb.type == 9 and cb.data is not None
    body = "\n\n".join(
        [
            "Harbour pilots will guide a new overnight ferry service across the bay starting in the autumn.",
            '"Crossing at midnight used to mean a two-hour drive around the coast," said Omar Said, the port director.',
            "Tickets will cost the same as daytime crossings, and bicycles travel free on every sailing.",
            "Residents of the northern islands asked for a winter timetable before storms close the route.",
        ]
    )
    submitted = await world.emu.submit_modal(
        opened, {"ingest:title": "Night ferries approved", "ingest:body": body}
    )
    cb = await world.emu.wait_response(submitted, timeout=10)
    assert cb.type == 5
    msg = await world.emu.wait_original(submitted, timeout=30)
    assert msg["embeds"][0]["title"] == "Stored", msg
    _, quotes = await world.ask("quotes", {"article": "Night ferries approved", "speaker": "omar"})
    assert "Omar Said" in quotes["embeds"][0]["description"]


async def test_delete(world: World) -> None:
    _, refused = await world.ask("article delete", {"article": str(world.ids["seed"])}, user=world.admin)
    assert "global library" in ephemeral_text(refused)
    _, done = await world.ask("article delete", {"article": str(world.ids["local"])}, user=world.admin)
    assert f"Deleted article #{world.ids['local']}" in ephemeral_text(done)
    _, gone = await world.ask("summary", {"article": str(world.ids["local"])})
    assert "can't find" in ephemeral_text(gone)


async def test_stats(world: World) -> None:
    _, msg = await world.ask("stats", {}, user=world.admin)
    assert msg["flags"] & EPHEMERAL
    fields = {f["name"]: f["value"] for f in msg["embeds"][0]["fields"]}
    assert int(fields["Articles"].replace(",", "")) > 40
    assert "Last ingested" in fields
    assert_within_limits(msg)


async def test_settings_change_how_answers_look(world: World) -> None:
    _, shown = await world.ask("settings", {}, user=world.admin)
    assert {f["name"] for f in shown["embeds"][0]["fields"]} >= {"Default summary length", "Accent colour"}
    _, bad = await world.ask("settings", {"accent_colour": "blue-ish"}, user=world.admin)
    assert "six hex digits" in ephemeral_text(bad)
    _, saved = await world.ask(
        "settings",
        {"summary_length": "short", "accent_colour": "#ff0000", "show_images": False},
        user=world.admin,
    )
    assert "Settings saved" in ephemeral_text(saved)
    _, summary = await world.ask("summary", {"article": str(world.ids["seed"])})
    embed = summary["embeds"][0]
    assert embed["color"] == 0xFF0000
    assert embed["footer"]["text"].endswith("short summary")
    assert "thumbnail" not in embed
    # Another server keeps its own defaults.
    owner = world.emu.users[world.other.owner_id]
    _, theirs = await world.ask("summary", {"article": str(world.ids["seed"])}, guild=world.other, user=owner)
    assert theirs["embeds"][0]["footer"]["text"].endswith("medium summary")


async def test_an_upload_cannot_rewrite_a_global_article(world: World) -> None:
    """Issue 12, finding 1: server A's `/ingest file` with a global article's archive id and new text."""
    from tests.cogs.conftest import BBC

    external_id = json.loads(BBC.read_text().splitlines()[0])["id"]
    owner = world.emu.users[world.other.owner_id]
    _, before = await world.ask(
        "article show", {"article": str(world.ids["bbc_first"])}, guild=world.other, user=owner
    )
    line = {
        "id": external_id,
        "title": "Rewritten by another server",
        "text": "Attackers rewrote this story for every server that reads the global library. " * 6,
    }
    att = world.emu.add_attachment(json.dumps(line).encode(), "rewrite.jsonl", "application/jsonl")
    _, msg = await world.ask("ingest file", {"file": att}, user=world.admin)
    assert msg["embeds"][0]["title"] != "Updated", msg["embeds"][0]
    _, after = await world.ask(
        "article show", {"article": str(world.ids["bbc_first"])}, guild=world.other, user=owner
    )
    assert after["embeds"] == before["embeds"]
