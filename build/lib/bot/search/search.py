"""Full-text search: user text → our grammar → the store's ranked hits with marked snippets."""

from __future__ import annotations

from datetime import datetime

from bot.search.dates import parse_when
from bot.search.query import parse_query
from bot.search.related import idf_table
from bot.search.text import STOP_WORDS, bucket, light_stem
from bot.search.types import RANK_BUDGET, ParsedQuery, QueryTerm, SearchFilters, SearchHit
from bot.search.vectors import IdfTable
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
    query = without_stop_words(parse_query(text))
    if query.is_empty():
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    window = rank_window(query, await idf_table(store))
    return await store.search(
        query, filters or SearchFilters(), scope, limit=limit, offset=offset, marker=marker, window=window
    )


def without_stop_words(query: ParsedQuery) -> ParsedQuery:
    """Plain stop words ("the", "for") beside other words barely narrow a search but make the index walk
    its longest lists (at 1M articles "Backing For" took 170 ms): they are left out then. Phrases,
    exclusions and a query made only of stop words keep them."""
    kept = tuple(t for t in query.terms if t.alt or not _is_plain_stop_word(t))
    if not any(not t.negated for t in kept):
        return query
    return ParsedQuery(kept)


def _is_plain_stop_word(term: QueryTerm) -> bool:
    if term.kind != "word" or term.negated or len(term.tokens) != 1:
        return False
    token = term.tokens[0]
    return token in STOP_WORDS or light_stem(token) in STOP_WORDS


def estimated_matches(query: ParsedQuery, idf: IdfTable) -> int:
    """An upper bound on matching documents: the rarest required group's document frequency (a group
    of alternatives counts the sum of its terms')."""
    best = idf.documents
    for group in query.required():
        if any(term.kind == "prefix" for term in group):
            continue  # could expand to anything
        best = min(best, sum(max(_df(token, idf) for token in term.tokens) for term in group))
    return best


def _df(token: str, idf: IdfTable) -> int:
    stem = light_stem(token)
    if len(token) < 2 or token.isdigit() or token in STOP_WORDS or stem in STOP_WORDS:
        return idf.documents  # not in the term statistics: assume it is everywhere
    return idf.document_frequency(bucket(stem))


def rank_window(query: ParsedQuery, idf: IdfTable) -> int | None:
    """How many of the newest articles to rank first, or None to rank every match."""
    matches = estimated_matches(query, idf)
    if matches <= RANK_BUDGET or idf.documents == 0:
        return None
    return max(RANK_BUDGET, int(idf.documents * RANK_BUDGET / matches))
