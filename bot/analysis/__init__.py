"""Article analysis computed once at ingest: summary, quotes with speakers, keywords, entities."""

from __future__ import annotations

import logging
import time

from bot.analysis.entities import extract_entities
from bot.analysis.keywords import extract_keywords
from bot.analysis.quotes import extract_quotes
from bot.analysis.sentences import split_sentences
from bot.analysis.summary import summarize
from bot.models import Analysis, Paragraph

__all__ = [
    "MAX_ANALYSIS_CHARS",
    "analyze",
    "bounded",
    "extract_entities",
    "extract_keywords",
    "extract_quotes",
    "split_sentences",
    "summarize",
]

log = logging.getLogger(__name__)


# About 10,000 words, a long feature: the analysers are not linear in the text (a 4 MB article
# took 32 s and 580 MB), so they read this much of an article and no more.
MAX_ANALYSIS_CHARS = 60_000


def bounded(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """The leading whole paragraphs within MAX_ANALYSIS_CHARS (at least the first one, clipped)."""
    total = 0
    for i, p in enumerate(paragraphs):
        total += len(p.text)
        if total > MAX_ANALYSIS_CHARS:
            return paragraphs[:i] or [Paragraph(p.kind, p.text[:MAX_ANALYSIS_CHARS])]
    return paragraphs


def analyze(paragraphs: list[Paragraph], *, title: str | None = None) -> Analysis:
    """Everything the bot shows about an article, in one pass (a few milliseconds for a long article)."""
    t0 = time.perf_counter()
    paragraphs = bounded(paragraphs)
    result = Analysis(
        summary=summarize(paragraphs, title=title, sentences=3),
        quotes=extract_quotes(paragraphs),
        keywords=extract_keywords(paragraphs, title=title),
        entities=extract_entities(paragraphs, title=title),
    )
    log.debug("analysed %d paragraphs in %.1f ms", len(paragraphs), (time.perf_counter() - t0) * 1000)
    return result
