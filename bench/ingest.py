"""Bulk ingest throughput: 10,000 JSONL articles through the real pipeline (extraction of archive text,
dedupe, analysis, store), then the same archive again, which must come back as 10,000 duplicates.

    .venv/bin/python bench/ingest.py [--count 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ingest.pipeline import Ingestor, default_analyzer  # noqa: E402
from bot.store import Scope, create_store  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def build_archive(path: Path, count: int) -> None:
    """Real articles first (BBC, CNN, AG News); the rest are new articles assembled from real sentences,
    so vocabulary and length stay realistic while every text is distinct."""
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for name, text_key in (
        ("topics/bbc_news_dev.jsonl", "text"),
        ("summaries/cnndm_validation500.jsonl", "article"),
    ):
        for line in (SHARED / name).open():
            item = json.loads(line)
            text = item[text_key]
            if text in seen:
                continue
            seen.add(text)
            rows.append(
                {
                    "id": item["id"],
                    "title": item.get("title") or text[:60],
                    "text": text,
                    "source": name.split("/")[0],
                }
            )
    sentences = [s.strip() + "." for r in rows for s in str(r["text"]).split(". ") if len(s.split()) > 6]
    for line in (SHARED / "topics/ag_news_test.jsonl").open():
        item = json.loads(line)
        if len(rows) >= count * 0.8:
            break
        if item["text"] not in seen:
            seen.add(item["text"])
            rows.append({"id": item["id"], "title": item["title"], "text": item["text"], "source": "ag_news"})
    rng = random.Random(42)
    n = 0
    while len(rows) < count:
        body = [" ".join(rng.sample(sentences, 4)) for _ in range(rng.randint(4, 9))]
        rows.append(
            {
                "id": f"synthetic-{n}",
                "title": f"Synthetic article {n}",
                "text": "\n\n".join(body),
                "source": "synthetic",
            }
        )
        n += 1
    with path.open("w") as f:
        for row in rows[:count]:
            f.write(json.dumps(row) + "\n")


async def run(archive: Path, db: Path) -> tuple[Counter[str], float]:
    store = create_store(db)
    await store.open()
    try:
        ingestor = Ingestor(store, analyzer=default_analyzer())
        counts: Counter[str] = Counter()
        start = time.perf_counter()
        async for result in ingestor.ingest_sources([str(archive)], ingested_by="bench"):
            counts[result.status] += 1
        elapsed = time.perf_counter() - start
        assert await store.count_articles(Scope.all()) > 0
        return counts, elapsed
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="keep the database in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    archive, db = folder / "archive.jsonl", folder / "bench.db"
    db.unlink(missing_ok=True)
    build_archive(archive, args.count)
    words = sum(len(json.loads(line)["text"].split()) for line in archive.open())
    print(f"$ python bench/ingest.py --count {args.count}")
    print(
        f"archive: {args.count} articles, {words / args.count:.0f} words on average, {archive.stat().st_size / 1e6:.1f} MB"
    )
    first, t1 = asyncio.run(run(archive, db))
    size = sum(p.stat().st_size for p in folder.glob("bench.db*"))
    print(f"first run : {dict(first)} in {t1:.1f} s = {args.count / t1:.0f} articles/s (with analysis)")
    print(f"database  : {size / 1e6:.1f} MB ({size / args.count / 1024:.1f} KB per article)")
    second, t2 = asyncio.run(run(archive, db))
    print(f"second run: {dict(second)} in {t2:.1f} s = {args.count / t2:.0f} articles/s")
    print(f"peak RSS  : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
