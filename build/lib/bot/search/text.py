"""Tokenising article text into index terms: folded, lower-cased, stop words out, plurals folded.

Kept independent of any backend so term vectors mean the same thing whichever store holds them.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable

BUCKETS = 1 << 20  # hashed term space: collisions are rare enough at news vocabulary sizes
_WORD = re.compile(r"[^\W_]+")

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are aren as at be because been before being
    below between both but by can cannot could couldn did didn do does doesn doing don down during each few
    for from further had hadn has hasn have haven having he her here hers herself him himself his how i if in
    into is isn it its itself just ll me more most mr mrs ms my myself no nor not now of off on once only or
    other ought our ours ourselves out over own re s said same say says she should shouldn so some such t than
    that the their theirs them themselves then there these they this those through to too under until up us
    ve very was wasn we were weren what when where which while who whom why will with won would wouldn you
    your yours yourself yourselves one two three new year years told could would also many much may might
    must get got like make made well back still even last first since however another us per cent""".split()
)


def fold(text: str) -> str:
    """Lower case without diacritics (é → e), matching the full-text index's accent folding."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    """Every token, folded, in order (letters and digits; everything else separates)."""
    return _WORD.findall(fold(text))


def light_stem(word: str) -> str:
    """Plural and possessive folding only: cheap, predictable and still a real word for FTS queries."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def index_terms(text: str) -> list[str]:
    """Content terms of `text`: no stop words, no bare numbers, no single letters."""
    out: list[str] = []
    for w in words(text):
        if len(w) < 2 or w in STOP_WORDS or w.isdigit():
            continue
        out.append(light_stem(w))
    return out


def bucket(term: str) -> int:
    """Stable across processes (unlike hash())."""
    return zlib.crc32(term.encode("utf-8")) & (BUCKETS - 1)


def term_counts(title: str, body: str, title_weight: int = 2) -> Counter[str]:
    """Term frequencies with title terms counted `title_weight` times: headlines name the topic."""
    counts: Counter[str] = Counter(index_terms(body))
    for term in index_terms(title):
        counts[term] += title_weight
    return counts


def join_texts(parts: Iterable[str | None]) -> str:
    return "\n".join(p for p in parts if p)
