"""`newsbot migrate` of a large SQLite store into PostgreSQL: time, zero differences, and the same after an
interruption (the copy killed halfway with SIGKILL, then resumed).

Usage: .venv/bin/python bench/migrate.py [--articles 100000] [--keep DIR] [--pg postgresql://postgres@127.0.0.1/postgres]

The SQLite store is bench/scale.py's synthetic archive (articles, vectors, term statistics), plus what real
ingest adds that scale.py leaves out: a MinHash signature and 20 dedupe bands per article, a stored
analysis, and feeds, topics and settings. "Differences" compares every article's `newsbot export` line on
both sides (after the migration's own per-table count and checksum verification).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scale import build, load_corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def enrich(path: Path, seed: int = 3) -> None:
    """Dedupe fingerprints, analysis, feeds, topics and settings, as a real store has them."""
    rng = random.Random(seed)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    ids = [r[0] for r in con.execute("SELECT id FROM articles")]
    analysis = json.dumps(
        {"summary": ["First sentence.", "Second one."], "quotes": [], "keywords": ["harbour"], "entities": {}}
    )
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        con.executemany(
            "UPDATE articles SET minhash = ?, shingle_count = ?, analysis = ? WHERE id = ?",
            [(rng.randbytes(512), rng.randint(50, 900), analysis, i) for i in chunk],
        )
        con.executemany(
            "INSERT OR IGNORE INTO dedupe_bands (band_key, article_id) VALUES (?, ?)",
            [(rng.getrandbits(62), i) for i in chunk for _ in range(20)],
        )
    now = "2024-05-01T10:00:00+00:00"
    for f in range(1, 51):
        con.execute(
            "INSERT INTO feeds (id, url, next_poll_at, created_at, primed) VALUES (?, ?, ?, ?, 1)",
            (f, f"https://feeds.example/{f}.xml", now, now),
        )
        con.execute(
            "INSERT INTO feed_subscriptions (feed_id, guild_id, channel_id, created_at) VALUES (?, ?, ?, ?)",
            (f, f, 1000 + f, now),
        )
        con.executemany(
            "INSERT INTO feed_items (feed_id, key, article_id, seen_at) VALUES (?, ?, ?, ?)",
            [(f, f"guid:{f}:{k}", rng.choice(ids), now) for k in range(200)],
        )
    for t in range(500):
        con.execute(
            "INSERT INTO topics (guild_id, channel_id, query, every, hour, minute, timezone, created_at, "
            "next_run_at) VALUES (?, ?, 'harbour', 'daily', 8, 0, 'UTC', ?, ?)",
            (t % 50, 2000 + t, now, now),
        )
    for g in range(1, 51):
        con.execute(
            "INSERT INTO guild_settings (guild_id, summary_length, accent_colour, show_images, updated_at) "
            "VALUES (?, 'long', 3355443, 1, ?)",
            (g, now),
        )
    con.execute("COMMIT")
    con.close()


def newsbot(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}


async def admin(url: str, sql: str) -> None:
    con = await asyncpg.connect(url)
    try:
        await con.execute(sql)
    finally:
        await con.close()


async def pg_articles(url: str) -> int:
    try:
        con = await asyncpg.connect(url)
    except Exception:
        return 0
    try:
        return int(await con.fetchval("SELECT count(*) FROM articles"))
    except Exception:
        return 0
    finally:
        await con.close()


def export_differences(a: str, b: str) -> tuple[int, int]:
    """(lines compared, lines that differ) between `newsbot --db A export` and `--db B export`."""
    left = subprocess.Popen(newsbot("--db", a, "export"), stdout=subprocess.PIPE, env=env(), cwd=REPO)
    right = subprocess.Popen(newsbot("--db", b, "export"), stdout=subprocess.PIPE, env=env(), cwd=REPO)
    assert left.stdout is not None and right.stdout is not None
    lines = differ = 0
    while True:
        x, y = left.stdout.readline(), right.stdout.readline()
        if not x and not y:
            break
        lines += 1
        differ += x != y
    left.wait()
    right.wait()
    return lines, differ


def migrate(source: Path, target: str, *extra: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(
        newsbot("migrate", "--from", str(source), "--to", target, "--no-progress", *extra),
        capture_output=True,
        text=True,
        env=env(),
        cwd=REPO,
    )
    if done.returncode != 0:
        raise SystemExit(f"migrate failed ({done.returncode}): {done.stderr}")
    return time.perf_counter() - t0, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the SQLite store in this folder")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="newsbot-migrate-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"scale-{args.articles}.db"
    if not source.exists():
        t0 = time.perf_counter()
        build(source, args.articles, load_corpus())
        enrich(source)
        print(f"built {source} ({args.articles} articles) in {time.perf_counter() - t0:.0f} s", flush=True)
    counts = {}
    with sqlite3.connect(source) as con:
        for table in ("articles", "dedupe_bands", "article_vectors", "term_df", "feed_items", "topics"):
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    print(f"source: {source.stat().st_size / 1e6:.0f} MB, rows {counts}", flush=True)

    base = args.pg.rsplit("/", 1)[0]
    names = [f"newsbot_bench_migrate_{os.getpid()}_{k}" for k in ("straight", "resumed")]
    try:
        for name in names:
            asyncio.run(admin(args.pg, f'CREATE DATABASE "{name}"'))
        straight, resumed = (f"{base}/{n}" for n in names)

        seconds, table = migrate(source, straight)
        print(f"\nstraight migration (copy + verify): {seconds:.1f} s", flush=True)
        print(table, end="", flush=True)
        t0 = time.perf_counter()
        lines, differ = export_differences(str(source), straight)
        print(f"export lines compared: {lines}, differing: {differ} ({time.perf_counter() - t0:.0f} s)")

        t0 = time.perf_counter()
        proc = subprocess.Popen(
            newsbot("migrate", "--from", str(source), "--to", resumed, "--no-progress"),
            env=env(),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while proc.poll() is None and asyncio.run(pg_articles(resumed)) < args.articles // 2:
            time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        at_kill = asyncio.run(pg_articles(resumed))
        first = time.perf_counter() - t0
        seconds, table = migrate(source, resumed, "--resume")
        print(
            f"\ninterrupted: killed after {first:.1f} s with {at_kill} of {args.articles} articles copied; "
            f"--resume took {seconds:.1f} s (copy + verify)"
        )
        print(table, end="")
        lines, differ = export_differences(str(source), resumed)
        print(f"export lines compared: {lines}, differing: {differ}")
    finally:
        for name in names:
            asyncio.run(admin(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
