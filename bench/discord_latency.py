"""Interaction latency of the real bot (`newsbot run` subprocess) against the loopback Discord emulator.

Stores 10,000 articles (BBC dev + AG News test + composites of AG items, through the real ingestion
pipeline; the database is cached between runs), starts the bot the way an operator does, then measures,
for /summary, /quotes, /related and /search, the time from the emulator dispatching INTERACTION_CREATE to
the bot's first response (callback) arriving, and finally sends 200 interactions at once.

    .venv/bin/python bench/discord_latency.py [--articles 10000] [--n 200] [--burst 200] [--db PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shlex
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.ingest.pipeline import Ingestor, default_analyzer  # noqa: E402
from bot.ingest.sources import ExplicitFields, RawItem  # noqa: E402
from bot.search.related import backfill_vectors  # noqa: E402
from bot.store import Scope, create_store  # noqa: E402
from tests.emulator import DiscordEmulator, Interaction  # noqa: E402

TOPICS = REPO.parent / "shared" / "data" / "topics"
COMMANDS = ("summary", "quotes", "related", "search")


def records(seed: int = 7) -> Iterator[dict[str, str]]:
    """BBC dev, AG News test, then composites of three AG items (as many as needed)."""
    ag = [json.loads(x) for x in (TOPICS / "ag_news_test.jsonl").read_text().splitlines() if x.strip()]
    yield from (json.loads(x) for x in (TOPICS / "bbc_news_dev.jsonl").read_text().splitlines() if x.strip())
    yield from ag
    rng = random.Random(seed)
    for n in itertools.count(1):
        parts = rng.sample(ag, 3)
        yield {
            "id": f"composite-{n}",
            "title": f"{parts[0]['title']} — and {parts[1]['title'].lower()}",
            "text": "\n\n".join(p["text"] for p in parts),
        }


async def build_db(path: Path, target: int) -> None:
    """Ingest until `target` articles are stored (duplicates in the data are caught and not counted)."""
    store = create_store(path)
    await store.open()
    try:
        have = await store.count_articles(Scope.all())
        if have >= target:
            return
        ingestor = Ingestor(store, analyzer=default_analyzer())
        t0 = time.perf_counter()
        for i, row in enumerate(records()):
            fields = ExplicitFields(title=row.get("title"), external_id=row["id"])
            raw = RawItem(f"bench:{i}", "record", "archive", content=row["text"], fields=fields)
            results = await ingestor.ingest_item(raw, ingested_by="bench")
            have += sum(r.status == "created" for r in results)
            if i % 1000 == 999:
                print(f"  {have} articles stored ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
            if have >= target:
                break
        await backfill_vectors(store)
    finally:
        await store.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def first_response(emu: DiscordEmulator, inter: Interaction, wait: float = 10.0) -> float:
    cb = await emu.wait_response(inter, timeout=wait)
    return (cb.at - inter.sent_at) * 1000


def options_for(command: str, rng: random.Random, ids: list[int], words: list[str]) -> dict[str, Any]:
    if command == "search":
        return {"query": " ".join(rng.sample(words, 1 + rng.randrange(2)))}
    if command == "related":
        return {"article": str(rng.choice(ids)), "count": 5}
    return {"article": str(rng.choice(ids))}


async def run(args: argparse.Namespace) -> None:
    db = Path(args.db)
    t0 = time.perf_counter()
    await build_db(db, args.articles)
    store = create_store(db)
    await store.open()
    count = await store.count_articles(Scope.all())
    listing = await store.list_articles(Scope.all(), limit=count)
    await store.close()
    ids = [x.id for x in listing]
    words = sorted({w.lower() for x in listing[:3000] for w in x.title.split() if w.isalpha() and len(w) > 4})
    print(f"articles stored: {count} (database ready in {time.perf_counter() - t0:.1f} s)")

    emu = DiscordEmulator()
    await emu.start()
    emu.create_guild("Bench")
    env = (
        os.environ
        | emu.env()
        | {"NEWSBOT_DB": str(db), "NEWSBOT_LOG_LEVEL": "WARNING", "PYTHONPATH": str(REPO)}
    )
    proc = await asyncio.create_subprocess_exec(str(REPO / ".venv" / "bin" / "newsbot"), "run", env=env)
    try:
        await emu.wait_ready(timeout=60)
        await emu.wait_commands(timeout=60)
        rng = random.Random(11)
        for command in COMMANDS:  # warm-up (first related loads the embedding model)
            await first_response(emu, await emu.invoke(command, options_for(command, rng, ids, words)), 30)
        print(f"{'command':<10}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}  deferred")
        for command in COMMANDS:
            latencies: list[float] = []
            deferred = 0
            for _ in range(args.n):
                inter = await emu.invoke(command, options_for(command, rng, ids, words))
                latencies.append(await first_response(emu, inter))
                deferred += inter.callback is not None and inter.callback.type == 5
                if inter.callback is not None and inter.callback.type == 5:
                    await emu.wait_original(inter, timeout=30)
            print(
                f"/{command:<9}{len(latencies):>6}{pct(latencies, 50):>10.1f}{pct(latencies, 95):>10.1f}"
                f"{pct(latencies, 99):>10.1f}{max(latencies):>10.1f}  {deferred}"
            )
        inters = [
            await emu.invoke(c, options_for(c, rng, ids, words))
            for c in (COMMANDS[i % len(COMMANDS)] for i in range(args.burst))
        ]
        burst = await asyncio.gather(*(first_response(emu, i, 15) for i in inters))
        late = sum(1 for x in burst if x > 3000)
        print(
            f"burst of {args.burst} at once: all answered, slowest first response {max(burst):.0f} ms, "
            f"p50 {pct(burst, 50):.0f} ms, over 3 s: {late}"
        )
        violations = len(emu.violations)
        print(f"emulator spec violations: {violations}")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await proc.wait()
        await emu.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=200, help="interactions per command")
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--db", default="/tmp/newsbot-bench-latency.db")
    args = parser.parse_args()
    print("$ " + shlex.join([".venv/bin/python", "bench/discord_latency.py", *sys.argv[1:]]))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
