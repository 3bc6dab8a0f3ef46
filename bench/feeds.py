"""Feed figures: parse + ingest rate over the 2,210 shared feed files, and the scheduler's time to pick
the due topics among 100,000 stored ones.

    .venv/bin/python bench/feeds.py [--topics 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.errors import FeedError  # noqa: E402
from bot.feeds.items import entry_article, entry_keys  # noqa: E402
from bot.feeds.parse import parse_feed  # noqa: E402
from bot.ingest.pipeline import Ingestor  # noqa: E402
from bot.store import create_store  # noqa: E402
from bot.topics.types import Schedule, Topic  # noqa: E402

FEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "feeds"


async def bench_feeds(tmp: Path) -> None:
    rows = [json.loads(line) for line in (FEEDS / "manifest.jsonl").open()]
    bodies = [(r["path"], (FEEDS / r["path"]).read_bytes()) for r in rows]
    started = time.perf_counter()
    parsed, refused, entries = [], 0, 0
    for path, body in bodies:
        try:
            feed = parse_feed(body, url="http://127.0.0.1/" + path)
        except FeedError:
            refused += 1
            continue
        parsed.append(feed)
        entries += len(feed.entries)
    parse_s = time.perf_counter() - started
    print(
        f"parse: {len(bodies)} files in {parse_s:.2f} s ({len(bodies) / parse_s:.0f} files/s, {entries} entries), {refused} refused with a reason"
    )
    store = create_store(tmp / "bench.db")
    await store.open()
    ingestor = Ingestor(store)  # no analysis: the feed path's own cost
    started = time.perf_counter()
    stored = dup = skipped = 0
    for feed in parsed:
        for entry in feed.entries:
            entry_keys(entry)
            try:
                result = await ingestor.store_extracted(
                    entry_article(entry, feed_title=feed.title), origin="feed", source=entry.link or "feed"
                )
            except Exception:
                skipped += 1
                continue
            stored += result.status == "created"
            dup += result.status == "duplicate"
    ingest_s = time.perf_counter() - started
    print(
        f"ingest: {entries} entries in {ingest_s:.2f} s ({entries / ingest_s:.0f} items/s): {stored} stored, {dup} duplicates, {skipped} without text"
    )
    await store.close()


async def bench_due(tmp: Path, n: int) -> None:
    store = create_store(tmp / "topics.db")
    await store.open()
    base = datetime(2024, 6, 1, tzinfo=UTC)
    topics = [
        Topic(
            id=0,
            guild_id=i % 5000,
            channel_id=i,
            query="ukraine",
            schedule=Schedule(),
            created_at=base,
            next_run_at=base + timedelta(minutes=i % 1440),
        )
        for i in range(n)
    ]
    for start in range(0, n, 10_000):
        await store.add_topics(topics[start : start + 10_000])
    now = base + timedelta(minutes=5, seconds=30)  # ~6 of each 1,440 minutes are due → about n/240
    timings = []
    for _ in range(20):
        t0 = time.perf_counter()
        due = await store.due_topics(now, limit=500)
        nxt = await store.next_topic_run()
        timings.append(time.perf_counter() - t0)
    timings.sort()
    print(
        f"scheduler: {n} topics stored, {len(due)} due picked (+ next run {nxt:%H:%M}) in median {timings[10] * 1000:.2f} ms, max {timings[-1] * 1000:.2f} ms"
    )
    await store.close()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--topics", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        await bench_feeds(Path(d))
        await bench_due(Path(d), args.topics)


if __name__ == "__main__":
    asyncio.run(main())
