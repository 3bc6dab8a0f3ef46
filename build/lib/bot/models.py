"""Domain objects shared by ingestion, the store, analysis and the Discord layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ParagraphKind = Literal["text", "heading"]
Origin = Literal["url", "file", "text", "feed", "archive"]
QuoteKind = Literal["full", "partial"]

# Flags an article can carry.
FLAG_PAYWALLED = "paywalled"
FLAG_TEASER = "truncated_teaser"


@dataclass(slots=True)
class Paragraph:
    kind: ParagraphKind
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


def join_body(paragraphs: list[Paragraph]) -> str:
    """Every paragraph, headings included, in order, separated by blank lines."""
    return "\n\n".join(p.text for p in paragraphs)


@dataclass(slots=True)
class ExtractedArticle:
    """What an extractor recovered from one page, before it is stored."""

    paragraphs: list[Paragraph]
    title: str | None = None
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    section: str | None = None
    source: str | None = None
    language: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    flags: set[str] = field(default_factory=set)

    @property
    def body(self) -> str:
        return join_body(self.paragraphs)


@dataclass(slots=True)
class Quote:
    text: str
    speaker: str | None
    kind: QuoteKind
    paragraph: int  # index into Article.paragraphs
    score: float = 0.0  # key-quote rank: higher is better

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "speaker": self.speaker, "kind": self.kind, "paragraph": self.paragraph}


@dataclass(slots=True)
class Entities:
    people: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, list[str]]:
        return {"people": self.people, "places": self.places, "organizations": self.organizations}


@dataclass(slots=True)
class Analysis:
    """Computed once at ingest and stored, so commands are lookups."""

    summary: list[str] = field(default_factory=list)  # default-length summary, article order
    quotes: list[Quote] = field(default_factory=list)  # every quote, article order; rank by .score
    keywords: list[str] = field(default_factory=list)  # best first
    entities: Entities = field(default_factory=Entities)

    def key_quotes(self, limit: int = 5) -> list[Quote]:
        ranked = sorted(self.quotes, key=lambda q: -q.score)
        return ranked if limit <= 0 else ranked[:limit]


@dataclass(slots=True)
class Article:
    id: int
    guild_id: int | None  # None = the operator's global library
    title: str
    paragraphs: list[Paragraph]
    url: str | None = None
    canonical_url: str | None = None
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # timezone-aware
    section: str | None = None
    source: str | None = None
    language: str | None = None
    image: str | None = None
    word_count: int = 0
    content_hash: str = ""
    origin: Origin = "text"
    flags: set[str] = field(default_factory=set)
    external_id: str | None = None
    ingested_by: str | None = None
    ingested_at: datetime | None = None
    updated_at: datetime | None = None
    duplicate_of: int | None = None  # set for stored teasers/copies that point at an original
    analysis: Analysis | None = None

    @property
    def body(self) -> str:
        return join_body(self.paragraphs)

    def to_dict(self) -> dict[str, object]:
        """The shape `newsbot show --json` prints."""
        return {
            "id": self.id,
            "title": self.title,
            "subtitle": self.subtitle,
            "authors": self.authors,
            "published": self.published.isoformat() if self.published else None,
            "section": self.section,
            "source": self.source,
            "url": self.url,
            "language": self.language,
            "flags": sorted(self.flags),
            "word_count": self.word_count,
            "paragraphs": [p.to_dict() for p in self.paragraphs],
            "body": self.body,
        }
