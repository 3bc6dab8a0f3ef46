"""Related-pieces quality on the BBC development set, beside a plain TF-IDF cosine baseline.

Usage: .venv/bin/python bench/related.py [--data ../shared/data/topics/bbc_news_dev.jsonl]
       [--limit N] [--analysis] [--near-dups 200] [--db postgresql://user@host/db]

The archive goes through the real ingest pipeline into a fresh SQLite store (or, with --db, a fresh
PostgreSQL database created beside the one named and dropped at the end) (flagged exact duplicates are
kept in the file; the pipeline decides). P@5 = share of an article's top-5 related pieces with its label.
The near-duplicate part ingests edited copies (sentences dropped/reordered, a new headline, boilerplate)
of N articles under other URLs and checks they are recorded as copies of their original and grouped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.ingest.pipeline import Ingestor, default_analyzer  # noqa: E402
from bot.ingest.sources import record_item  # noqa: E402
from bot.search.related import RelatedConfig, backfill_vectors, related_to_article  # noqa: E402
from bot.search.text import STOP_WORDS  # noqa: E402
from bot.store import ArticleStore, Scope, create_store  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/topics/bbc_news_dev.jsonl"
_TOKEN = re.compile(r"[a-z]+")


def tfidf_baseline(texts: list[str], labels: list[str], k: int = 5) -> float:
    """Plain TF-IDF cosine (sublinear tf, smooth idf, English stop words), full pairwise scan."""
    vocab: dict[str, int] = {}
    rows: list[Counter[int]] = []
    for text in texts:
        counts: Counter[int] = Counter()
        for w in _TOKEN.findall(text.lower()):
            if len(w) > 1 and w not in STOP_WORDS:
                counts[vocab.setdefault(w, len(vocab))] += 1
        rows.append(counts)
    matrix = np.zeros((len(texts), len(vocab)), dtype=np.float32)
    for i, counts in enumerate(rows):
        for j, n in counts.items():
            matrix[i, j] = 1.0 + np.log(n)
    df = (matrix > 0).sum(axis=0)
    matrix *= (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
    sims = matrix @ matrix.T
    np.fill_diagonal(sims, -1)
    top = np.argsort(-sims, axis=1)[:, :k]
    return float(np.mean([[labels[j] == labels[i] for j in top[i]] for i in range(len(texts))]))


async def ingest_archive(
    store: ArticleStore, path: Path, limit: int | None, analysis: bool
) -> dict[str, int]:
    """Archive line id → stored article id (copies map to their original)."""
    ingestor = Ingestor(store, analyzer=default_analyzer() if analysis else None)
    mapping: dict[str, int] = {}
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if limit and number > limit:
                break
            record = json.loads(line)
            record.pop("duplicate_of", None)
            for result in await ingestor.ingest_item(
                record_item(f"{path.name}:{number}", json.dumps(record))
            ):
                if result.id is not None:
                    mapping[record["id"]] = result.id
    return mapping


def edited_copy(text: str, title: str, rng: random.Random) -> tuple[str, str]:
    sentences = [s for p in text.split("\n\n") for s in re.split(r"(?<=[.!?])\s+", p) if s.strip()]
    keep = [s for s in sentences if rng.random() > 0.15] or sentences
    if len(keep) > 4:  # swap two neighbouring sentences
        i = rng.randrange(1, len(keep) - 2)
        keep[i], keep[i + 1] = keep[i + 1], keep[i]
    paragraphs = [" ".join(keep[i : i + 3]) for i in range(0, len(keep), 3)]
    boiler = [
        "Sign up for our daily newsletter to get the top stories delivered to your inbox.",
        "Follow us on social media for the latest updates. Copyright Example Wire Service.",
    ]
    new_title = (
        f"{rng.choice(['Report:', 'Update:', 'Analysis:', 'Breaking:'])} {' '.join(title.split()[::-1])}"
    )
    return new_title, "\n\n".join([*paragraphs, *boiler])


async def run(args: argparse.Namespace) -> None:
    rows = [json.loads(line) for line in args.data.open(encoding="utf-8")]
    if args.limit:
        rows = rows[: args.limit]
    label_of = {r["id"]: r["label"] for r in rows}
    with tempfile.TemporaryDirectory() as tmp:
        async with bench_database(args.db, Path(tmp)) as location:
            store = create_store(location)
            await store.open()
            t0 = time.perf_counter()
            mapping = await ingest_archive(store, args.data, args.limit, args.analysis)
            t_ingest = time.perf_counter() - t0
            t0 = time.perf_counter()
            await backfill_vectors(store)
            t_index = time.perf_counter() - t0
            labels_by_db: dict[int, str] = {}
            for ext, db_id in mapping.items():
                labels_by_db.setdefault(db_id, label_of[ext])
            stored = sorted(labels_by_db)
            flagged = {r["id"] for r in rows if r.get("duplicate_of")}
            merged: dict[int, list[str]] = {}
            for ext, db_id in mapping.items():
                if ext not in flagged:
                    merged.setdefault(db_id, []).append(ext)
            title_of = {r["id"]: r["title"] for r in rows}
            joined = [exts for exts in merged.values() if len(exts) > 1]
            print(f"unflagged archive items merged into one stored article: {len(joined)} groups")
            for exts in joined[:10]:
                print("   ", " | ".join(f"{e}: {title_of[e]}" for e in exts))
            print(
                f"ingested {len(rows)} lines → {len(stored)} stored articles in {t_ingest:.1f}s; vectors {t_index:.1f}s"
            )

            config = RelatedConfig(**json.loads(args.config)) if args.config else RelatedConfig()
            hits = total = 0
            latencies = []
            for db_id in stored:
                t0 = time.perf_counter()
                result = await related_to_article(store, db_id, Scope.all(), limit=5, config=config)
                latencies.append(time.perf_counter() - t0)
                items = result.items[:5]
                hits += sum(labels_by_db.get(i.id) == labels_by_db[db_id] for i in items)
                total += 5
            p5 = hits / total
            articles = await store.get_articles(stored, Scope.all())
            base = tfidf_baseline(
                [f"{a.title}\n{a.body}" for a in articles], [labels_by_db[a.id] for a in articles]
            )
            lat = np.array(latencies) * 1000
            print(f"P@5 related (newsbot)      {p5:.3f}")
            print(f"P@5 TF-IDF cosine baseline {base:.3f}")
            print(f"related latency ms: p50 {np.percentile(lat, 50):.1f} p95 {np.percentile(lat, 95):.1f}")

            if args.near_dups:
                await near_duplicates(store, rows, mapping, args.near_dups)
            await store.close()


async def near_duplicates(store: ArticleStore, rows: list[dict], mapping: dict[str, int], n: int) -> None:
    rng = random.Random(7)
    ingestor = Ingestor(store, analyzer=None)
    originals = [r for r in rows if r["id"] in mapping and r.get("duplicate_of") is None]
    sample = rng.sample(originals, min(n, len(originals)))
    detected = wrong = grouped = 0
    copy_ids: dict[int, int] = {}
    for i, row in enumerate(sample):
        title, text = edited_copy(row["text"], row["title"], rng)
        record = {"title": title, "text": text, "url": f"https://copies.example/{i}"}
        (result,) = await ingestor.ingest_item(record_item(f"copy:{i}", json.dumps(record)))
        original = mapping[row["id"]]
        if result.status == "duplicate":
            if result.duplicate_of == original:
                detected += 1
            else:
                wrong += 1
        found = await store.get_articles(
            [a.id for a in await store.list_articles(Scope.all(), limit=1)], Scope.all()
        )
        if found and found[0].duplicate_of == original:
            copy_ids[original] = found[0].id
    # Grouping: asked about the original, the copy must show as "also covered by", never as a related item.
    for original, copy_id in copy_ids.items():
        related = await related_to_article(store, original, Scope.all(), limit=5)
        if copy_id in related.also_covered_by and all(i.id != copy_id for i in related.items):
            grouped += 1
    print(
        f"near-duplicates: {detected}/{len(sample)} detected as copies of their original "
        f"({detected / len(sample):.1%}), {wrong} attached to a different article; "
        f"{grouped}/{len(copy_ids)} stored copies grouped under their original in related results"
    )


@contextlib.asynccontextmanager
async def bench_database(server: str | None, folder: Path) -> AsyncIterator[str]:
    """A fresh SQLite file, or a fresh database on the PostgreSQL server of `server` (dropped after)."""
    if not server:
        yield str(folder / "bench.db")
        return
    import asyncpg

    name = f"newsbot_bench_{os.getpid()}"
    parts = urlsplit(server)

    async def admin(sql: str) -> None:
        con = await asyncpg.connect(server)
        try:
            await con.execute(sql)
        finally:
            await con.close()

    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument(
        "--analysis", action="store_true", help="run bot.analysis at ingest (keywords, entities)"
    )
    parser.add_argument("--near-dups", type=int, default=200)
    parser.add_argument("--db", help="a postgresql:// URL: run on a fresh database on that server")
    parser.add_argument("--config", help="RelatedConfig overrides as JSON")
    args = parser.parse_args()
    print("$ " + " ".join([Path(sys.executable).name, *sys.argv]), flush=True)
    logging.getLogger("bot").setLevel(logging.WARNING)  # per-article ingest logs drown the figures
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
