"""What a briefing is made of: every line carries the stored article it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class BriefDoc:
    """One stored article reduced to what a briefing reads (no Discord, no store)."""

    id: int
    published: date | None
    source: str
    title: str
    sentences: tuple[str, ...]
    quotes: tuple[tuple[str, str | None], ...] = ()  # (text, speaker) as stored by the analysis
    people: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True, slots=True)
class BriefSentence:
    text: str
    article_id: int

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "article_id": self.article_id}


@dataclass(slots=True)
class TimelineEntry:
    date: date
    sentences: list[BriefSentence]

    def to_dict(self) -> dict[str, object]:
        return {"date": self.date.isoformat(), "sentences": [s.to_dict() for s in self.sentences]}


@dataclass(frozen=True, slots=True)
class KeyPoint:
    text: str
    article_id: int
    source: str
    published: date | None

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "article_id": self.article_id,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
        }


@dataclass(frozen=True, slots=True)
class VoiceQuote:
    text: str
    article_id: int
    published: date | None
    source: str

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "article_id": self.article_id,
            "published": self.published.isoformat() if self.published else None,
            "source": self.source,
        }


@dataclass(slots=True)
class Voice:
    """One person, under every form the articles gave them; quotes newest first."""

    speaker: str
    forms: list[str]
    quotes: list[VoiceQuote]

    def to_dict(self) -> dict[str, object]:
        return {"speaker": self.speaker, "forms": self.forms, "quotes": [q.to_dict() for q in self.quotes]}


@dataclass(slots=True)
class Coverage:
    """Articles per period (day or week) and outlet."""

    unit: str  # "day" or "week"
    periods: list[date]
    counts: dict[str, list[int]]  # outlet -> count per period

    def to_dict(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "periods": [p.isoformat() for p in self.periods],
            "by_source": self.counts,
        }


@dataclass(slots=True)
class Briefing:
    query: str | None
    since: date | None
    until: date | None
    articles: int
    timeline: list[TimelineEntry] = field(default_factory=list)
    key_points: list[KeyPoint] = field(default_factory=list)
    voices: list[Voice] = field(default_factory=list)
    coverage: Coverage | None = None
    sources: dict[str, int] = field(default_factory=dict)  # outlet -> articles used in the briefing

    def to_dict(self) -> dict[str, object]:
        return {
            "query": self.query,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "articles": self.articles,
            "timeline": [e.to_dict() for e in self.timeline],
            "key_points": [k.to_dict() for k in self.key_points],
            "voices": [v.to_dict() for v in self.voices],
            "coverage": self.coverage.to_dict() if self.coverage else None,
            "sources": [{"source": s, "articles": n} for s, n in self.sources.items()],
        }
