"""The bot in this process over the Discord emulator, for fault scenarios and the soak: a real `NewsBot`
with every cog, a SQLite file of its own and an injected clock (`ManualClock` to step schedules,
`ScaledClock` for a week in minutes). Log records of WARNING and above from the bot are kept so a run can
say what it complained about."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.client import NewsBot
from bot.config import Settings
from bot.timer import Clock, ManualClock
from bot.topics.schedule import next_run_after
from bot.topics.types import Schedule, Topic
from tests.emulator import DiscordEmulator
from tests.topics.e2e import story

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # a Monday morning


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        return [f"{r.name} {r.levelname} {r.getMessage()}" for r in self.records]


@contextmanager
def pointed_at(emu: DiscordEmulator) -> Iterator[None]:
    """discord.py in this process talks to `emu` (restored afterwards)."""
    import discord.gateway
    import discord.http

    from bot.discord_endpoints import apply_endpoint_overrides

    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    apply_endpoint_overrides(emu.api_base, emu.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


class LiveBot:
    """One running in-process bot."""

    def __init__(self, emu: DiscordEmulator, bot: NewsBot, runner: asyncio.Task[None], log: Collect) -> None:
        self.emu = emu
        self.bot = bot
        self.runner = runner
        self.log = log
        self._articles = 0

    @property
    def clock(self) -> Any:
        return self.bot.clock

    @property
    def scheduler(self) -> Any:
        return self.bot.get_cog("Topics").scheduler  # type: ignore[union-attr]

    @property
    def poster(self) -> Any:
        return self.scheduler.runner.poster

    def problems(self) -> list[str]:
        return self.log.lines()

    async def ingest(self, title: str, body: str, guild_id: int | None) -> int:
        [result] = await self.bot.ingestor.ingest_text(
            body, title=title, guild_id=guild_id, ingested_by="test"
        )
        assert result.status == "created" and result.id is not None, result
        return result.id

    async def ingest_story(self, topic: str, guild_id: int | None) -> int:
        self._articles += 1
        n = self._articles
        return await self.ingest(f"{topic.title()} report {n}", story(topic, "Mayor Ada Stone", n), guild_id)

    async def add_topic(
        self, guild_id: int, channel_id: int, query: str, schedule: Schedule | None = None
    ) -> Topic:
        sched = schedule or Schedule(every="hourly", minute=0)
        now = self.clock.now()
        topic = Topic(
            id=0,
            guild_id=guild_id,
            channel_id=channel_id,
            query=query,
            schedule=sched,
            created_at=now,
            next_run_at=next_run_after(sched, now),
            last_article_id=await self.bot.store.max_article_id(),
        )
        added = await self.bot.store.add_topic(topic)
        self.scheduler.wake()
        return added

    async def step(self, delta: timedelta, settle: float = 0.3) -> None:
        """ManualClock only: move time on and let the loops run what became due."""
        assert isinstance(self.clock, ManualClock)
        self.clock.advance(delta)
        self.scheduler.wake()
        await asyncio.sleep(settle)

    async def until_idle(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Until no topic is due or holds a digest being sent (ManualClock)."""
        store = self.bot.store
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            due = await store.due_topics(self.clock.now(), limit=1)
            pending = [t for t in await store.list_topics(None, everything=True) if t.pending]
            if not due and not pending:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"still due: {len(due)}, pending: {len(pending)}")
            self.scheduler.wake()
            await asyncio.sleep(0.1)


@asynccontextmanager
async def live_bot(
    emu: DiscordEmulator, db: Path, *, clock: Clock | None = None, cogs: tuple[str, ...] | None = None
) -> AsyncIterator[LiveBot]:
    """Start a NewsBot against `emu` and stop it cleanly afterwards."""
    collect = Collect()
    loggers = [logging.getLogger(n) for n in ("bot", "cogs", "discord")]
    saved_levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(collect)
        lg.setLevel(logging.INFO)
    with pointed_at(emu):
        settings = Settings(token=emu.token, db_path=str(db), fetch_allow="127.0.0.1")  # local servers
        kwargs: dict[str, Any] = {"clock": clock or ManualClock(START)}
        if cogs is not None:
            kwargs["cogs"] = cogs
        bot = NewsBot(settings, **kwargs)
        await bot.login(emu.token)
        runner = asyncio.create_task(bot.connect(), name="test-bot")
        live = LiveBot(emu, bot, runner, collect)
        try:
            await emu.wait_ready(timeout=60)
            await emu.wait_commands(timeout=60)
            yield live
        finally:
            # A READY after a new IDENTIFY is dispatched by discord.py a moment later (it waits for the
            # guilds); closed before that, the client would have no loop left to dispatch it on.
            ready = getattr(bot._connection, "_ready_task", None)
            if ready is not None and not ready.done():
                await asyncio.wait([ready], timeout=10)
            # the gateway first: events it would dispatch after `close` (which unsets the client's loop)
            # would be coroutines never awaited
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await bot.close()
            # event handlers discord.py scheduled just before the close: let them finish, not be destroyed
            events = [
                t for t in asyncio.all_tasks() if t.get_name().startswith("discord.py") and not t.done()
            ]
            if events:
                await asyncio.wait(events, timeout=5)
            for lg, level in zip(loggers, saved_levels, strict=True):
                lg.removeHandler(collect)
                lg.setLevel(level)


_VOCAB = (
    "council harbour tunnel museum library stadium orchard bridge railway clinic market canal airport school "
    "theatre reservoir quarry pier lighthouse tramway brewery mill garden observatory depot ferry budget "
    "senate court river valley mayor minister farmer nurse teacher engineer driver pilot miner baker "
    "storm drought flood harvest strike vote audit contract tender lawsuit inquiry protest parade festival"
).split()


def distinct_text(n: int, sentences: int = 8) -> str:
    """A plain-text article no other `n` shares (random words seeded by `n`): never a near-duplicate."""
    import random

    rng = random.Random(n)
    paras = []
    for _ in range(sentences // 2):
        words = [rng.choice(_VOCAB) for _ in range(24)]
        paras.append(
            f"The {words[0]} and the {words[1]} met the {words[2]} near the {words[3]} {words[4]}. "
            + " ".join(words[5:]).capitalize()
            + "."
        )
    return "\n\n".join(paras)


def digest_ids(messages: list[dict[str, Any]]) -> list[int]:
    """Article ids listed in digest messages (`(#42)`), one entry per listing: duplicates show doubles."""
    import re

    out: list[int] = []
    for m in messages:
        if "📰" in (m.get("content") or "") or "(#" in (m.get("content") or ""):
            out.extend(int(x) for x in re.findall(r"\(#(\d+)\)", m.get("content") or ""))
    return out
