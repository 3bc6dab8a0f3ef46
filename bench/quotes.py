"""Quote benchmark on the hand-made gold set (bench/data/quotes_gold.jsonl, guideline: bench/QUOTES-GUIDELINE.md).

Run: .venv/bin/python bench/quotes.py [--gold PATH] [--errors]

A prediction matches a gold quote when its \\w+ tokens overlap the gold's by at least 0.8 in both directions
(multiset, lowercased), one-to-one, best overlap first. Predictions that match an `optional` item (or lie inside
one) are ignored; those matching a `not_quotes` item are false positives, also counted on their own. Speaker
accuracy is measured on matched quotes, comparing names without honorifics, party/state tags and "the".
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.analysis.quotes import extract_quotes  # noqa: E402
from bot.models import Paragraph, Quote  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
DEFAULT_GOLD = ROOT / "bench" / "data" / "quotes_gold.jsonl"
MATCH = 0.8
_W = re.compile(r"\w+")
_HONORIFIC = re.compile(
    r"^(?:the\s+)?(?:(?:mr|mrs|ms|dr|rev|sen|rep|gov|gen|prof|president|senator|secretary|judge|sir|dame)\.?\s+)+",
    re.IGNORECASE,
)


def _tokens(text: str) -> Counter[str]:
    return Counter(_W.findall(text.lower()))


def overlap(a: str, b: str) -> float:
    """Smaller of the two coverages: both texts must share at least this share of their tokens."""
    ta, tb = _tokens(a), _tokens(b)
    common = sum((ta & tb).values())
    return min(common / max(1, sum(ta.values())), common / max(1, sum(tb.values())))


def _inside(pred: str, container: str) -> bool:
    tp, tc = _tokens(pred), _tokens(container)
    return bool(tp) and sum((tp & tc).values()) >= MATCH * sum(tp.values())


def norm_name(name: str) -> str:
    s = re.sub(r"\s*\([^)]*\)", "", name)  # party/state tags: "(D-S.C.)"
    s = _HONORIFIC.sub("", s.strip())
    s = re.sub(r"[’']s$", "", s)
    return " ".join(_W.findall(s.lower()))


def speaker_ok(gold: str | list[str] | None, pred: str | None) -> bool:
    if gold is None:  # unnamed speaker: no name, or a lowercase description, is right
        return pred is None or not pred[:1].isupper()
    if pred is None:
        return False
    options = [gold] if isinstance(gold, str) else gold
    return norm_name(pred) in {norm_name(g) for g in options}


def load_paragraphs(rec: dict[str, object], cache: dict[str, object]) -> list[Paragraph]:
    if rec["source"] == "extraction":
        if "extraction" not in cache:
            cache["extraction"] = json.loads(
                (DATA / "extraction" / "ground-truth.json").read_text(encoding="utf-8")
            )
        body = cache["extraction"][rec["id"]]["articleBody"]  # type: ignore[index]
        lines = body.split("\n")
    else:
        if "polnear" not in cache:
            docs: dict[str, str] = {}
            for line in (
                (DATA / "quotes" / "polnear_attributions.jsonl").read_text(encoding="utf-8").splitlines()
            ):
                d = json.loads(line)
                docs.setdefault(d["id"], d["text"])
            cache["polnear"] = docs
        lines = re.split(r"\n\s*\n|\n", cache["polnear"][rec["id"]])  # type: ignore[index]
    return [Paragraph("text", p.strip()) for p in lines if p.strip()]


@dataclass
class Tally:
    gold: int = 0
    pred: int = 0
    tp: int = 0
    speaker_right: int = 0
    kind_right: int = 0
    not_quote_fp: int = 0
    not_quote_items: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for k in ("gold", "pred", "tp", "speaker_right", "kind_right", "not_quote_fp", "not_quote_items"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.errors += other.errors

    def line(self, label: str) -> str:
        p = self.tp / max(1, self.pred)
        r = self.tp / max(1, self.gold)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return (
            f"{label:<11} gold {self.gold:>3}  pred {self.pred:>3}  P {p:.3f}  R {r:.3f}  F1 {f1:.3f}  "
            f"speaker {self.speaker_right / max(1, self.tp):.3f} ({self.speaker_right}/{self.tp})  "
            f"kind {self.kind_right / max(1, self.tp):.3f}  not-quote FP {self.not_quote_fp}/{self.not_quote_items}"
        )


def score_article(rec: dict[str, object], ours: list[Quote]) -> Tally:
    t = Tally()
    gold: list[dict[str, object]] = rec["quotes"]  # type: ignore[assignment]
    optional: list[str] = rec.get("optional", [])  # type: ignore[assignment]
    not_quotes: list[str] = rec.get("not_quotes", [])  # type: ignore[assignment]
    t.gold, t.not_quote_items = len(gold), len(not_quotes)
    pairs = sorted(
        ((overlap(str(g["text"]), q.text), gi, qi) for gi, g in enumerate(gold) for qi, q in enumerate(ours)),
        reverse=True,
    )
    g_used: dict[int, int] = {}
    q_used: set[int] = set()
    for ov, gi, qi in pairs:
        if ov < MATCH:
            break
        if gi in g_used or qi in q_used:
            continue
        g_used[gi] = qi
        q_used.add(qi)
    ref = f"{rec['source']}:{str(rec['id'])[:24]}"
    for gi, g in enumerate(gold):
        if gi not in g_used:
            t.errors.append(f"MISS  {ref}  {str(g['text'])[:90]!r}")
            continue
        q = ours[g_used[gi]]
        t.tp += 1
        if speaker_ok(g["speaker"], q.speaker):  # type: ignore[arg-type]
            t.speaker_right += 1
        else:
            t.errors.append(f"SPKR  {ref}  {q.speaker!r} != {g['speaker']!r}  {q.text[:60]!r}")
        t.kind_right += q.kind == g["kind"]
    for qi, q in enumerate(ours):
        if qi in q_used:
            continue
        if any(overlap(o, q.text) >= MATCH or _inside(q.text, o) for o in optional):
            continue
        if any(overlap(n, q.text) >= MATCH or _inside(q.text, n) for n in not_quotes):
            t.not_quote_fp += 1
            t.errors.append(f"NOTQ  {ref}  {q.text[:90]!r}")
        else:
            t.errors.append(f"FP    {ref}  {q.text[:90]!r} ({q.speaker})")
        t.pred += 1
    t.pred += len(q_used)
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--errors", action="store_true", help="list misses, false positives and wrong speakers")
    args = ap.parse_args()
    recs = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    cache: dict[str, object] = {}
    by_source: dict[str, Tally] = {}
    total = Tally()
    times: list[float] = []
    for rec in recs:
        paras = load_paragraphs(rec, cache)
        t0 = time.perf_counter()
        ours = extract_quotes(paras)
        times.append((time.perf_counter() - t0) * 1000)
        t = score_article(rec, ours)
        by_source.setdefault(str(rec["source"]), Tally()).add(t)
        total.add(t)
    print(f"$ .venv/bin/python bench/quotes.py {' '.join(sys.argv[1:])}".rstrip())
    n_gold = sum(len(r["quotes"]) for r in recs)
    print(
        f"gold: {len(recs)} articles, {n_gold} quotes, {sum(len(r['not_quotes']) for r in recs)} not-quotes"
    )
    for src, t in sorted(by_source.items()):
        print(t.line(src))
    print(total.line("all"))
    print(f"extract_quotes: median {statistics.median(times):.1f} ms per article")
    if args.errors:
        print()
        for e in total.errors:
            print(e)


if __name__ == "__main__":
    main()
