"""Briefing latency and memory at scale: a briefing over about 500 matching articles in a 100,000-article store.

Builds the synthetic store of bench/scale.py (or reuses one with --db), picks queries (invented names woven
into the texts) that match 400–700 articles, gives those articles a stored analysis with quotes (so the
voices read stored quotes, as after a real ingest), then times `build_briefing` for each query — the same
call `newsbot brief QUERY` and `/brief` make: search, batched article reads, sentence splitting, timeline,
key points, voices, coverage — plus the coverage chart, in a fresh process whose peak memory is reported.

    .venv/bin/python bench/brief_scale.py [--size 100000] [--db PATH] [--queries 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import build, load_corpus, name_for, peak_rss_mb  # noqa: E402

from bot.briefing import build_briefing, render_png  # noqa: E402
from bot.models import Analysis, Entities, Quote  # noqa: E402
from bot.store import Scope, create_store  # noqa: E402
from bot.store.codec import analysis_to_db  # noqa: E402


def pick_queries(db: Path, wanted: int, low: int = 400, high: int = 700) -> list[tuple[str, int]]:
    con = sqlite3.connect(db)
    found: list[tuple[str, int]] = []
    for rank in range(5, 400):
        name = name_for(rank)
        count = con.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (f'"{name}"',)
        ).fetchone()[0]
        if low <= count <= high:
            found.append((name, count))
        if len(found) >= wanted:
            break
    con.close()
    return found


def add_analysis(db: Path, queries: list[tuple[str, int]], seed: int = 3) -> None:
    """Stored quotes for the matching articles: three each, by a few recurring people under several forms."""
    rng = random.Random(seed)
    con = sqlite3.connect(db)
    people = [("Anna Koval", "Koval"), ("Peter Marsh", "Marsh"), ("Lena Ortiz", "Ortiz")]
    rows = []
    for name, _ in queries:
        ids = [
            r[0]
            for r in con.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (f'"{name}"',))
        ]
        for aid in ids:
            quotes = []
            for q in range(3):
                full, short = people[rng.randrange(len(people))]
                quotes.append(
                    Quote(
                        f"We expect the talks on {name} to continue next week, item {aid}-{q}.",
                        full if rng.random() < 0.5 else short,
                        "full",
                        q,
                        float(q),
                    )
                )
            analysis = Analysis(
                summary=[], quotes=quotes, keywords=[], entities=Entities(people=[p for p, _ in people])
            )
            rows.append((analysis_to_db(analysis), aid))
    con.execute("BEGIN")
    con.executemany("UPDATE articles SET analysis = ? WHERE id = ?", rows)
    con.execute("COMMIT")
    con.close()


async def serve(db: Path, queries: list[str]) -> dict[str, object]:
    store = create_store(db)
    await store.open()
    times: list[float] = []
    cpu: list[float] = []
    chart_times: list[float] = []
    sizes: list[int] = []
    try:
        await build_briefing(store, queries[0], Scope.all())  # warm-up: imports, page cache
        for q in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            b = await build_briefing(store, q, Scope.all())
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            sizes.append(b.articles)
            assert b.timeline and b.key_points and b.voices, q
            t1 = time.perf_counter()
            if b.coverage:
                render_png(b.coverage, q)
            chart_times.append(time.perf_counter() - t1)
    finally:
        await store.close()
    arr = np.array(times) * 1000
    return {
        "briefings": len(times),
        "articles_per_briefing": f"{min(sizes)}–{max(sizes)} (mean {sum(sizes) / len(sizes):.0f})",
        "briefing_ms": {f"p{p}": round(float(np.percentile(arr, p)), 1) for p in (50, 95, 99)},
        "briefing_cpu_ms": {
            f"p{p}": round(float(np.percentile(np.array(cpu) * 1000, p)), 1) for p in (50, 95, 99)
        },
        "chart_ms_p95": round(float(np.percentile(np.array(chart_times) * 1000, 95)), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--db", type=Path, help="reuse (or build and keep) the store here")
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        assert args.db is not None
        print(json.dumps(asyncio.run(serve(args.db, args.serve))))
        return
    print("$ " + " ".join([Path(sys.executable).name, *sys.argv]), flush=True)
    db = args.db or Path(tempfile.mkdtemp(prefix="newsbot-brief-scale-")) / f"scale_{args.size}.db"
    if not db.exists():
        t0 = time.perf_counter()
        build(db, args.size, load_corpus())
        print(f"built {args.size} articles in {time.perf_counter() - t0:.0f} s", flush=True)
    count = sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0]
    queries = pick_queries(db, args.queries)
    add_analysis(db, queries)
    print(f"store: {count} articles; {len(queries)} queries matching {[c for _, c in queries]} articles")
    out = subprocess.run(
        [sys.executable, __file__, "--db", str(db), "--serve", *[q for q, _ in queries]],
        check=True,
        capture_output=True,
        text=True,
    )
    print(json.dumps({"articles": count, **json.loads(out.stdout.strip().splitlines()[-1])}))
    with open("/proc/loadavg") as f:
        print(
            f"load average at the end (1/5/15 min): {' '.join(f.read().split()[:3])} on {os.cpu_count()} cores"
        )


if __name__ == "__main__":
    main()
