"""Search and related-piece latency at scale: builds stores of N synthetic articles, then times queries.

Usage: .venv/bin/python bench/scale.py [--sizes 100000 1000000] [--queries 1000] [--keep DIR]
           [--backend sqlite postgres] [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--keep-pg]
       .venv/bin/python bench/scale.py --serve DB_OR_URL [--queries 1000]     (serving phase only)
       .venv/bin/python bench/scale.py --keep DIR --keep-pg --reuse ...    (serve kept stores again)

With --keep DIR each build's measured time is written to DIR/build-BACKEND-N.json; --reuse then skips
the build of a store that is still there and reports that recorded rate beside newly timed queries
(to re-measure serving after a query change without rebuilding a million articles).

With both backends the same synthetic archive is built in each (PostgreSQL: a database
`newsbot_scale_N` made on the --pg server and dropped afterwards unless --keep-pg) and one table at the
end puts them side by side. "bulk ingest /s" is the build's rate (bulk insert with index upkeep, not the
ingest pipeline); "db MB" is the file (SQLite) or pg_database_size; peak RSS is the serving process's
(PostgreSQL's own server memory is not in it).

Articles are synthesised from the development texts (BBC + AG News sentences of one topic family per
article, 8–14 sentences in paragraphs, the first source's headline) plus a Zipf-distributed tail of
invented names, so document frequencies look like a real archive: common words everywhere, many rare
names. They are bulk-inserted through the real schema (SQLite: executemany, FTS5 triggers included;
PostgreSQL: COPY, the generated tsvector computed on insert, the GIN index built after the load), with
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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.search.related import related_to_article  # noqa: E402
from bot.search.search import build_filters, search  # noqa: E402
from bot.search.text import BUCKETS, bucket, index_terms  # noqa: E402
from bot.search.vectors import EMBEDDER, VECTOR_VERSION, pack_embedding  # noqa: E402
from bot.store import Scope, create_store, is_postgres_url  # noqa: E402

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


async def create_schema(location: str) -> None:
    store = create_store(location)
    await store.open()
    await store.close()


def synthesise(
    n: int, corpus: Corpus, df: np.ndarray, seed: int = 1
) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """Batches of (article rows, vector rows); `df` collects document frequencies as it goes. Dates are
    datetimes here; the SQLite writer turns them into its ISO text."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    families = sorted(corpus.docs)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3 * 365)  # three years up to today
    batch: list[tuple] = []
    vectors: list[tuple] = []
    for next_id in range(1, n + 1):
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
                published,
                family,
                SOURCES[rng.randrange(len(SOURCES))],
                "en",
                body,
                "[]",
                words,
                digest,
                "archive",
                published,
            )
        )
        vectors.append((next_id, VECTOR_VERSION, terms, pack_embedding(emb)))
        if len(batch) >= 5000:
            yield batch, vectors
            batch, vectors = [], []
    if batch:
        yield batch, vectors


_ARTICLE_COLUMNS = [
    "id",
    "guild_id",
    "title",
    "authors",
    "published",
    "section",
    "source",
    "language",
    "body",
    "headings",
    "word_count",
    "content_hash",
    "origin",
    "ingested_at",
]


def build(location: str, n: int, corpus: Corpus, seed: int = 1) -> dict[str, float]:
    t0 = time.perf_counter()
    if is_postgres_url(location):
        asyncio.run(build_postgres(location, n, corpus, seed))
    else:
        build_sqlite(Path(location), n, corpus, seed)
    return {"build_s": time.perf_counter() - t0}


def build_sqlite(path: Path, n: int, corpus: Corpus, seed: int) -> None:
    asyncio.run(create_schema(str(path)))
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-262144")
    df = np.zeros(BUCKETS, dtype=np.int64)
    marks = ",".join("?" * len(_ARTICLE_COLUMNS))
    for batch, vectors in synthesise(n, corpus, df, seed):
        rows = [
            (*r[:4], r[4].isoformat(timespec="seconds"), *r[5:13], r[13].isoformat(timespec="seconds"))
            for r in batch
        ]
        con.execute("BEGIN")
        con.executemany(f"INSERT INTO articles ({', '.join(_ARTICLE_COLUMNS)}) VALUES ({marks})", rows)
        con.executemany(
            "INSERT INTO article_vectors (article_id, version, terms, embedding) VALUES (?,?,?,?)", vectors
        )
        con.execute("COMMIT")
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


async def build_postgres(url: str, n: int, corpus: Corpus, seed: int) -> None:
    """COPY into the real schema (the tsvectors are generated on insert); the GIN indexes are dropped
    during the load and rebuilt once after it, as an operator's bulk import would."""
    import asyncpg

    await create_schema(url)
    con = await asyncpg.connect(url)
    try:
        indexes = await con.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'articles' AND indexdef LIKE '%USING gin%'"
        )
        for name, _ in indexes:
            await con.execute(f'DROP INDEX "{name}"')
        await con.execute("SET synchronous_commit = off")
        df = np.zeros(BUCKETS, dtype=np.int64)
        for batch, vectors in synthesise(n, corpus, df, seed):
            async with con.transaction():
                await con.copy_records_to_table("articles", records=batch, columns=_ARTICLE_COLUMNS)
                await con.copy_records_to_table(
                    "article_vectors",
                    records=vectors,
                    columns=["article_id", "version", "terms", "embedding"],
                )
        nz = np.nonzero(df)[0]
        async with con.transaction():
            await con.copy_records_to_table(
                "term_df", records=zip(nz.tolist(), df[nz].tolist(), strict=True), columns=["bucket", "df"]
            )
            await con.execute("UPDATE search_meta SET value = $1 WHERE key = 'vector_documents'", n)
            await con.execute("SELECT setval(pg_get_serial_sequence('articles', 'id'), $1)", n)
        await con.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            await con.execute(definition)
        await con.execute("VACUUM ANALYZE")
    finally:
        await con.close()


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


async def serve(location: str, queries: int, seed: int = 2, slowest: int = 5) -> dict[str, object]:
    rng = random.Random(seed)
    store = create_store(location)
    await store.open()
    max_id = await store.max_article_id()
    sample = [rng.randint(1, max_id) for _ in range(queries)]
    rows = {}
    for start in range(0, len(sample), 500):
        for a in await store.get_articles(sample[start : start + 500], Scope.all()):
            rows[a.id] = (a.title, a.guild_id)
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
    size_mb = (await store.stats(Scope.all())).size_bytes / 2**20
    await store.close()
    return {
        "db_mb": round(size_mb, 1),
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
    parser.add_argument(
        "--backend", nargs="+", choices=["sqlite", "postgres"], default=["sqlite"], help="one or both"
    )
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL server (a database is made per size)")
    parser.add_argument("--keep", type=Path, help="build the SQLite stores in this folder and keep them")
    parser.add_argument("--keep-pg", action="store_true", help="keep the PostgreSQL databases")
    parser.add_argument("--serve", help="only time queries on an existing store (path or URL)")
    parser.add_argument(
        "--reuse", action="store_true", help="serve kept stores again (their build time as recorded)"
    )
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
    results: list[dict[str, object]] = []
    for n in args.sizes:
        for backend in args.backend:
            record = folder / f"build-{backend}-{n}.json"
            reused = args.reuse and record.exists()
            if backend == "postgres":
                reused = reused and pg_has_database(args.pg, f"newsbot_scale_{n}")
                location = pg_database(args.pg, f"newsbot_scale_{n}", fresh=not reused)
            else:
                path = folder / f"scale_{n}.db"
                reused = reused and path.exists()
                if not reused:
                    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                        p.unlink(missing_ok=True)
                location = str(path)
            if reused:
                stats = json.loads(record.read_text())
                print(
                    f"{backend} {n:,}: reusing the kept store (built in {stats['build_s']:.0f} s)", flush=True
                )
            else:
                stats = build(location, n, corpus)
                record.write_text(json.dumps(stats))
            out = subprocess.run(
                [sys.executable, __file__, "--serve", location, "--queries", str(args.queries)],
                check=True,
                capture_output=True,
                text=True,
            )
            served = json.loads(out.stdout.strip().splitlines()[-1])
            row = {
                "backend": backend,
                "articles": n,
                "build_s": round(stats["build_s"], 1),
                "ingest_per_s": round(n / stats["build_s"]),
                **served,
            }
            results.append(row)
            print(json.dumps(row), flush=True)
            if backend == "postgres" and not args.keep_pg:
                pg_database(args.pg, f"newsbot_scale_{n}", drop=True)
            elif backend == "sqlite" and not args.keep:
                for p in (Path(location), Path(f"{location}-wal"), Path(f"{location}-shm")):
                    p.unlink(missing_ok=True)
    print(table(results))


def table(results: list[dict[str, Any]]) -> str:
    """One Markdown table, the backends side by side per size."""
    head = (
        "| backend | articles | bulk ingest /s | db MB | search p50/p95/p99 ms | related p50/p95/p99 ms "
        "| peak RSS MB |"
    )
    lines = [head, "|" + "---|" * 7]
    for r in results:
        s, rel = r["search_ms"], r["related_ms"]
        lines.append(
            f"| {r['backend']} | {r['articles']:,} | {r['ingest_per_s']:,} | {r['db_mb']} "
            f"| {s['p50']} / {s['p95']} / {s['p99']} | {rel['p50']} / {rel['p95']} / {rel['p99']} "
            f"| {r['peak_rss_mb']} |"
        )
    return "\n".join(lines)


PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def pg_database(server: str, name: str, *, fresh: bool = False, drop: bool = False) -> str:
    """The URL of database `name` on `server`; `fresh` recreates it empty, `drop` removes it."""
    import asyncpg

    async def admin() -> None:
        con = await asyncpg.connect(server)
        try:
            if fresh or drop:
                await con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if fresh:
                await con.execute(f'CREATE DATABASE "{name}"')
        finally:
            await con.close()

    asyncio.run(admin())
    return urlunsplit(urlsplit(server)._replace(path="/" + name))


def pg_has_database(server: str, name: str) -> bool:
    import asyncpg

    async def probe() -> bool:
        con = await asyncpg.connect(server)
        try:
            return bool(await con.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
        finally:
            await con.close()

    return asyncio.run(probe())


if __name__ == "__main__":
    main()
