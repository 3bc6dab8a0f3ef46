"""Scaled out through the Discord emulator on a real PostgreSQL database: two `newsbot run` processes
(shards 0 and 1 of 2) and two `newsbot worker` processes. Each server's commands reach only the process
that owns its shard; 500 topics due in the same minute are posted exactly once although one worker is
killed with SIGKILL in the middle; a feed 50 servers follow is fetched once per interval."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.store import create_store
from bot.topics.types import Topic
from tests.emulator import DiscordEmulator
from tests.feeds.conftest import FeedServer, rss
from tests.feeds.conftest import feed_server as feed_server  # noqa: F401  (the fixture)
from tests.topics.e2e import NEWSBOT, story

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

START = datetime(2024, 5, 1, 9, 58, tzinfo=UTC)
DUE = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
GUILDS = 100
TOPICS = 500
LEASE = 6  # seconds: a killed worker's digests are taken over soon


class Fleet:
    """The processes of one deployment, sharing a database, a clock file and the emulator."""

    def __init__(self, tmp: Path, emu: DiscordEmulator, db: str) -> None:
        self.tmp = tmp
        self.emu = emu
        self.clock = tmp / "now.txt"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
        self.env = (
            base
            | emu.env()
            | {
                "NEWSBOT_DB": db,
                "NEWSBOT_FAKE_NOW_FILE": str(self.clock),
                "NEWSBOT_LOG_LEVEL": "INFO",
                "NEWSBOT_LEASE_SECONDS": str(LEASE),
                "NEWSBOT_FETCH_ALLOW": "127.0.0.1",
            }
        )
        self.procs: dict[str, asyncio.subprocess.Process] = {}

    def set_clock(self, when: datetime) -> None:
        part = self.clock.with_suffix(".part")
        part.write_text(when.isoformat())
        os.replace(part, self.clock)

    async def start(self, name: str, *args: str) -> None:
        with (self.tmp / f"{name}.log").open("ab") as out:
            self.procs[name] = await asyncio.create_subprocess_exec(
                str(NEWSBOT), *args, env=self.env, cwd=self.tmp, stdout=out, stderr=asyncio.subprocess.STDOUT
            )

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def alive(self, name: str) -> bool:
        return self.procs[name].returncode is None

    async def stop_all(self) -> dict[str, int]:
        codes = {}
        for proc in self.procs.values():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
            codes[name] = proc.returncode
        return codes


def _identified(emu: DiscordEmulator) -> set[tuple[int, int]]:
    return {s.shard for s in emu._sessions.values() if s.connection is not None}


async def test_two_shards_two_workers_one_database(
    emulator: DiscordEmulator,
    fresh_database: str,
    feed_server: FeedServer,
    tmp_path: Path,
) -> None:
    emu = emulator
    guilds = [emu.create_guild(f"Server {i}", shard=(i % 2, 2)) for i in range(GUILDS)]
    fleet = Fleet(tmp_path, emu, fresh_database)
    fleet.set_clock(START)

    # the store: one article every digest will carry, 500 topics due at 10:00, a feed 50 servers follow
    store = create_store(fresh_database)
    await store.open()
    try:
        await fleet.start("ingest", "ingest", str(_article(tmp_path)))
        assert await fleet.procs["ingest"].wait() == 0, fleet.log("ingest")
        topics = []
        for i in range(TOPICS):
            guild = guilds[i % GUILDS]
            channel = next(iter(guild.channels.values()))
            topics.append(
                Topic(
                    id=0,
                    guild_id=guild.id,
                    channel_id=channel.id,
                    name=f"Harbour watch {i}",
                    query="harbour",
                    next_run_at=DUE,
                    created_at=START,
                )
            )
        await store.add_topics(topics)
        feed_server.dynamic["port.xml"] = (rss([]), "application/rss+xml")
        for guild in guilds[:50]:
            channel = next(iter(guild.channels.values()))
            await store.add_feed_subscription(
                feed_server.url("dyn/port.xml"), guild.id, channel_id=channel.id, interval_s=600, now=START
            )
    finally:
        await store.close()

    try:
        # --- two gateway processes, one shard each ---------------------------------------------------
        await fleet.start("shard0", "run", "--shards", "0", "--shard-count", "2")
        await fleet.start("shard1", "run", "--shards", "1", "--shard-count", "2")
        await emu.wait_until(
            lambda: _identified(emu) == {(0, 2), (1, 2)} and emu.command_syncs >= 2,
            90,
            "both shards to connect",
        )
        asked = await asyncio.gather(*(emu.invoke("topic list", {}, guild=g) for g in guilds))
        for guild, inter in zip(guilds, asked, strict=True):
            assert inter.shards == [((guild.id >> 22) % 2, 2)]
            cb = await emu.wait_response(inter, timeout=30)
            assert cb.type == 4 and cb.data is not None and cb.data["content"].count("`harbour`") == 5, cb
        assert all("background service left to workers" in fleet.log(s) for s in ("shard0", "shard1"))

        # --- two workers; 500 digests due at once; one worker killed in the middle --------------------
        await fleet.start("worker0", "worker")
        await fleet.start("worker1", "worker")
        await emu.wait_until(
            lambda: (
                fleet.log("worker0").count("worker started") and fleet.log("worker1").count("worker started")
            ),
            60,
            "both workers to start",
        )
        await emu.wait_until(lambda: feed_server.statuses("dyn/port.xml"), 30, "the feed's first poll")

        # --- an uploaded archive: queued by the gateway process, ingested by a worker, answered by REST --
        upload = "\n".join(
            json.dumps({"title": f"Quay report {n}", "text": story("quay repairs", "Engineer Li Wei", n)})
            for n in range(10, 13)  # unlike the harbour article (story 1)
        )
        attachment = emu.add_attachment(upload.encode(), "quay.jsonl", "application/jsonl")
        inter = await emu.invoke("ingest file", {"file": attachment}, guild=guilds[1])
        queued = await emu.wait_original(inter, timeout=30)
        assert "Queued quay.jsonl" in queued["content"]

        def answered() -> dict[str, Any] | None:
            msg = emu.message(inter.original_id or 0)
            return msg if msg and msg.get("embeds") else None

        result = await emu.wait_until(answered, 60, "the worker's answer to the upload")
        assert result["embeds"][0]["title"] == "Ingested 3 of 3" and not result["content"]
        assert "ingest queued for a worker" in fleet.log("shard1")
        assert sum("ingest job done" in fleet.log(w) for w in ("worker0", "worker1")) == 1
        fleet.set_clock(DUE)

        def posted() -> Counter[str]:
            names: Counter[str] = Counter()
            for channel in {next(iter(g.channels.values())).id for g in guilds}:
                for m in emu.messages(channel):
                    content = str(m.get("content") or "")
                    if content.startswith("📰"):
                        names[content.split("**")[1]] += 1
            return names

        await emu.wait_until(
            lambda: len(posted()) >= TOPICS // 5 and "digest posted" in fleet.log("worker0"),
            60,
            "the first digests from both workers",
        )
        fleet.procs["worker0"].send_signal(signal.SIGKILL)  # in the middle of its share
        await fleet.procs["worker0"].wait()
        before = len(posted())
        await emu.wait_until(lambda: len(posted()) >= TOPICS, 120, "every digest")
        await asyncio.sleep(LEASE + 2)  # anything the dead worker held has been taken over by now
        counts = posted()
        assert before < TOPICS and fleet.log("worker1").count("digest posted") > TOPICS - before
        assert sorted(counts) == sorted(f"Harbour watch {i}" for i in range(TOPICS))
        assert set(counts.values()) == {1}, [n for n, c in counts.items() if c > 1]

        # --- the feed 50 servers follow: fetched once per interval, however many workers -------------
        assert feed_server.statuses("dyn/port.xml") == [200]
        fleet.set_clock(DUE + timedelta(seconds=600 + 61))  # past the interval and its jitter
        await emu.wait_until(lambda: len(feed_server.statuses("dyn/port.xml")) >= 2, 60, "the second poll")
        await asyncio.sleep(3)
        assert len(feed_server.statuses("dyn/port.xml")) == 2
        assert fleet.alive("worker1") and fleet.alive("shard0") and fleet.alive("shard1")
    finally:
        codes = await fleet.stop_all()
    assert {n: c for n, c in codes.items() if n != "worker0"} == {
        "ingest": 0,
        "shard0": 0,
        "shard1": 0,
        "worker1": 0,
    }, {n: fleet.log(n)[-2000:] for n in codes}


def _article(tmp: Path) -> Path:
    path = tmp / "harbour.txt"
    path.write_text("Harbour plan approved\n\n" + story("harbour plan", "Mayor Ana Ruiz", 1) + "\n")
    return path
