"""Topic briefings: the story so far across the store — timeline, key points, who said what, coverage.

Everything is extractive: each line is a stored sentence or quote linked to its article. `brief_docs` works
on articles already loaded (pure, synchronous); `build_briefing` reads them from the store in batches.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.analysis.sentences import split_sentences
from bot.briefing.corpus import build_corpus
from bot.briefing.coverage import coverage, render_png, render_text
from bot.briefing.keypoints import key_points
from bot.briefing.timeline import TimelineParams, build_timeline
from bot.briefing.types import BriefDoc, Briefing
from bot.briefing.voices import group_voices
from bot.errors import InvalidQuery, NothingToBrief
from bot.models import Article
from bot.search.query import parse_query
from bot.search.related import idf_table
from bot.search.search import rank_window, without_stop_words
from bot.search.text import index_terms
from bot.search.types import SearchFilters
from bot.store.base import ArticleStore, Scope
from bot.topics.types import Topic

__all__ = [
    "Briefing",
    "BriefDoc",
    "TimelineParams",
    "brief_docs",
    "build_briefing",
    "doc_from_article",
    "render_png",
    "render_text",
]

MAX_ARTICLES = 1000  # the most relevant articles a briefing reads (a query's best matches)
BATCH = 200  # articles read from the store per query


def doc_from_article(article: Article) -> BriefDoc:
    """What a briefing needs of an article: its sentences (split once here), stored quotes and people."""
    sentences: list[str] = []
    for p in article.paragraphs:
        if p.kind == "text":
            sentences.extend(split_sentences(p.text))
    analysis = article.analysis
    quotes = tuple((q.text, q.speaker) for q in analysis.quotes) if analysis else ()
    people = tuple(analysis.entities.people) if analysis else ()
    return BriefDoc(
        id=article.id,
        published=article.published.astimezone(UTC).date() if article.published else None,
        source=(article.source or "unknown").strip() or "unknown",
        title=article.title,
        sentences=tuple(sentences),
        quotes=quotes,
        people=people,
        url=article.url,
    )


def brief_docs(
    docs: Sequence[BriefDoc],
    *,
    query: str | None = None,
    since: date | None = None,
    until: date | None = None,
    n_dates: int | None = None,
    per_date: int | None = None,
    key_point_count: int = 8,
    voices: int = 8,
    params: TimelineParams | None = None,
) -> Briefing:
    """The briefing over these articles (already restricted to what the caller may see)."""
    if since or until:  # an undated article cannot be placed between two days
        docs = [d for d in docs if d.published is not None and _in(d.published, since, until)]
    if not docs:
        raise NothingToBrief(
            "no articles match" + (f" {query!r}" if query else "") + _span_text(since, until)
        )
    corpus = build_corpus(docs)
    terms = index_terms(query) if query else None
    dated = [d.published for d in docs if d.published]
    start = since or (min(dated) if dated else None)
    end = until or (max(dated) if dated else None)
    timeline = build_timeline(
        corpus, start=start, end=end, n_dates=n_dates, per_date=per_date, query_terms=terms, params=params
    )
    points = key_points(corpus, key_point_count, query_terms=terms)
    people = group_voices(docs, limit=voices)
    used: Counter[str] = Counter()
    by_id = {d.id: d for d in docs}
    ids = {s.article_id for e in timeline for s in e.sentences} | {k.article_id for k in points}
    ids |= {q.article_id for v in people for q in v.quotes}
    for i in ids:
        used[by_id[i].source] += 1
    return Briefing(
        query=query,
        since=since,
        until=until,
        articles=len(docs),
        timeline=timeline,
        key_points=points,
        voices=people,
        coverage=coverage(docs),
        sources=dict(used.most_common()),
    )


def _in(d: date, since: date | None, until: date | None) -> bool:
    return (since is None or d >= since) and (until is None or d <= until)


def _span_text(since: date | None, until: date | None) -> str:
    if since and until:
        return f" between {since.isoformat()} and {until.isoformat()}"
    if since:
        return f" since {since.isoformat()}"
    if until:
        return f" until {until.isoformat()}"
    return ""


async def build_briefing(
    store: ArticleStore,
    query: str | None,
    scope: Scope,
    *,
    filters: SearchFilters | None = None,
    since: date | None = None,
    until: date | None = None,
    n_dates: int | None = None,
    per_date: int | None = None,
    max_articles: int = MAX_ARTICLES,
) -> Briefing:
    """Read the matching articles (the query's best `max_articles`, or every article in scope when the query
    is None) in batches and brief them. `since`/`until` are inclusive days and narrow `filters`."""
    filters = filters or SearchFilters()
    if since and until and since > until:
        raise InvalidQuery("the start date is after the end date")
    start_dt = datetime.combine(since, time.min, UTC) if since else None
    end_dt = datetime.combine(until + timedelta(days=1), time.min, UTC) if until else None
    filters = SearchFilters(
        source=filters.source,
        author=filters.author,
        section=filters.section,
        since=max(filter(None, [filters.since, start_dt]), default=None),
        until=min(filter(None, [filters.until, end_dt]), default=None),
        language=filters.language,
    )
    articles: list[Article] = []
    if query is None:
        async for article in store.iter_articles(scope, batch=BATCH):
            if article.duplicate_of is None and _matches(article, filters):
                articles.append(article)
    else:
        parsed = without_stop_words(parse_query(query))
        if parsed.is_empty():
            raise InvalidQuery(f"nothing to search for in {query!r}")
        window = rank_window(parsed, await idf_table(store))
        hits = await store.search(parsed, filters, scope, limit=max_articles, window=window)
        ids = [h.id for h in hits]
        for i in range(0, len(ids), BATCH):
            articles.extend(await store.get_articles(ids[i : i + BATCH], scope))
    # splitting and analysis are CPU work: off the event loop, so a bot keeps answering meanwhile
    return await asyncio.to_thread(
        _brief_articles, articles, query=query, since=since, until=until, n_dates=n_dates, per_date=per_date
    )


def _brief_articles(articles: list[Article], **options: Any) -> Briefing:
    return brief_docs([doc_from_article(a) for a in articles], **options)


def _matches(article: Article, f: SearchFilters) -> bool:
    """The search filters, for the --all path (which reads articles without the full-text index)."""
    if f.since and (article.published is None or article.published < f.since):
        return False
    if f.until and (article.published is None or article.published >= f.until):
        return False
    if f.source and (article.source or "").lower() != f.source.lower():
        return False
    if f.section and (article.section or "").lower() != f.section.lower():
        return False
    if f.author and not any(f.author.lower() in a.lower() for a in article.authors):
        return False
    return not (f.language and not (article.language or "").lower().startswith(f.language.lower()))


DIGEST_DAYS = 30  # a digest's briefing looks back this far


async def topic_briefing(store: ArticleStore, topic: Topic, *, today: date | None = None) -> Briefing | None:
    """The short briefing of a topic's last weeks for its digest, or None when nothing matches."""
    today = today or datetime.now(UTC).date()
    f = topic.filters
    filters = SearchFilters(
        source=f.get("source") or None,
        author=f.get("author") or None,
        section=f.get("section") or None,
        language=f.get("language") or None,
    )
    try:
        return await build_briefing(
            store,
            topic.query,
            Scope.guild(topic.guild_id),
            filters=filters,
            since=today - timedelta(days=DIGEST_DAYS),
            n_dates=5,
            per_date=1,
            max_articles=300,
        )
    except (NothingToBrief, InvalidQuery):
        return None
