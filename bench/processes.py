"""Scaled-out digests: how long N `newsbot worker` processes on one PostgreSQL database take to post 500
topic digests that fall due in the same minute, through the Discord emulator (REST only, no rate limits).

Usage: .venv/bin/python bench/processes.py [--workers 1 2] [--topics 500] [--pg postgresql://postgres@127.0.0.1/postgres]

Each run: a fresh database, one global article every digest carries, 100 servers with 5 topics each, the
workers started and idle, then the test clock moved to the due minute; the figure is from that moment to
the last digest message arriving, and the check that each topic was posted exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.store import create_store  # noqa: E402
from bot.topics.types import Topic  # noqa: E402
from tests.cli.test_processes_e2e import Fleet, _article  # noqa: E402
from tests.emulator import DiscordEmulator  # noqa: E402

START = datetime(2024, 5, 1, 9, 58, tzinfo=UTC)
DUE = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


async def admin(url: str, sql: str) -> None:
    con = await asyncpg.connect(url)
    try:
        await con.execute(sql)
    finally:
        await con.close()


async def one_run(pg: str, workers: int, topics: int) -> tuple[float, int, int]:
    name = f"newsbot_bench_processes_{os.getpid()}_{secrets.token_hex(3)}"
    await admin(pg, f'CREATE DATABASE "{name}"')
    url = f"{pg.rsplit('/', 1)[0]}/{name}"
    tmp = Path(tempfile.mkdtemp(prefix="newsbot-processes-"))
    emu = DiscordEmulator()
    await emu.start()
    fleet = Fleet(tmp, emu, url)
    try:
        guilds = [emu.create_guild(f"Server {i}") for i in range(100)]
        channels = [next(iter(g.channels.values())).id for g in guilds]
        fleet.set_clock(START)
        await fleet.start("ingest", "ingest", str(_article(tmp)))
        assert await fleet.procs["ingest"].wait() == 0, fleet.log("ingest")
        store = create_store(url)
        await store.open()
        try:
            await store.add_topics(
                [
                    Topic(
                        id=0,
                        guild_id=guilds[i % 100].id,
                        channel_id=channels[i % 100],
                        name=f"Harbour watch {i}",
                        query="harbour",
                        next_run_at=DUE,
                        created_at=START,
                    )
                    for i in range(topics)
                ]
            )
        finally:
            await store.close()
        for w in range(workers):
            await fleet.start(f"worker{w}", "worker")
        await emu.wait_until(
            lambda: all("worker started" in fleet.log(f"worker{w}") for w in range(workers)), 120, "workers"
        )

        def posted() -> Counter[str]:
            names: Counter[str] = Counter()
            for channel in channels:
                for m in emu.messages(channel):
                    content = str(m.get("content") or "")
                    if content.startswith("📰"):
                        names[content.split("**")[1]] += 1
            return names

        t0 = time.perf_counter()
        fleet.set_clock(DUE)
        await emu.wait_until(lambda: len(posted()) >= topics, 600, "every digest")
        seconds = time.perf_counter() - t0
        await asyncio.sleep(2)
        counts = posted()
        return seconds, len(counts), sum(1 for c in counts.values() if c > 1)
    finally:
        await fleet.stop_all()
        await emu.stop()
        await admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--topics", type=int, default=500)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print(f"{'workers':>7} {'topics':>6} {'seconds':>8} {'digests/s':>9} {'posted':>6} {'doubled':>7}")
    for workers in args.workers:
        seconds, posted, doubled = asyncio.run(one_run(args.pg, workers, args.topics))
        print(
            f"{workers:>7} {args.topics:>6} {seconds:>8.1f} {args.topics / seconds:>9.1f} {posted:>6} {doubled:>7}",
            flush=True,
        )


if __name__ == "__main__":
    main()
