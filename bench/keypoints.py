"""Key points quality on Timeline17's development half: redundancy and concat ROUGE against the reference.

For every reference timeline the articles in its span are briefed; the 10 key points are compared with
  - Lead: the first usable sentence of each of the 10 newest articles;
  - Centroid: the 10 sentences closest to the span's TF-IDF centroid (no redundancy control).
Concat ROUGE-1/2 F (ROUGE-1.5.5 as tilse runs it, via ../shared/tools/tls_score.py) is against the whole
reference timeline, dates ignored. Redundancy is the share of sentence pairs within one briefing whose
cosine is >= 0.5, measured with an independent TF-IDF (lower-cased [a-z0-9]+ words minus ROUGE's SMART stop
words, idf over the span's sentences), not the vectors the key points were chosen with.

    .venv/bin/python bench/keypoints.py [--data ../shared/data/timelines] [--count 10]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from timelines import docs_in_memory, load_scorer  # noqa: E402

from bot.briefing.corpus import _usable, add_into, build_corpus, dot, normalized  # noqa: E402
from bot.briefing.keypoints import key_points  # noqa: E402

_TOKEN = re.compile(r"[a-z0-9]+")


def redundancy(sentences: list[str], stop: set[str], idf: dict[str, float]) -> tuple[int, int]:
    vecs = []
    for s in sentences:
        c = Counter(t for t in _TOKEN.findall(s.lower()) if t not in stop)
        v = {t: n * idf.get(t, 0.0) for t, n in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vecs.append({t: x / norm for t, x in v.items()})
    pairs = list(combinations(vecs, 2))
    return sum(1 for a, b in pairs if sum(x * b.get(t, 0.0) for t, x in a.items()) >= 0.5), len(pairs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "timelines")
    ap.add_argument("--count", type=int, default=10)
    args = ap.parse_args()
    scorer = load_scorer()
    gold = args.data / "timeline17-dev.jsonl"
    stop = {w.strip() for w in (args.data / "rouge" / "smart_common_words.txt").read_text().split()}
    preds: dict[str, dict[str, Any]] = {"key points": {}, "Lead": {}, "Centroid": {}}
    redundant = {k: [0, 0] for k in preds}
    t0 = time.perf_counter()
    for line in gold.open():
        topic = json.loads(line)
        docs = docs_in_memory(topic["articles"])
        for tl in topic["timelines"]:
            key = f"{topic['topic']}/{tl['name']}"
            start, end = date.fromisoformat(tl["start"]), date.fromisoformat(tl["end"])
            span = [d for d in docs if d.published and start <= d.published <= end]
            corpus = build_corpus(span, with_dates=False)
            ours = [(p.published, p.text) for p in key_points(corpus, args.count)]
            lead = []
            for d in sorted(span, key=lambda d: (d.published, d.id), reverse=True):
                first = next((s for s in d.sentences if _usable(s)), None)
                if first and first not in [t for _, t in lead]:
                    lead.append((d.published, first))
                if len(lead) >= args.count:
                    break
            centroid: dict[str, float] = {}
            for s in corpus.sents:
                add_into(centroid, s.vec)
            center = normalized(centroid)
            top, seen = [], set()
            for s in sorted(corpus.sents, key=lambda s: -dot(s.vec, center)):
                if s.text not in seen:
                    seen.add(s.text)
                    top.append((span[s.doc].published, s.text))
                if len(top) >= args.count:
                    break
            df: Counter[str] = Counter()
            for s in corpus.sents:
                df.update({t for t in _TOKEN.findall(s.text.lower()) if t not in stop})
            idf = {t: math.log(len(corpus.sents) / c) for t, c in df.items()}
            for name, chosen in (("key points", ours), ("Lead", lead), ("Centroid", top)):
                by_day: dict[str, list[str]] = {}
                for day, text in chosen:
                    by_day.setdefault(day.isoformat(), []).append(text)
                preds[name][key] = [{"date": d, "sentences": s} for d, s in sorted(by_day.items())]
                hit, total = redundancy([t for _, t in chosen], stop, idf)
                redundant[name][0] += hit
                redundant[name][1] += total
    tmp = Path(tempfile.mkdtemp())
    print(f"{'system':12} {'concat R-1':>10} {'concat R-2':>10} {'pairs cos>=0.5':>15}")
    for name, p in preds.items():
        out = tmp / "p.json"
        out.write_text(json.dumps(p))
        m = scorer.evaluate_files(str(out), [str(gold)])["mean"]["concat"]
        hit, total = redundant[name]
        print(
            f"{name:12} {m['rouge_1']['f_score']:10.4f} {m['rouge_2']['f_score']:10.4f} "
            f"{hit:5d}/{total:<5d} {100 * hit / max(1, total):5.1f} %"
        )
    print(f"{len(preds['Lead'])} timelines, {args.count} sentences each, {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
