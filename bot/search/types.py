"""Domain values for search and related pieces, shared by the store interface and the search layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
import numpy.typing as npt

TermKind = Literal["word", "phrase", "prefix"]


# About how many matches one query may score with bm25 before it is limited to the newest rows.
RANK_BUDGET = 4000
PROBE_ROWS = 4000  # newest rows whose matches estimate how broad a query really is in the index


def probed_window(window: int | None, recent: int, span: int, newest: int) -> tuple[int | None, float | None]:
    """The caller's window, narrowed when `recent` matches among the newest `span` rows show the query
    is broader in the index than the caller's term statistics said (they do not stem like the index:
    "policing" looks rare there, but the index matches every "police" and "policy"); with the matches
    expected inside it (None when the whole index is ranked)."""
    matches = recent * newest / span
    if matches > RANK_BUDGET:
        probed = max(RANK_BUDGET, int(newest * RANK_BUDGET / matches))
        window = probed if window is None else min(window, probed)
    return window, (None if window is None else recent * window / span)


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One unit of a parsed user query: its tokens are plain letters/digits only (no operators)."""

    kind: TermKind
    tokens: tuple[str, ...]
    negated: bool = False
    alt: int = 0  # positive terms sharing a non-zero `alt` are alternatives ("a OR b"); 0: required alone


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A user query reduced to our own tiny grammar, so backends never see raw user syntax."""

    terms: tuple[QueryTerm, ...] = ()

    @property
    def positive(self) -> tuple[QueryTerm, ...]:
        return tuple(t for t in self.terms if not t.negated)

    @property
    def negative(self) -> tuple[QueryTerm, ...]:
        return tuple(t for t in self.terms if t.negated)

    def required(self) -> list[tuple[QueryTerm, ...]]:
        """The positive terms as AND-ed groups of OR-ed alternatives, in query order."""
        groups: list[list[QueryTerm]] = []
        where: dict[int, int] = {}
        for term in self.positive:
            if term.alt and term.alt in where:
                groups[where[term.alt]].append(term)
                continue
            if term.alt:
                where[term.alt] = len(groups)
            groups.append([term])
        return [tuple(g) for g in groups]

    def is_empty(self) -> bool:
        """Nothing to match on: a query made only of exclusions or punctuation finds nothing."""
        return not self.positive


@dataclass(frozen=True, slots=True)
class SearchFilters:
    source: str | None = None  # case-insensitive exact match
    author: str | None = None  # case-insensitive substring of one of the authors
    section: str | None = None  # case-insensitive exact match
    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before
    language: str | None = None  # e.g. "en"; matches "en" and "en-GB"


@dataclass(slots=True)
class SearchHit:
    id: int
    title: str
    snippet: str
    score: float  # higher is better
    published: datetime | None
    source: str | None
    guild_id: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "snippet": self.snippet,
            "score": round(self.score, 6),
            "published": self.published.isoformat() if self.published else None,
            "source": self.source,
        }


@dataclass(slots=True)
class StoredVectors:
    """An article's packed term vector and embedding, as kept by the store (see bot/search/vectors.py)."""

    article_id: int
    terms: bytes
    embedding: bytes
    version: int


@dataclass(slots=True)
class Candidate:
    """A light row for re-ranking related pieces (no body)."""

    id: int
    title: str
    published: datetime | None
    source: str | None
    guild_id: int | None
    duplicate_of: int | None
    vectors: StoredVectors | None = None


@dataclass(slots=True)
class TermStats:
    """Document frequencies per hashed term bucket (parallel arrays), for idf weights."""

    documents: int
    buckets: npt.NDArray[np.int64]
    df: npt.NDArray[np.int64]


@dataclass(slots=True)
class RelatedItem:
    id: int
    title: str
    score: float
    published: datetime | None = None
    source: str | None = None
    also_covered_by: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "score": round(self.score, 6),
            "also_covered_by": self.also_covered_by,
        }


@dataclass(slots=True)
class RelatedResult:
    """Related pieces for one article (or topic); `also_covered_by` = copies of the article itself."""

    items: list[RelatedItem]
    article_id: int | None = None
    topic: str | None = None
    also_covered_by: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        head: dict[str, object] = {"id": self.article_id} if self.topic is None else {"topic": self.topic}
        # the documented line shape; copies of the article itself show in the text output
        return {**head, "related": [i.to_dict() for i in self.items]}
