"""Reading an article's analysis the way commands need it (CLI and Discord alike)."""

from __future__ import annotations

from bot.analysis import analyze, summarize
from bot.models import Analysis, Article, Quote


def analysis_of(article: Article) -> Analysis:
    """The stored analysis; an article stored before analysis existed is analysed now."""
    return article.analysis or analyze(article.paragraphs, title=article.title)


def summary_sentences(article: Article, sentences: int | None = None, words: int | None = None) -> list[str]:
    """The stored default summary is a lookup; other lengths are computed on demand."""
    if sentences is None and words is None:
        return analysis_of(article).summary
    return summarize(article.paragraphs, title=article.title, sentences=sentences, words=words)


def select_quotes(analysis: Analysis, speaker: str | None = None, limit: int = 5) -> list[Quote]:
    """Key quotes best first, or with limit 0 every quote in article order; optionally one speaker's
    (any part of the name, case-insensitive)."""
    pool = list(analysis.quotes) if limit <= 0 else analysis.key_quotes(0)
    if speaker and speaker.strip():
        wanted = speaker.casefold().strip()
        pool = [q for q in pool if q.speaker and wanted in q.speaker.casefold()]
    return pool if limit <= 0 else pool[:limit]
