"""Article analysis computed once at ingest: summary, quotes with speakers, keywords, entities."""

from __future__ import annotations

import json
import logging
import time

from bot.analysis.entities import extract_entities
from bot.analysis.keywords import extract_keywords
from bot.analysis.quotes import extract_quotes
from bot.analysis.sentences import split_sentences
from bot.analysis.summary import summarize
from bot.errors import NewsbotError
from bot.models import Analysis, Entities, Paragraph, Quote

__all__ = [
    "AnalysisFormatError",
    "analysis_from_json",
    "analysis_to_json",
    "analyze",
    "extract_entities",
    "extract_keywords",
    "extract_quotes",
    "split_sentences",
    "summarize",
]

log = logging.getLogger(__name__)


class AnalysisFormatError(NewsbotError):
    """A stored analysis could not be read back."""


def analyze(paragraphs: list[Paragraph], *, title: str | None = None) -> Analysis:
    """Everything the bot shows about an article, in one pass (a few milliseconds for a long article)."""
    t0 = time.perf_counter()
    result = Analysis(
        summary=summarize(paragraphs, title=title, sentences=3),
        quotes=extract_quotes(paragraphs),
        keywords=extract_keywords(paragraphs, title=title),
        entities=extract_entities(paragraphs, title=title),
    )
    log.debug("analysed %d paragraphs in %.1f ms", len(paragraphs), (time.perf_counter() - t0) * 1000)
    return result


def analysis_to_json(a: Analysis) -> str:
    """A compact JSON form for the store (quote scores included, so key-quote order survives)."""
    return json.dumps(
        {
            "summary": a.summary,
            "quotes": [{**q.to_dict(), "score": q.score} for q in a.quotes],
            "keywords": a.keywords,
            "entities": a.entities.to_dict(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def analysis_from_json(s: str) -> Analysis:
    """Inverse of `analysis_to_json`; raises AnalysisFormatError on malformed input."""
    try:
        d = json.loads(s)
        ents = d.get("entities") or {}
        return Analysis(
            summary=[str(x) for x in d.get("summary", [])],
            quotes=[
                Quote(
                    text=str(q["text"]),
                    speaker=q.get("speaker"),
                    kind="partial" if q.get("kind") == "partial" else "full",
                    paragraph=int(q.get("paragraph", 0)),
                    score=float(q.get("score", 0.0)),
                )
                for q in d.get("quotes", [])
            ],
            keywords=[str(x) for x in d.get("keywords", [])],
            entities=Entities(
                people=list(ents.get("people", [])),
                places=list(ents.get("places", [])),
                organizations=list(ents.get("organizations", [])),
            ),
        )
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise AnalysisFormatError(f"stored analysis is not valid: {e}") from e
