"""Web panel latency: server-side p50/p95 of the archive search page and the article page over a
100,000-article store, with 20 concurrent clients.

Usage: .venv/bin/python bench/panel.py [--db STORE] [--size 100000] [--clients 20] [--requests 1500]

Without --db, a synthetic store is built with bench/scale.py's generator (kept with --keep DIR). The panel
runs in local mode in its own process (the operator's global library: about 80 % of the synthetic
articles); the time measured is from the request reaching the panel's outermost middleware to the
response being ready (rendering included, network excluded). Clients run in this process: half of the
requests are searches (one to three words taken from stored titles, some with a source filter), half are
article pages (card, summary, quotes, keywords), each followed by the related-pieces fragment the page's
script loads (timed on its own). Each client reads a page for `--think`
seconds on average (0.5; uniform 0.5x-1.5x) before asking for the next, as people do; `--think 0` hammers
the panel in a closed loop (then the time measured is mostly waiting behind the other 19 clients in the
one event loop). Rows built by the generator carry no stored analysis, which ingest always stores: the
sampled articles get theirs stored before timing starts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _pct(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {
        "n": len(values),
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "mean": round(statistics.fmean(values), 1),
    }


def serve_main(db: str, port: int) -> None:
    """The panel process: local mode over `db`; prints its timings as JSON when told to stop."""
    from aiohttp import web

    from bot import panel as web_panel
    from bot.config import Settings
    from bot.ingest.fetch import Fetcher, FetchPolicy
    from bot.ingest.pipeline import Ingestor, default_analyzer
    from bot.panel.app import build_app
    from bot.services import NewsService
    from bot.store import create_store

    timings: dict[str, list[float]] = {"search": [], "article": [], "related": []}

    @web.middleware
    async def timer(request: web.Request, handler: object) -> web.StreamResponse:
        start = time.perf_counter()
        response = await handler(request)  # type: ignore[operator]
        elapsed = (time.perf_counter() - start) * 1000
        kind = (
            "related"
            if request.path.endswith("/related")
            else "article"
            if "/a/" in request.path
            else "search"
            if request.query.get("q")
            else None
        )
        if kind and response.status == 200 and "X-Warmup" not in request.headers:
            timings[kind].append(elapsed)
        return response

    async def run() -> None:
        settings = Settings(db_path=db)
        store = create_store(db)
        await store.open()
        fetcher = Fetcher(FetchPolicy())
        news = NewsService(store, Ingestor(store, fetcher=fetcher, analyzer=default_analyzer()))
        panel = web_panel.local_panel(settings, store, news, fetcher, origin=f"http://127.0.0.1:{port}")
        app = build_app(panel)
        app.middlewares.insert(0, timer)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print(f"http://127.0.0.1:{port}/auth/local?token={panel.local_token}", flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        print(json.dumps(timings), flush=True)
        await runner.cleanup()
        await fetcher.close()
        await store.close()

    asyncio.run(run())


def sample_requests(db: str, n: int, seed: int = 7) -> list[str]:
    con = sqlite3.connect(db)
    max_id = con.execute("SELECT max(id) FROM articles").fetchone()[0]
    rng = random.Random(seed)
    ids = [rng.randint(1, max_id) for _ in range(n * 3)]
    rows = con.execute(
        f"SELECT id, title, source FROM articles WHERE guild_id IS NULL AND id IN ({','.join('?' * len(ids))})",
        ids,
    ).fetchall()
    con.close()
    out: list[str] = []
    for i in range(n):
        aid, title, source = rows[i % len(rows)]
        if i % 2:
            out.append(f"/s/0/a/{aid}")
            continue
        words = [w.strip(".,:;'\"?!()") for w in title.split() if len(w) > 3]
        query = " ".join(rng.sample(words, min(len(words), rng.randint(1, 3)))) or "news"
        params = {"q": query}
        if rng.random() < 0.2 and source:
            params["source"] = source
        if rng.random() < 0.2:
            params["page"] = "2"
        out.append("/s/0/?" + urlencode(params))
    return out


async def login(link: str) -> aiohttp.CookieJar:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(link) as resp:
            assert resp.status == 200, resp.status
    return jar


async def drive(
    base: str,
    jar: aiohttp.CookieJar,
    paths: list[str],
    clients: int,
    *,
    think: float = 0.0,
    warmup: bool = False,
) -> tuple[float, int]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths:
        queue.put_nowait(p)
    failures = 0
    rng = random.Random(5)

    async def client() -> None:
        nonlocal failures
        headers = {"X-Warmup": "1"} if warmup else {}
        async with aiohttp.ClientSession(cookie_jar=jar, headers=headers) as session:
            while not queue.empty():
                path = queue.get_nowait()
                async with session.get(base + path) as resp:
                    await resp.read()
                    failures += resp.status != 200
                if "/a/" in path:  # the page's script then asks for the related pieces
                    async with session.get(base + path + "/related", headers={"X-Fragment": "1"}) as resp:
                        await resp.read()
                        failures += resp.status != 200
                if think:
                    await asyncio.sleep(rng.uniform(0.5, 1.5) * think)

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - start, failures


async def store_analysis(db: str, ids: list[int]) -> int:
    """The generator stores no analysis (summary, quotes, names); ingest always does."""
    from bot.analysis import analyze
    from bot.store import Scope, create_store

    store = create_store(db)
    done = 0
    async with store:
        for article in await store.get_articles(sorted(set(ids)), Scope.all()):
            if article.analysis is None:
                await store.set_analysis(article.id, analyze(article.paragraphs, title=article.title))
                done += 1
    return done


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, help="an existing store (e.g. one bench/scale.py --keep built)")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument(
        "--think",
        type=float,
        default=0.5,
        help="mean seconds a client reads a page before the next (0: none)",
    )
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_main(args.serve[0], int(args.serve[1]))
        return
    tmp = None
    db = args.db
    if db is None:
        from bench.scale import build, load_corpus

        folder = args.keep or Path(tmp := tempfile.mkdtemp(prefix="panel-bench-"))
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / f"scale-{args.size}.db"
        if not db.exists():
            t0 = time.perf_counter()
            build(db, args.size, load_corpus())
            print(f"built {args.size:,} articles in {time.perf_counter() - t0:.0f} s: {db}")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(db), str(port)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    assert server.stdout is not None
    link = server.stdout.readline().strip()
    base = f"http://127.0.0.1:{port}"
    paths = sample_requests(str(db), args.requests)
    warm = sample_requests(str(db), 40, seed=99)
    analysed = asyncio.run(
        store_analysis(str(db), [int(p.rsplit("/", 1)[1]) for p in paths + warm if "/a/" in p])
    )
    print(f"stored the analysis of {analysed} sampled articles first, as ingest does")

    async def run() -> tuple[float, int]:
        jar = await login(link)
        await drive(base, jar, warm, 4, warmup=True)  # first queries load term statistics and embeddings
        return await drive(base, jar, paths, args.clients, think=args.think)

    wall, failures = asyncio.run(run())
    server.send_signal(signal.SIGTERM)
    timings = json.loads(server.stdout.readline())
    server.wait(30)
    search, article, related = timings["search"], timings["article"], timings["related"]
    print(
        f"panel over {db.name}: {args.requests} requests from {args.clients} concurrent clients "
        f"(reading {args.think:g} s on average between pages) in "
        f"{wall:.1f} s ({args.requests / wall:.0f}/s), {failures} failed"
    )
    print(f"search page (server-side ms): {_pct(search)}")
    print(f"article page (server-side ms): {_pct(article)}")
    print(f"related pieces fragment, fetched by the article page's script (server-side ms): {_pct(related)}")
    if tmp and not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
