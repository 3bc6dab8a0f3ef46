"""End-to-end world for the cog tests: one emulator and one `newsbot run` subprocess per test module,
started the way an operator starts it (environment only), with a SQLite file filled beforehand through
the real ingestion pipeline."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.ingest import dedupe
from bot.ingest.pipeline import Ingestor, default_analyzer
from bot.models import Analysis, Article, Paragraph, Quote
from bot.store import Scope, create_store
from tests.emulator import DiscordEmulator, Guild, Interaction, Role, User

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seed" / "000_8b27f7ba246c2cdc.txt"
BBC = SHARED / "data" / "topics" / "bbc_news_dev.jsonl"
NEWSBOT = REPO / ".venv" / "bin" / "newsbot"
PAGE_TIMEOUT = 20.0  # the pager test's clicks must land before it, on a loaded machine too


@dataclass
class World:
    emu: DiscordEmulator
    newsroom: Guild
    other: Guild
    admin: User  # owns the newsroom (Manage Server)
    member: User  # plain member
    editor: User  # holds the "Editors" role named in NEWSBOT_ADMIN_ROLES
    editors: Role
    db: Path
    ids: dict[str, int] = field(default_factory=dict)
    proc: asyncio.subprocess.Process | None = None
    log: Path | None = None

    async def ask(
        self, name: str, options: dict[str, Any] | None = None, **where: Any
    ) -> tuple[Interaction, dict[str, Any]]:
        """Invoke a command and return the message that answers it (direct or after a deferral)."""
        inter = await self.emu.invoke(name, options or {}, **where)
        cb = await self.emu.wait_response(inter, timeout=10)
        if cb.type == 5:
            msg = await self.emu.wait_original(inter, timeout=20)
            return inter, msg
        assert cb.type == 4, cb
        assert cb.data is not None
        return inter, cb.data

    def bot_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""


def oversized_article() -> tuple[Article, dedupe.Fingerprint]:
    """500-character title, 300 quotes, 20,000 words, long everything: must still render within limits."""
    word = "Lorem*ipsum_@everyone"
    paragraphs = [
        Paragraph("text", " ".join([f"{word}{i}" for i in range(200)]) + f" said speaker {p}.")
        for p in range(100)
    ]
    quotes = [
        Quote(
            text=("“" + "Very long **quoted** words " * 40 + "”")[:900],
            speaker="Speaker " + "X" * 300 + str(n),
            kind="full",
            paragraph=n % 100,
            score=float(n),
        )
        for n in range(300)
    ]
    title = ("Oversized headline " * 40)[:500]
    article = Article(
        id=0,
        guild_id=None,
        title=title,
        paragraphs=paragraphs,
        url="https://example.org/" + "long/" * 50,
        canonical_url=dedupe.canonical_url("https://example.org/" + "long/" * 50),
        subtitle="Subtitle " * 300,
        authors=[f"Author {'Y' * 80} {i}" for i in range(40)],
        published=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        section="Section " * 60,
        source="Source " * 60,
        image="https://example.org/image.jpg",
        word_count=20_000,
        origin="text",
        analysis=Analysis(summary=[p.text for p in paragraphs[:3]], quotes=quotes),
    )
    return article, dedupe.fingerprint(paragraphs)


async def fill_store(db: Path, newsroom: int, other: int) -> dict[str, int]:
    """The global library (seed page, 40 BBC articles), the newsroom's and the other server's articles."""
    ids: dict[str, int] = {}
    store = create_store(db)
    await store.open()
    try:
        ingestor = Ingestor(store, analyzer=default_analyzer())
        seed, *_ = await ingestor.ingest_text(SEED.read_text(), title=None, source="seed", ingested_by="test")
        assert seed.id is not None, seed
        ids["seed"] = seed.id
        lines = BBC.read_text().splitlines()[:40]
        archive = db.parent / "bbc.jsonl"
        archive.write_text("\n".join(lines) + "\n")
        async for result in ingestor.ingest_sources([str(archive)], ingested_by="test"):
            assert result.status in ("created", "duplicate"), result
        first = await store.find_by_external_id(json.loads(lines[0])["id"], Scope.all())
        assert first is not None
        ids["bbc_first"] = first.id
        local, *_ = await ingestor.ingest_text(
            "Harbour council approves new ferry terminal\n\n" + _story("ferry terminal", "Mayor Jane Holt"),
            title="Harbour council approves new ferry terminal",
            guild_id=newsroom,
            ingested_by="test",
        )
        ids["local"] = local.id or 0
        secret, *_ = await ingestor.ingest_text(
            _story("secret mine expansion", "Director Paul Greer"),
            title="Secret mine expansion memo leaks",
            guild_id=other,
            ingested_by="test",
        )
        ids["secret"] = secret.id or 0
        hostile, *_ = await ingestor.ingest_text(
            _story("festival", "Organiser Ann Bright"),
            title="**Bold** @everyone <@123456789012345678> [click](https://evil.example) festival",
            guild_id=newsroom,
            ingested_by="test",
        )
        ids["hostile"] = hostile.id or 0
        big, fp = oversized_article()
        ids["oversized"] = (await store.add_article(big, fp)).id
    finally:
        await store.close()
    return ids


def _story(topic: str, speaker: str) -> str:
    return "\n\n".join(
        [
            f"The {topic} was the talk of the town on Tuesday as residents gathered to hear the plans.",
            f'"This is the best thing to happen here in a decade," said {speaker}, who led the effort.',
            f"Critics of the {topic} said the costs had not been explained and asked for an independent review.",
            f'"We will publish every figure before the vote," {speaker} said on Wednesday.',
            f"A final decision on the {topic} is expected next month after a public consultation.",
        ]
    )


async def start_world(tmp: Path, extra_env: dict[str, str] | None = None) -> World:
    emu = DiscordEmulator()
    await emu.start()
    newsroom = emu.create_guild("Newsroom")
    other = emu.create_guild("Other Server")
    admin = emu.users[newsroom.owner_id]
    member = emu.create_user("member")
    editor = emu.create_user("editor")
    editors = emu.create_role(newsroom, "Editors")
    emu.add_member(newsroom, member)
    emu.add_member(newsroom, editor, [editors])
    db = tmp / "news.db"
    ids = await fill_store(db, newsroom.id, other.id)
    world = World(emu, newsroom, other, admin, member, editor, editors, db, ids, log=tmp / "bot.log")
    env = (
        os.environ
        | emu.env()
        | {
            "NEWSBOT_DB": str(db),
            "NEWSBOT_FETCH_ALLOW": "127.0.0.1",
            "NEWSBOT_ADMIN_ROLES": "Editors",
            "NEWSBOT_PAGE_TIMEOUT": str(PAGE_TIMEOUT),
            "NEWSBOT_LOG_LEVEL": "INFO",
            "PYTHONPATH": str(REPO),
        }
        | (extra_env or {})
    )
    assert world.log is not None
    with world.log.open("wb") as out:
        world.proc = await asyncio.create_subprocess_exec(
            str(NEWSBOT), "run", env=env, cwd=tmp, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
    try:
        await emu.wait_ready(timeout=60)
        await emu.wait_commands(timeout=60)
    except TimeoutError:
        await stop_world(world)
        raise AssertionError("the bot did not come up:\n" + world.bot_log()[-4000:]) from None
    return world


async def stop_world(world: World) -> int | None:
    code = None
    if world.proc is not None and world.proc.returncode is None:
        world.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(world.proc.wait(), 20)
        except TimeoutError:
            world.proc.kill()
            await world.proc.wait()
    await world.emu.stop()
    return code


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    if not SEED.exists() or not BBC.exists():
        pytest.skip("../shared data is not beside the repository")
    w = await start_world(tmp_path_factory.mktemp("cogs"))
    try:
        yield w
    finally:
        await finish_world(w)


async def finish_world(w: World) -> None:
    """Every end-to-end fixture's teardown: a clean exit on SIGTERM and no protocol violations."""
    code = await stop_world(w)
    if code not in (0, None):
        print(w.bot_log()[-4000:], file=sys.stderr)
    assert code == 0, f"newsbot run exited {code} on SIGTERM"
    w.emu.assert_no_violations()
