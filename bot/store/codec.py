"""Turning domain values into column values and back; shared by store backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

from bot.models import Analysis, Article, Entities, Origin, Paragraph, Quote, QuoteKind


def dt_to_db(value: datetime | None) -> str | None:
    """UTC ISO-8601, so text order is time order."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def dt_normal(value: datetime | None) -> datetime | None:
    """UTC, whole seconds: what every backend stores, so both read back the same value."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def dt_from_db(value: str | datetime | None) -> datetime | None:
    """From SQLite's ISO text or PostgreSQL's timestamptz."""
    if not value:
        return None
    if isinstance(value, datetime):
        return dt_normal(value)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def paragraphs_to_db(paragraphs: list[Paragraph]) -> tuple[str, str]:
    """(body, headings): paragraph texts joined by blank lines, and the indexes of headings."""
    body = "\n\n".join(p.text for p in paragraphs)
    headings = [i for i, p in enumerate(paragraphs) if p.kind == "heading"]
    return body, json.dumps(headings)


def paragraphs_from_db(body: str, headings: str) -> list[Paragraph]:
    heading_set = set(json.loads(headings or "[]"))
    texts = body.split("\n\n") if body else []
    return [Paragraph("heading" if i in heading_set else "text", t) for i, t in enumerate(texts)]


def analysis_to_db(analysis: Analysis) -> str:
    return json.dumps(
        {
            "summary": analysis.summary,
            "quotes": [
                {
                    "text": q.text,
                    "speaker": q.speaker,
                    "kind": q.kind,
                    "paragraph": q.paragraph,
                    "score": q.score,
                }
                for q in analysis.quotes
            ],
            "keywords": analysis.keywords,
            "entities": analysis.entities.to_dict(),
        },
        ensure_ascii=False,
    )


def analysis_from_db(value: str | None) -> Analysis | None:
    if not value:
        return None
    data: dict[str, Any] = json.loads(value)
    ents = data.get("entities") or {}
    return Analysis(
        summary=list(data.get("summary") or []),
        quotes=[
            Quote(
                text=q["text"],
                speaker=q.get("speaker"),
                kind=cast(QuoteKind, q.get("kind", "full")),
                paragraph=int(q.get("paragraph", 0)),
                score=float(q.get("score", 0.0)),
            )
            for q in data.get("quotes") or []
        ],
        keywords=list(data.get("keywords") or []),
        entities=Entities(
            people=list(ents.get("people") or []),
            places=list(ents.get("places") or []),
            organizations=list(ents.get("organizations") or []),
        ),
    )


def article_from_row(r: Any) -> Article:
    """An article from a row of either backend (same column names, see the backends' ARTICLE_COLUMNS)."""
    return Article(
        id=r["id"],
        guild_id=r["guild_id"],
        external_id=r["external_id"],
        url=r["url"],
        canonical_url=r["canonical_url"],
        title=r["title"],
        subtitle=r["subtitle"],
        authors=json.loads(r["authors"] or "[]"),
        published=dt_from_db(r["published"]),
        section=r["section"],
        source=r["source"],
        language=r["language"],
        image=r["image"],
        paragraphs=paragraphs_from_db(r["body"], r["headings"]),
        word_count=r["word_count"],
        content_hash=r["content_hash"],
        origin=cast(Origin, r["origin"]),
        flags=set(json.loads(r["flags"] or "[]")),
        ingested_by=r["ingested_by"],
        ingested_at=dt_from_db(r["ingested_at"]),
        updated_at=dt_from_db(r["updated_at"]),
        duplicate_of=r["duplicate_of"],
        analysis=analysis_from_db(r["analysis"]),
    )
