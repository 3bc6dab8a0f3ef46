"""The article-extraction benchmark's body metric (see ../shared/data/extraction/SOURCE.md)."""

from __future__ import annotations

import re
from collections import Counter

_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(0, len(tokens) - n + 1)))


def page_scores(true: str, pred: str) -> tuple[float, float]:
    """Per-page (precision, recall) from 4-shingle counts."""
    t, p = shingles(true), shingles(pred)
    tp = sum(min(c, p[k]) for k, c in t.items())
    fp = sum(max(0, c - t[k]) for k, c in p.items())
    fn = sum(max(0, c - p[k]) for k, c in t.items())
    precision = tp / (tp + fp) if tp + fp else (1.0 if not t else 0.0)
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def corpus_f1(pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """(f1, precision, recall): precision and recall averaged over pages, F1 of the averages."""
    ps, rs = zip(*(page_scores(t, p) for t, p in pairs), strict=True) if pairs else ((), ())
    precision = sum(ps) / len(ps) if ps else 0.0
    recall = sum(rs) / len(rs) if rs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall
