"""Candidate sentences of the articles in a briefing, with TF-IDF vectors and the dates they mention.

Built once per briefing and shared by the timeline and the key points, so each article's text is read once.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.briefing.dates import mentioned_dates
from bot.briefing.types import BriefDoc
from bot.search.text import STOP_WORDS, fold, light_stem

Vector = dict[str, float]

MIN_WORDS, MAX_WORDS = 6, 50
MAX_SENTENCES_PER_DOC = 40  # the lead carries the news; long tails are often comments or background
_LETTER = re.compile(r"[A-Za-z]")
_NOISE = re.compile(r"https?://|www\.|@\w|\|")


@dataclass(slots=True)
class Sent:
    doc: int  # index into Corpus.docs
    position: int  # sentence index in its article
    text: str
    terms: list[str]
    dates: list[date]
    vec: Vector = field(default_factory=dict)
    repeated: bool = False  # the same text was already read in another article


@dataclass(slots=True)
class Corpus:
    docs: Sequence[BriefDoc]
    sents: list[Sent]
    idf: dict[str, float]
    df: Counter[str]  # document frequency of terms over articles

    def article_terms(self, top: int) -> list[str]:
        """The story's own words: the terms most articles share (no query needed)."""
        return [t for t, _ in self.df.most_common(top)]


_WORD = re.compile(r"[^\W_]+")
_stem = functools.lru_cache(maxsize=200_000)(light_stem)


def index_terms(text: str) -> list[str]:
    """bot.search.text.index_terms, faster: ASCII text skips the accent folding, stems are cached."""
    low = text.lower() if text.isascii() else fold(text)
    return [_stem(w) for w in _WORD.findall(low) if len(w) > 1 and w not in STOP_WORDS and not w.isdigit()]


def _usable(text: str) -> bool:
    n = len(text.split())
    return MIN_WORDS <= n <= MAX_WORDS and bool(_LETTER.search(text)) and not _NOISE.search(text)


def build_corpus(docs: Sequence[BriefDoc], *, with_dates: bool = True) -> Corpus:
    sents: list[Sent] = []
    df: Counter[str] = Counter()
    seen_texts: set[str] = set()
    for i, doc in enumerate(docs):
        for pos, text in enumerate(doc.sentences[:MAX_SENTENCES_PER_DOC]):
            if not _usable(text):
                continue
            terms = index_terms(text)
            if len(terms) < 3:
                continue
            dates = mentioned_dates(text, doc.published) if with_dates and doc.published else []
            sents.append(Sent(i, pos, text, terms, dates, repeated=text in seen_texts))
            seen_texts.add(text)
    # the story's own words: a sentence repeated verbatim (boilerplate, a wire copy) counts once
    for doc_terms in _doc_term_sets([s for s in sents if not s.repeated]):
        df.update(doc_terms)
    sdf: Counter[str] = Counter()
    for s in sents:
        sdf.update(set(s.terms))
    n = max(1, len(sents))
    idf = {t: math.log(n / c) for t, c in sdf.items()}
    for s in sents:
        s.vec = tfidf(s.terms, idf)
    return Corpus(docs, sents, idf, df)


def _doc_term_sets(sents: list[Sent]) -> Iterable[set[str]]:
    current = -1
    bag: set[str] = set()
    for s in sents:
        if s.doc != current:
            if current >= 0:
                yield bag
            current, bag = s.doc, set()
        bag.update(s.terms)
    if current >= 0:
        yield bag


def tfidf(terms: Iterable[str], idf: dict[str, float]) -> Vector:
    counts = Counter(terms)
    vec = {t: (1.0 + math.log(c)) * idf.get(t, 0.0) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def dot(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def add_into(total: dict[str, float], vec: Vector, weight: float = 1.0) -> None:
    for t, v in vec.items():
        total[t] = total.get(t, 0.0) + v * weight


def normalized(vec: dict[str, float]) -> Vector:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}
