"""Full-text search: user text → our grammar → the store's ranked hits with marked snippets."""

from __future__ import annotations

from datetime import datetime

from bot.search.dates import parse_when
from bot.search.query import parse_query
from bot.search.types import SearchFilters, SearchHit
from bot.store.base import ArticleStore, Scope

MAX_LIMIT = 100


def build_filters(
    *,
    source: str | None = None,
    author: str | None = None,
    section: str | None = None,
    since: str | None = None,
    until: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> SearchFilters:
    """Filters from user-typed values; raises InvalidQuery for an unreadable date. `until` is inclusive."""
    return SearchFilters(
        source=source or None,
        author=author or None,
        section=section or None,
        since=parse_when(since, now=now) if since else None,
        until=parse_when(until, now=now, end_of_day=True) if until else None,
        language=language or None,
    )


async def search(
    store: ArticleStore,
    text: str,
    scope: Scope,
    filters: SearchFilters | None = None,
    *,
    limit: int = 10,
    offset: int = 0,
    marker: tuple[str, str] = ("**", "**"),
) -> list[SearchHit]:
    """Best hits first; any text is accepted (an unusable query simply finds nothing)."""
    query = parse_query(text)
    if query.is_empty():
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    return await store.search(
        query, filters or SearchFilters(), scope, limit=limit, offset=offset, marker=marker
    )
