"""Speaker sanity check on PolNeAR's dev split (not a hand-made gold set: see ../shared/data/quotes/SOURCE.md).

Run: .venv/bin/python bench/quote_speakers.py [--split dev|train] [--folds K] [--errors]

For annotated direct quotes of at least 6 words whose annotated speaker is a name (not a pronoun), reports how
many we find (token overlap >= 0.8 with one of our quotes) and, of those, how often our speaker agrees (the
annotated mention's words appear in our speaker, e.g. "Caddell" in "Pat Caddell"). `--folds K` cuts the
articles, sorted by id, into K contiguous folds and prints the agreement per fold (gains that hold on every fold are
not tuned to a few items); `--split train` scores PolNeAR's train split instead (never used to develop the rules,
so a second check that they generalise); `--errors` prints each disagreement with the paragraph around the quote.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.analysis.quotes import extract_quotes  # noqa: E402
from bot.models import Paragraph  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "quotes"
_W = re.compile(r"\w+")
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "his", "her", "him", "them"}


def _overlap(gold: str, pred: str) -> float:
    g, p = _W.findall(gold.lower()), set(_W.findall(pred.lower()))
    return sum(1 for t in g if t in p) / max(1, len(g))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("dev", "train"), default="dev", help="PolNeAR split to score")
    ap.add_argument("--folds", type=int, default=0, help="also report agreement on K folds of the sorted ids")
    ap.add_argument("--errors", action="store_true", help="print each disagreement with its context")
    args = ap.parse_args()
    docs = {}
    for line in (DATA / "polnear_attributions.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        if d["split"] == args.split:
            docs[d["id"]] = d
    gold: dict[str, list[dict[str, str]]] = defaultdict(list)
    for line in (DATA / "polnear_direct_quotes.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q["split"] == args.split:
            gold[q["doc_id"]].append(q)
    found = total = agree = judged = 0
    t0 = time.perf_counter()
    n_docs = 0
    per_doc: dict[str, tuple[int, int]] = {}
    errors: list[str] = []
    for doc_id, qs in sorted(gold.items()):
        d = docs.get(doc_id)
        if d is None:
            continue
        n_docs += 1
        paras = [Paragraph("text", p.strip()) for p in re.split(r"\n\s*\n|\n", d["text"]) if p.strip()]
        ours = extract_quotes(paras)
        for q in qs:
            text = q["quote"].strip("\"“”'‘’ ")
            if len(_W.findall(text)) < 6 or not q["speaker"] or q["speaker"].lower() in _PRONOUNS:
                continue
            total += 1
            best = max(ours, key=lambda o: _overlap(text, o.text), default=None)
            if best is None or _overlap(text, best.text) < 0.8:
                continue
            found += 1
            judged += 1
            spk = (best.speaker or "").lower()
            gw = [w for w in _W.findall(q["speaker"].lower()) if w not in {"the", "a", "an", "of"}]
            ok = bool(spk and gw and (gw[-1] in spk or spk.split()[-1] in gw))
            agree += ok
            a, j = per_doc.get(doc_id, (0, 0))
            per_doc[doc_id] = (a + ok, j + 1)
            if not ok and args.errors:
                at = d["text"].find(q["quote"][:40])
                ctx = d["text"][max(0, at - 300) : at + len(q["quote"]) + 200].replace("\n", " | ")
                errors.append(f"{doc_id}\n  gold {q['speaker']!r}  ours {best.speaker!r}\n  {ctx}\n")
    dt = time.perf_counter() - t0
    print(f"$ {' '.join(sys.argv)}")
    print(f"PolNeAR {args.split}: {n_docs} articles, {total} named-speaker direct quotes (>= 6 words)")
    print(f"  quote recall (overlap >= 0.8): {found / max(1, total):.3f}")
    print(f"  speaker agreement on found quotes: {agree / max(1, judged):.3f} ({agree}/{judged})")
    print(f"  {dt / max(1, n_docs) * 1000:.1f} ms per article")
    if args.folds > 1:
        ids = sorted(per_doc)
        size = -(-len(ids) // args.folds)
        for k in range(args.folds):
            part = ids[k * size : (k + 1) * size]
            a = sum(per_doc[i][0] for i in part)
            j = sum(per_doc[i][1] for i in part)
            print(
                f"  fold {k + 1}/{args.folds}: {len(part)} articles, agreement {a / max(1, j):.3f} ({a}/{j})"
            )
    for e in errors:
        print(e)


if __name__ == "__main__":
    main()
