"""Turning domain values into column values and back; shared by store backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

from bot.models import Analysis, Entities, Paragraph, Quote, QuoteKind


def dt_to_db(value: datetime | None) -> str | None:
    """UTC ISO-8601, so text order is time order."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def dt_from_db(value: str | None) -> datetime | None:
    if not value:
        return None
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
