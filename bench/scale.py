"""Search and related-piece latency at scale: builds stores of N synthetic articles, then times queries.

Usage: .venv/bin/python bench/scale.py [--sizes 100000 1000000] [--queries 1000] [--keep DIR]
       .venv/bin/python bench/scale.py --serve DB [--queries 1000]     (serving phase only)

Articles are synthesised from the development texts (BBC + AG News sentences of one topic family per
article, 8–14 sentences in paragraphs, the first source's headline) plus a Zipf-distributed tail of
invented names, so document frequencies look like a real archive: common words everywhere, many rare
names. They are bulk-inserted with executemany through the real schema (FTS5 triggers included), with
vectors computed the way ingest would (embedding = word-weighted mean of cached sentence embeddings).
The serving phase runs in a fresh process so its peak memory is not the build's.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.search.related import related_to_article  # noqa: E402
from bot.search.search import build_filters, search  # noqa: E402
from bot.search.text import BUCKETS, bucket, index_terms  # noqa: E402
from bot.search.vectors import EMBEDDER, VECTOR_VERSION, pack_embedding  # noqa: E402
from bot.store import Scope  # noqa: E402
from bot.store.sqlite import SQLiteStore  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared/data/topics"
FAMILY = {"Business": "business", "Sports": "sport", "Sci/Tech": "tech", "World": "world"}
SOURCES = [f"Source {i}" for i in range(30)]
GUILDS = list(range(1, 21))
_SENT = re.compile(r"(?<=[.!?])\s+")
_SYL = [
    "ka",
    "lo",
    "ve",
    "ri",
    "mar",
    "ten",
    "sa",
    "do",
    "vi",
    "ch",
    "ko",
    "ne",
    "bel",
    "tor",
    "an",
    "gu",
    "zi",
    "pe",
]


@dataclass
class Corpus:
    sentences: list[str]
    buckets: list[np.ndarray]  # per sentence: bucket ids with repeats
    embeddings: np.ndarray  # per sentence, unnormalised, weighted by word count
    docs: dict[str, list[tuple[str, list[int]]]]  # family → [(title, sentence ids)]


def load_corpus() -> Corpus:
    sentences: list[str] = []
    docs: dict[str, list[tuple[str, list[int]]]] = {}
    for name in ("bbc_news_dev.jsonl", "ag_news_test.jsonl"):
        for line in (DATA / name).open(encoding="utf-8"):
            row = json.loads(line)
            family = FAMILY.get(row["label"], row["label"])
            ids = []
            for para in row["text"].split("\n\n"):
                for s in _SENT.split(para):
                    if len(s.split()) >= 4:
                        ids.append(len(sentences))
                        sentences.append(s.strip())
            if ids:
                docs.setdefault(family, []).append((row["title"], ids))
    buckets = [np.array([bucket(t) for t in index_terms(s)], dtype=np.uint32) for s in sentences]
    model = EMBEDDER.model()
    emb = np.asarray(model.embed(sentences, batch_size=256), dtype=np.float32)
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
    emb *= np.array([[len(s.split())] for s in sentences], dtype=np.float32)
    return Corpus(sentences, buckets, emb, docs)


def name_for(rank: int) -> str:
    """A pronounceable invented name per Zipf rank (a long tail of people, firms and places)."""
    parts = []
    n = rank
    while True:
        parts.append(_SYL[n % len(_SYL)])
        n //= len(_SYL)
        if n == 0:
            break
    return ("".join(parts) + "ov").capitalize()


async def create_schema(path: Path) -> None:
    store = SQLiteStore(path)
    await store.open()
    await store.close()


def build(path: Path, n: int, corpus: Corpus, seed: int = 1) -> dict[str, float]:
    t0 = time.perf_counter()
    asyncio.run(create_schema(path))
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-262144")
    families = sorted(corpus.docs)
    df = np.zeros(BUCKETS, dtype=np.int64)
    start = datetime.now(UTC) - timedelta(days=3 * 365)  # three years up to today
    batch: list[tuple] = []
    vectors: list[tuple] = []
    next_id = 1

    def flush() -> None:
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO articles (id, guild_id, title, authors, published, section, source, language, body, "
            "headings, word_count, content_hash, origin, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            batch,
        )
        con.executemany(
            "INSERT INTO article_vectors (article_id, version, terms, embedding) VALUES (?,?,?,?)", vectors
        )
        con.execute("COMMIT")
        batch.clear()
        vectors.clear()

    for _ in range(n):
        family = families[rng.randrange(len(families))]
        pool = corpus.docs[family]
        title, first = pool[rng.randrange(len(pool))]
        chosen = list(first[: rng.randint(3, 8)])
        while len(chosen) < rng.randint(8, 14):
            _, other = pool[rng.randrange(len(pool))]
            i = rng.randrange(len(other))
            chosen.extend(other[i : i + rng.randint(1, 3)])
        names = [name_for(int(r)) for r in nprng.zipf(1.3, size=rng.randint(1, 3)) if r < 5_000_000]
        texts = [corpus.sentences[i] for i in chosen]
        for name in names:  # weave the invented names into the text
            j = rng.randrange(len(texts))
            texts[j] = f"{texts[j]} {name} said so."
        if names and rng.random() < 0.5:
            title = f"{names[0]}: {title}"
        body = "\n\n".join(" ".join(texts[i : i + 3]) for i in range(0, len(texts), 3))
        name_b = np.array([bucket(t) for nm in names for t in index_terms(nm)], dtype=np.uint32)
        title_b = np.array([bucket(t) for t in index_terms(title)], dtype=np.uint32)
        all_b = np.concatenate([*(corpus.buckets[i] for i in chosen), name_b, title_b, title_b])
        uniq, counts = np.unique(all_b, return_counts=True)
        df[uniq] += 1
        terms = uniq.astype("<u4").tobytes() + np.minimum(counts, 65535).astype("<u2").tobytes()
        emb = corpus.embeddings[chosen].sum(axis=0)
        guild = None if rng.random() < 0.8 else GUILDS[rng.randrange(len(GUILDS))]
        published = start + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        words = sum(len(t.split()) for t in texts)
        digest = hashlib.blake2b(f"{next_id}".encode(), digest_size=16).hexdigest()
        batch.append(
            (
                next_id,
                guild,
                title,
                json.dumps([f"{name_for(rng.randrange(500))} Reporter"]),
                published.isoformat(timespec="seconds"),
                family,
                SOURCES[rng.randrange(len(SOURCES))],
                "en",
                body,
                "[]",
                words,
                digest,
                "archive",
                published.isoformat(timespec="seconds"),
            )
        )
        vectors.append((next_id, VECTOR_VERSION, terms, pack_embedding(emb)))
        next_id += 1
        if len(batch) >= 5000:
            flush()
    if batch:
        flush()
    con.execute("BEGIN")
    nz = np.nonzero(df)[0]
    con.executemany(
        "INSERT INTO term_df (bucket, df) VALUES (?, ?)", zip(nz.tolist(), df[nz].tolist(), strict=True)
    )
    con.execute("UPDATE search_meta SET value = ? WHERE key = 'vector_documents'", (n,))
    con.execute("COMMIT")
    con.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("ANALYZE")
    con.close()
    return {"build_s": time.perf_counter() - t0}


# --- serving ----------------------------------------------------------------------------------------
def _pct(values: list[float]) -> dict[str, float]:
    arr = np.array(values) * 1000
    return {f"p{p}": round(float(np.percentile(arr, p)), 2) for p in (50, 95, 99)}


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec,
    so a server started by the (large) building process would report the builder's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def serve(path: Path, queries: int, seed: int = 2, slowest: int = 5) -> dict[str, object]:
    rng = random.Random(seed)
    store = SQLiteStore(path)
    await store.open()
    db = store.db
    async with db.execute("SELECT max(id) FROM articles") as cur:
        row = await cur.fetchone()
    max_id = int(row[0]) if row else 0
    sample = [rng.randint(1, max_id) for _ in range(queries)]
    rows = {}
    for start in range(0, len(sample), 500):
        chunk = sample[start : start + 500]
        async with db.execute(
            f"SELECT id, title, guild_id FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk
        ) as cur:
            for r in await cur.fetchall():
                rows[r[0]] = (r[1], r[2])
    texts = []
    for aid in sample:
        words = [w for w in re.findall(r"[A-Za-z]{3,}", rows[aid][0])]
        kind = rng.random()
        if not words:
            texts.append("government")
        elif kind < 0.4:
            texts.append(rng.choice(words))
        elif kind < 0.7:
            texts.append(" ".join(rng.sample(words, min(2, len(words)))))
        elif kind < 0.85 and len(words) > 1:
            i = rng.randrange(len(words) - 1)
            texts.append(f'"{words[i]} {words[i + 1]}"')
        elif kind < 0.95:
            texts.append(rng.choice(words)[:4] + "*")
        else:
            texts.append(" ".join(rng.sample(words, min(3, len(words)))))

    def scope_for(aid: int) -> Scope:
        guild = rows[aid][1]
        if guild is not None:
            return Scope.guild(guild)
        return Scope.guild(rng.choice(GUILDS)) if rng.random() < 0.8 else Scope.all()

    await search(store, "warm up", Scope.all())
    await related_to_article(store, sample[0], scope_for(sample[0]))
    search_t: list[float] = []
    hits = 0
    slow: list[tuple[float, str, bool]] = []
    for aid, text in zip(sample, texts, strict=True):
        filters = None
        if rng.random() < 0.2:
            filters = (
                build_filters(source=rng.choice(SOURCES)) if rng.random() < 0.5 else build_filters(since="1y")
            )
        t0 = time.perf_counter()
        found = await search(store, text, scope_for(aid), filters, limit=10)
        search_t.append(time.perf_counter() - t0)
        slow.append((search_t[-1], text, filters is not None))
        hits += bool(found)
    slow.sort(reverse=True)
    rss_after_search = peak_rss_mb()
    related_t, filled = [], 0
    for aid in sample:
        t0 = time.perf_counter()
        result = await related_to_article(store, aid, scope_for(aid), limit=5)
        related_t.append(time.perf_counter() - t0)
        filled += len(result.items) == 5
    await store.close()
    return {
        "search_ms": _pct(search_t),
        "search_with_hits": hits / len(sample),
        "slowest_searches": [(round(t * 1000), q, f) for t, q, f in slow[:slowest]],
        "peak_rss_mb_after_search": round(rss_after_search, 1),
        "related_ms": _pct(related_t),
        "related_full_lists": filled / len(sample),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--slowest", type=int, default=5, help="how many of the slowest searches to list")
    parser.add_argument("--keep", type=Path, help="build the stores in this folder and keep them")
    parser.add_argument("--serve", type=Path, help="only time queries on an existing store")
    parser.add_argument("--only", choices=["search", "related"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    print("$ " + " ".join([Path(sys.executable).name, *sys.argv]), flush=True)
    if args.serve:
        print(json.dumps(asyncio.run(serve(args.serve, args.queries, slowest=args.slowest))))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="newsbot-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    corpus = load_corpus()
    print(
        f"corpus: {len(corpus.sentences)} sentences, prepared in {time.perf_counter() - t0:.1f}s", flush=True
    )
    for n in args.sizes:
        path = folder / f"scale_{n}.db"
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        stats = build(path, n, corpus)
        size_mb = path.stat().st_size / 2**20
        out = subprocess.run(
            [sys.executable, __file__, "--serve", str(path), "--queries", str(args.queries)],
            check=True,
            capture_output=True,
            text=True,
        )
        served = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            json.dumps(
                {"articles": n, "build_s": round(stats["build_s"], 1), "db_mb": round(size_mb, 1), **served}
            ),
            flush=True,
        )
        if not args.keep:
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                p.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
