"""Article-extraction benchmark on ../shared/data/extraction: HTML bodies and page-text bodies.

Prints body F1 / precision / recall (bench/_metric.py), pages per second on one core (wall clock and
per CPU second of the process, the figure to trust on a busy machine), and the peak resident memory
of the process that ran each method (each method runs in its own forked process). With --repeat N
each method runs N times in its process and the speed columns show the best run.

    python bench/extraction.py [--data DIR] [--limit N] [--repeat N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._metric import corpus_f1  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction"

Page = tuple[str, str | None, bytes, str, str]  # id, url, html bytes, page text, true body


def load(data: Path, limit: int | None) -> list[Page]:
    truth = json.loads((data / "ground-truth.json").read_text())
    texts_path = data / "page-text.json"
    texts = json.loads(texts_path.read_text()) if texts_path.exists() else {}
    pages: list[Page] = []
    for pid in sorted(truth)[:limit]:
        html = gzip.decompress((data / "html" / f"{pid}.html.gz").read_bytes())
        pages.append((pid, truth[pid].get("url"), html, texts.get(pid, ""), truth[pid]["articleBody"]))
    return pages


# --- methods: each maps a page to the predicted body text ---


def ours_html(page: Page) -> str:
    from bot.errors import ExtractionError
    from bot.ingest.html_extract import extract_html

    try:
        return extract_html(page[2], url=page[1]).body
    except ExtractionError:
        return ""


def trafilatura_html(page: Page) -> str:
    import trafilatura

    return trafilatura.extract(page[2], url=page[1], favor_precision=True, include_comments=False) or ""


def whole_text(page: Page) -> str:
    return page[3]


def ours_text(page: Page) -> str:
    from bot.errors import ExtractionError
    from bot.ingest.plaintext import clean_page_text

    try:
        found = clean_page_text(page[3], url=page[1])
    except ExtractionError:
        return ""
    return found[0].body if found else ""


def _warm(method: Callable[[Page], str], pages: list[Page]) -> None:
    """One untimed call so imports and lazy tables are not charged to the first page."""
    if pages:
        method(pages[0])


def _run(method: Callable[[Page], str], pages: list[Page], repeat: int = 1) -> dict[str, float]:
    _warm(method, pages)
    cpu = wall = float("inf")
    for _ in range(max(1, repeat)):
        start, start_wall = time.process_time(), time.perf_counter()
        preds = [method(p) for p in pages]
        cpu = min(cpu, time.process_time() - start)
        wall = min(wall, time.perf_counter() - start_wall)
    f1, precision, recall = corpus_f1([(p[4], pred) for p, pred in zip(pages, preds, strict=True)])
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "pages_s": len(pages) / wall if wall else 0.0,
        "cpu_pages_s": len(pages) / cpu if cpu else 0.0,
        "rss_mb": rss_mb,
    }


def measure(method: Callable[[Page], str], pages: list[Page], repeat: int = 1) -> dict[str, float]:
    """Run in a forked child so each method's peak memory and warm-up are its own."""
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as pool:
        return pool.apply(_run, (method, pages, repeat))


def row(name: str, r: dict[str, float]) -> str:
    speed = f"{r['pages_s']:.1f}" if r["pages_s"] < 1e5 else "instant"
    r = {**r, "cpu_pages_s": min(r["cpu_pages_s"], 99999.0)}
    return (
        f"| {name:<38} | {r['f1']:.4f} | {r['precision']:.4f} | {r['recall']:.4f} "
        f"| {speed:>7} | {r['cpu_pages_s']:9.1f} | {r['rss_mb']:7.0f} |"
    )


HEADER = (
    "| method                                 | F1     | prec.  | recall | pages/s | CPU pg/s  | peak MB |\n"
    "|----------------------------------------|--------|--------|--------|---------|-----------|---------|"
)


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = [f"Python {platform.python_version()}"]
    for name in ("trafilatura", "readability-lxml", "lxml"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    return ", ".join(found)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages (sorted ids)")
    ap.add_argument("--repeat", type=int, default=1, help="run each method N times, report the fastest run")
    args = ap.parse_args()

    print("$ python " + " ".join(["bench/extraction.py", *sys.argv[1:]]))
    pages = load(args.data, args.limit)
    print(
        f"{len(pages)} pages from {args.data}; one core, sequential; {_versions()}; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    print(
        "pages/s = wall clock, CPU pg/s = per CPU second of the process (less sensitive to a busy machine)"
        f"{f', best of {args.repeat} runs' if args.repeat > 1 else ''}; "
        "peak MB = max RSS of the forked process that ran the method\n"
    )

    print("HTML -> article body")
    print(HEADER)
    print(row("newsbot extract_html", measure(ours_html, pages, args.repeat)))
    print(row("trafilatura alone (favor_precision)", measure(trafilatura_html, pages, args.repeat)))

    print("\nPage text -> article body (result[0].body)")
    if not any(p[3] for p in pages):
        print("(no page-text.json in the data directory)")
        return
    print(HEADER)
    print(row("whole text (baseline)", measure(whole_text, pages, args.repeat)))
    try:
        from bot.ingest.plaintext import clean_page_text  # noqa: F401
    except ImportError as exc:
        print(f"(bot.ingest.plaintext.clean_page_text not importable yet: {exc})")
        return
    print(row("newsbot clean_page_text", measure(ours_text, pages, args.repeat)))


if __name__ == "__main__":
    main()
