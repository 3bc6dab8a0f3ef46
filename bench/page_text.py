"""Plain-text page cleaning on ../shared/data/extraction/page-text.json: body F1 beside the whole-text baseline.

Usage: .venv/bin/python bench/page_text.py [--worst N] [--folds K]

`--folds K` cuts the pages, sorted by id, into K contiguous folds and prints F1 per fold and the spread, so a
threshold change can be tuned on one fold (e.g. the first half with K=2) and checked on the others.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._metric import corpus_f1, page_scores  # noqa: E402
from bot.errors import ExtractionError  # noqa: E402
from bot.ingest.plaintext import clean_page_text  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--no-url", action="store_true", help="do not pass the page URL")
    parser.add_argument("--worst", type=int, default=0, help="also list the N pages with the lowest F1")
    parser.add_argument("--folds", type=int, default=0, help="also report F1 on K folds of the sorted ids")
    args = parser.parse_args()
    pages: dict[str, str] = json.loads((args.data / "page-text.json").read_text(encoding="utf-8"))
    truth: dict[str, dict[str, str]] = json.loads(
        (args.data / "ground-truth.json").read_text(encoding="utf-8")
    )
    ids = sorted(pages)
    started, cpu_started = time.perf_counter(), time.process_time()
    preds: dict[str, str] = {}
    for page_id in ids:
        try:
            preds[page_id] = clean_page_text(
                pages[page_id], url=truth[page_id].get("url") if not args.no_url else None
            )[0].body
        except ExtractionError:
            preds[page_id] = ""
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    ours = [(truth[i]["articleBody"], preds[i]) for i in ids]
    whole = [(truth[i]["articleBody"], pages[i]) for i in ids]
    print(f"pages: {len(ids)}")
    for name, pairs in (("clean_page_text", ours), ("whole text", whole)):
        f1, p, r = corpus_f1(pairs)
        print(f"{name:16s} F1 {f1:.3f}  precision {p:.3f}  recall {r:.3f}")
    print(
        f"clean_page_text speed: {len(ids) / elapsed:.1f} pages/s wall, {len(ids) / cpu:.1f} pages/s of CPU time"
    )
    if args.folds > 1:
        _print_folds(ids, ours, args.folds)
    if args.worst:
        scored = []
        for i, (t, pred) in zip(ids, ours, strict=True):
            p, r = page_scores(t, pred)
            scored.append((2 * p * r / (p + r) if p + r else 0.0, p, r, i))
        for f1, p, r, i in sorted(scored)[: args.worst]:
            print(f"  {i[:12]} F1 {f1:.3f} P {p:.3f} R {r:.3f}")


def _print_folds(ids: list[str], pairs: list[tuple[str, str]], k: int) -> None:
    """F1 per contiguous fold of the sorted ids, then the spread (max - min) and standard deviation."""
    n = len(ids)
    scores: list[float] = []
    for fold in range(k):
        lo, hi = fold * n // k, (fold + 1) * n // k
        f1, p, r = corpus_f1(pairs[lo:hi])
        scores.append(f1)
        print(
            f"  fold {fold + 1}/{k} ({hi - lo} pages, {ids[lo][:6]}..{ids[hi - 1][:6]}) "
            f"F1 {f1:.3f}  precision {p:.3f}  recall {r:.3f}"
        )
    mean = sum(scores) / k
    std = (sum((s - mean) ** 2 for s in scores) / k) ** 0.5
    print(
        f"  folds: mean F1 {mean:.3f}  min {min(scores):.3f}  max {max(scores):.3f}  "
        f"spread {max(scores) - min(scores):.3f}  std {std:.3f}"
    )


if __name__ == "__main__":
    main()
