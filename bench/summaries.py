"""Summary benchmark: ROUGE F1 of our 3-sentence summaries beside Lead-3, LexRank and TextRank.

Run: .venv/bin/python bench/summaries.py [--data PATH] [--limit N] [--sentences 3]

All methods see the same sentences (our segmenter, datelines stripped), because nltk's punkt data cannot be
downloaded here; sumy gets them through a tiny document builder. Also prints analysis speed on ~1,000-word
inputs (median and mean ms per article for the full `analyze`).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.analysis import analyze  # noqa: E402
from bot.analysis.sentences import split_sentences, strip_dateline  # noqa: E402
from bot.analysis.summary import summarize  # noqa: E402
from bot.models import Paragraph  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "summaries" / "cnndm_validation500.jsonl"
_WORD = re.compile(r"\w+")


class _Words:
    """The one method sumy needs from a tokenizer once sentences are given."""

    def to_words(self, text: str) -> tuple[str, ...]:
        return tuple(_WORD.findall(text))


def _article_sentences(article: str) -> list[str]:
    sents = split_sentences(article)
    if sents:
        sents[0] = strip_dateline(sents[0])
    return [s for s in sents if s]


def lead(article: str, n: int) -> list[str]:
    return _article_sentences(article)[:n]


def sumy_summary(article: str, n: int, method: str) -> list[str]:
    from sumy.models.dom import ObjectDocumentModel
    from sumy.models.dom import Paragraph as SParagraph
    from sumy.models.dom import Sentence as SSentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    tok = _Words()
    doc = ObjectDocumentModel([SParagraph([SSentence(s, tok) for s in _article_sentences(article)])])
    summarizer = (
        LexRankSummarizer(Stemmer("english"))
        if method == "lexrank"
        else TextRankSummarizer(Stemmer("english"))
    )
    summarizer.stop_words = get_stop_words("english")
    return [str(s) for s in summarizer(doc, n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--sentences", type=int, default=3)
    ap.add_argument("--methods", default="ours,lead3,lexrank,textrank")
    args = ap.parse_args()
    from rouge_score import rouge_scorer

    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.limit:
        rows = rows[: args.limit]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    methods = args.methods.split(",")
    print(f"$ {' '.join(sys.argv)}")
    print(
        f"{len(rows)} articles from {args.data}, {args.sentences} sentences, ROUGE F1 x100 (rouge-score, stemmer on)"
    )
    for method in methods:
        totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeLsum": 0.0}
        t0 = time.perf_counter()
        for r in rows:
            if method == "ours":
                sents = summarize([Paragraph("text", r["article"])], sentences=args.sentences)
            elif method == "lead3":
                sents = lead(r["article"], args.sentences)
            else:
                sents = sumy_summary(r["article"], args.sentences, method)
            scores = scorer.score(r["summary"], "\n".join(sents))
            for k in totals:
                totals[k] += scores[k].fmeasure
        dt = (time.perf_counter() - t0) / max(1, len(rows)) * 1000
        r1, r2, rl = (100 * totals[k] / len(rows) for k in ("rouge1", "rouge2", "rougeLsum"))
        print(
            f"  {method:9s} R1 {r1:5.1f}  R2 {r2:5.1f}  RLsum {rl:5.1f}   ({dt:.1f} ms/article incl. scoring)"
        )
    _speed(rows)


def _speed(rows: list[dict[str, str]]) -> None:
    """Full `analyze` on ~1,000-word inputs: articles split into paragraphs of 3 sentences, padded by joining."""
    docs: list[list[Paragraph]] = []
    buf: list[str] = []
    for r in rows:
        buf.extend(_article_sentences(r["article"]))
        if sum(len(s.split()) for s in buf) >= 1000:
            words = 0
            take: list[str] = []
            for s in buf:
                take.append(s)
                words += len(s.split())
                if words >= 1000:
                    break
            docs.append([Paragraph("text", " ".join(take[i : i + 3])) for i in range(0, len(take), 3)])
            buf = []
    times: list[float] = []
    for d in docs:
        t0 = time.perf_counter()
        analyze(d)
        times.append((time.perf_counter() - t0) * 1000)
    if times:
        print(
            f"analyze() on {len(times)} ~1,000-word articles: median {statistics.median(times):.1f} ms, "
            f"mean {statistics.mean(times):.1f} ms, max {max(times):.1f} ms (target < 20 ms)"
        )


if __name__ == "__main__":
    main()
