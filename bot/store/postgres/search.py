"""Search and related-piece queries for the PostgreSQL backend. tsquery text is built here from a
`ParsedQuery` (tokens are letters and digits only, so they are always quoted lexemes, never syntax).

Ranking: plain `ts_rank` has no inverse document frequency, so a common word would weigh as much as a
rare one. Each required group of the query is ranked on its own (title A 1.0, subtitle B 0.5, body C
0.25, length-normalised) and weighted by its BM25 idf, taken from the same term statistics the related
pieces keep (`term_df`); close to SQLite's bm25 on the same data."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import numpy as np

from bot.search.text import STOP_WORDS, bucket, fold, light_stem
from bot.search.types import (
    PROBE_ROWS,
    RANK_BUDGET,
    Candidate,
    ParsedQuery,
    QueryTerm,
    SearchFilters,
    SearchHit,
    StoredVectors,
    TermStats,
    probed_window,
)
from bot.store.base import Scope
from bot.store.codec import dt_from_db, dt_normal
from bot.store.postgres.sql import Params, Pooled, scope_sql

WEIGHTS = "{0.1, 0.25, 0.5, 1.0}"  # D, C (body), B (subtitle), A (title)
_NORMALISATION = 1  # divide by 1 + log(document length)
_SNIPPET_WORDS = 24
_OPEN, _CLOSE, _GAP = "\ue000", "\ue001", "\ue002"  # private-use marks, swapped for the caller's markers
_HEADLINE_OPTIONS = (
    f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords={_SNIPPET_WORDS}, MinWords=12, ShortWord=2, "
    f"MaxFragments=2, FragmentDelimiter={_GAP}"
)
_HEADLINE_CHARS = 100_000
RANK_CANDIDATES = 1000
CANDIDATE_SLACK = 1.5  # a window is sized for this many times RANK_CANDIDATES expected matches
RELATED_BROADNESS = 2  # a related-piece term's matches may be this many times its expected documents
RELATED_SLACK = 50  # ... or this many more

# What finding a search's candidates costs, in µs, as measured at 1,000,000 articles (`plan_search`).
ROW_WALKED = 2.5  # a row read in id order and checked against the query
POSTING = 0.3  # an entry of a posting list put in a bitmap
ROW_VISITED = 5.0  # a matching row fetched through a bitmap (1.5 warm, 7 cold)
ID_IN_BITMAP = 0.1  # an id of the window's range put in a bitmap
ROW_IN_BITMAP = 0.25  # a row in scope or passing a filter put in a bitmap (scattered: a date, a server)


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """How one page of a search finds its candidates."""

    scan: bool = False  # walk the newest rows in id order instead of reading the index
    window_indexed: bool = True  # the window's id range is a bitmap ANDed with the words'
    visible_indexed: bool = True  # so are the scope's and filters' (else each found row is checked)


def plan_search(newest: int, window_rows: int, density: float | None, share: float) -> SearchPlan:
    """The cheapest way to the newest RANK_CANDIDATES matches: walk the window's rows newest first
    (`density` of the rows match the words, `share` of all rows are in scope and pass the filters), or
    read the words' posting lists, then fetch their rows. A bitmap of the window's ids, or of the rows
    in scope, is worth building only when it costs less than the rows it spares; PostgreSQL's planner,
    pricing every row fetch as a disk read, built ones of 700,000 ids (70 ms) to spare 2,000 fetches.
    Unknown density (a small store, nothing probed): the index, all bitmaps allowed."""
    if density is None or newest <= 0:
        return SearchPlan()
    wanted = density * share
    walked = window_rows if wanted <= 0 else min(window_rows, RANK_CANDIDATES / wanted)
    visit_all = density * newest * ROW_VISITED
    visit_window = window_rows * ID_IN_BITMAP + density * window_rows * ROW_VISITED
    fetching = min(visit_all, visit_window)  # the rows the words' bitmap leads to
    return SearchPlan(
        scan=walked * ROW_WALKED < density * newest * POSTING + fetching,
        window_indexed=visit_window < visit_all,
        visible_indexed=share * newest * ROW_IN_BITMAP < (1 - share) * fetching,
    )


def _lexeme(token: str, weight: str = "", prefix: bool = False) -> str:
    return (
        "'"
        + token.replace("'", "").replace("\\", "")
        + "'"
        + (":" if prefix or weight else "")
        + ("*" if prefix else "")
        + weight
    )


def ts_term(term: QueryTerm, weight: str = "") -> str:
    """One term as tsquery text: a lexeme, a prefix, or a phrase of adjacent lexemes."""
    if term.kind == "prefix":
        return _lexeme(term.tokens[0], weight, prefix=True)
    if len(term.tokens) == 1:
        return _lexeme(term.tokens[0], weight)
    return "(" + " <-> ".join(_lexeme(t, weight) for t in term.tokens) + ")"


def ts_group(group: Sequence[QueryTerm], weight: str = "") -> str:
    return (
        ts_term(group[0], weight)
        if len(group) == 1
        else "(" + " | ".join(ts_term(t, weight) for t in group) + ")"
    )


def ts_expression(query: ParsedQuery, weight: str = "") -> str | None:
    """AND of the positive groups, then NOT each excluded term; None when nothing positive remains.
    With `weight` ("A"), the positive terms must match the title (exclusions still apply anywhere)."""
    positive = [ts_group(g, weight) for g in query.required()]
    if not positive:
        return None
    expr = " & ".join(positive)
    for term in query.negative:
        expr = f"({expr}) & !{ts_term(term)}"
    return expr


def bm25_idf(documents: int, df: float) -> float:
    if documents <= 0:
        return 1.0
    df = min(max(df, 0.0), float(documents))
    return math.log(1.0 + (documents - df + 0.5) / (df + 0.5))


def _token_bucket(token: str) -> int | None:
    word = fold(token)
    stem = light_stem(word)
    if len(word) < 2 or word.isdigit() or word in STOP_WORDS or stem in STOP_WORDS:
        return None  # not in the term statistics: as common as can be
    return bucket(stem)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filters_sql(filters: SearchFilters, p: Params) -> list[str]:
    where: list[str] = []
    if filters.source:
        where.append(f"lower(a.source) = lower({p(filters.source.strip())})")
    if filters.section:
        where.append(f"lower(a.section) = lower({p(filters.section.strip())})")
    if filters.author:
        # authors is a JSON list; a case-insensitive substring of it is what people mean by "by Smith".
        where.append(f"a.authors ILIKE {p('%' + _like_escape(filters.author.strip()) + '%')}")
    if filters.language:
        lang = filters.language.strip().lower()
        where.append(
            f"(lower(a.language) = {p(lang)} OR lower(a.language) LIKE {p(_like_escape(lang) + '-%')})"
        )
    if filters.since:
        where.append(f"a.published >= {p(dt_normal(filters.since))}")
    if filters.until:
        where.append(f"a.published < {p(dt_normal(filters.until))}")
    return where


class PostgresSearchMixin(Pooled):
    async def _idf(self, con: asyncpg.Connection, groups: Sequence[Sequence[str]]) -> list[float]:
        """BM25 idf of each group of tokens (a group's document frequency is its rarest token's)."""
        documents = int(
            await con.fetchval("SELECT value FROM search_meta WHERE key = 'vector_documents'") or 0
        )
        if documents <= 0:
            return [1.0] * len(groups)
        wanted = {b for g in groups for t in g if (b := _token_bucket(t)) is not None}
        rows = await con.fetch("SELECT bucket, df FROM term_df WHERE bucket = ANY($1::int[])", sorted(wanted))
        df = {int(r[0]): int(r[1]) for r in rows}
        out = []
        for g in groups:
            known = [df.get(b, 0) for t in g if (b := _token_bucket(t)) is not None]
            out.append(bm25_idf(documents, min(known) if known else documents / 2))
        return out

    async def _rank_sql(self, con: asyncpg.Connection, query: ParsedQuery, p: Params, column: str) -> str:
        """Σ over required groups of idf × weighted ts_rank of the group."""
        groups = query.required()
        token_groups = [
            # alternatives: the most common one decides; a prefix counts as common
            [tok for t in g for tok in (t.tokens if t.kind != "prefix" else ("",))]
            for g in groups
        ]
        idfs = await self._idf(con, token_groups)
        parts = [
            f"ts_rank('{WEIGHTS}', {column}, to_tsquery('newsbot', {p(ts_group(g))}), {_NORMALISATION}) "
            f"* {idf:.6f}"
            for g, idf in zip(groups, idfs, strict=True)
        ]
        return " + ".join(parts)

    async def search(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        scope: Scope,
        limit: int = 10,
        offset: int = 0,
        marker: tuple[str, str] = ("**", "**"),
        window: int | None = None,
    ) -> list[SearchHit]:
        expr = ts_expression(query)
        if expr is None or limit <= 0:
            return []
        async with self._conn("search failed") as con:
            newest = int(await con.fetchval("SELECT coalesce(max(id), 0) FROM articles"))
            match = Match(query, expr, *await phrase_pairs(con, query))
            # a phrase's own matches are probed: the statistics' window is about its words
            window, density = await self._probed_window(con, match, newest, None if match.pairs else window)
            share = await _visible_share(con, scope, filters, newest) if density is not None else 1.0
            span = max(int(window), 1) if window is not None else None
            if span is not None and density and share > 0:
                # only the newest RANK_CANDIDATES visible matches are ranked: a window expected to hold
                # a few more than that finds the same ones at a third of the cost
                span = min(span, int(CANDIDATE_SLACK * RANK_CANDIDATES / (density * share)) + 1)
            while True:
                floor = newest - span if span is not None and span < newest else 0
                plan = plan_search(newest, newest - floor, density, share)
                rows = await self._search_page(con, match, filters, scope, floor, limit, offset, plan)
                if floor == 0 or len(rows) >= limit or span is None:
                    break
                span *= 4  # rank among the newest rows first, widening until the page is full
        return [
            SearchHit(
                id=r["id"],
                title=r["title"],
                snippet=_marked(r["snip"], marker),
                score=float(r["rank"]),
                published=dt_from_db(r["published"]),
                source=r["source"],
                guild_id=r["guild_id"],
            )
            for r in rows
        ]

    async def _probed_window(
        self, con: asyncpg.Connection, match: Match, newest: int, window: int | None
    ) -> tuple[int | None, float | None]:
        """The caller's window, narrowed when the matches among the newest rows show the query is
        broader than the term statistics said (snowball stems widely; a prefix may stand for thousands
        of words); with the share of rows that match (None when unknown)."""
        positive = match.query.positive
        span = min(PROBE_ROWS, newest)
        if span <= 0 or span >= newest:
            return window, None
        if window is not None and window <= RANK_BUDGET and all(t.kind == "word" for t in positive):
            return window, 1.0  # the statistics already say nearly every row holds these words
        p = Params()
        if any(t.kind == "prefix" for t in positive):
            # counting a prefix's matches would read its every word's postings ("woul*": 270,000,
            # 75 ms); the planner's statistics of the index's own words are close enough
            share = await _planned_share(con, [match.condition(p)], p, newest)
            return probed_window(window, round(share * span), span, newest)[0], share
        recent = int(
            await con.fetchval(
                f"SELECT count(*) FROM articles a WHERE {match.condition(p)} AND a.id > {p(newest - span)}",
                *p.args,
            )
            or 0
        )
        return probed_window(window, recent, span, newest)[0], recent / span

    async def _search_page(
        self,
        con: asyncpg.Connection,
        match: Match,
        filters: SearchFilters,
        scope: Scope,
        floor: int,
        limit: int,
        offset: int,
        plan: SearchPlan,
    ) -> list[asyncpg.Record]:
        p = Params()
        q = f"to_tsquery('newsbot', {p(match.expr)})"
        visible = [
            scope_sql(scope, p, "a.guild_id"),
            # A stored copy is shown under its original, unless that original is out of sight.
            "(a.duplicate_of IS NULL OR NOT EXISTS "
            f"(SELECT 1 FROM articles o WHERE o.id = a.duplicate_of AND {scope_sql(scope, p, 'o.guild_id')}))",
            *filters_sql(filters, p),
        ]
        # Rows are found inside the subquery, a fence the planner cannot push the other conditions
        # into: what narrows the search through an index (as `plan_search` chose) goes inside, what is
        # checked on each row found goes outside.
        found: list[str] = []
        if plan.scan:
            checked = [f"ts_match_vq(a.tsv, {q})", *visible]
        elif plan.visible_indexed:
            found, checked = [match.condition(p), *visible], []
        else:
            found, checked = [match.condition(p)], visible
        if floor > 0:
            (found if plan.scan or plan.window_indexed else checked).append(f"a.id > {p(floor)}")
        if plan.scan or checked:
            inner = f"WHERE {' AND '.join(found)} " if found else ""
            order = "ORDER BY a.id DESC " if plan.scan else ""  # walked newest first until enough match
            source, where = f"(SELECT * FROM articles a {inner}{order}OFFSET 0) a", " AND ".join(checked)
        else:
            source, where = "articles a", " AND ".join(found)
        rank = await self._rank_sql(con, match.query, p, "r.tsv")
        body = f"translate(left(a.body, {_HEADLINE_CHARS}), '{_OPEN}{_CLOSE}{_GAP}', '')"
        # Positional ranking reads each candidate's whole vector: at most the newest RANK_CANDIDATES
        # matches are ranked (every match, when there are fewer), so a broad word costs the same as a
        # rare one. The newest are picked by id alone (a sort of vectors spilled to disk at 100k).
        sql = (
            f"SELECT a.id, a.title, a.published, a.source, a.guild_id, m.rank, "
            f"ts_headline('newsbot', {body}, {q}, {p(_HEADLINE_OPTIONS)}) AS snip "
            f"FROM (SELECT c.id, {rank} AS rank FROM (SELECT a.id FROM {source} "
            f"WHERE {where} ORDER BY a.id DESC LIMIT {RANK_CANDIDATES}) c "
            "JOIN articles r ON r.id = c.id "
            f"ORDER BY rank DESC, c.id DESC LIMIT {p(int(limit))} OFFSET {p(max(int(offset), 0))}) m "
            "JOIN articles a ON a.id = m.id ORDER BY m.rank DESC, m.id DESC"
        )
        return list(await con.fetch(sql, *p.args))

    async def related_candidates(
        self, terms: Sequence[str], scope: Scope, limit: int = 200
    ) -> list[Candidate]:
        """Articles sharing the most (idf-weighted) key terms. Each term's matches come from the GIN
        index alone (no article's tsvector is read), at most a few times the term's expected document
        frequency: a stem broader than the caller's term ("ins" → "in") would otherwise bring half the
        store, so a term whose matches overflow that cap is left out instead of being counted."""
        plain = {_plain(t): t for t in reversed(terms)}  # lexeme text → the caller's term (first kept)
        words = [w for w in dict.fromkeys(_plain(t) for t in terms) if w]
        if not words or limit <= 0:
            return []
        async with self._conn("related pieces failed") as con:
            # each term's frequency as the caller weighed it (its bucket as given, not re-stemmed): a
            # stop word the statistics never counted must not pass for one in half the documents
            documents = int(
                await con.fetchval("SELECT value FROM search_meta WHERE key = 'vector_documents'") or 0
            )
            buckets = [bucket(plain[w]) for w in words]
            known = await con.fetch("SELECT bucket, df FROM term_df WHERE bucket = ANY($1::int[])", buckets)
            frequency = {int(r[0]): int(r[1]) for r in known}
            dfs = [float(frequency.get(b, 0)) for b in buckets]
            caps = [_posting_cap(df) for df in dfs]
            p = Params()
            async with con.transaction():
                # From the index only: the planner does not count reading a row's out-of-line tsvector,
                # so on a store of 1,000 articles it read every row once per term instead (40 ms).
                await con.execute("SET LOCAL enable_seqscan = off")
                postings = await con.fetch(
                    f"SELECT t.i, m.id, m.visible FROM unnest({p([_lexeme(w) for w in words])}::text[], "
                    f"{p(caps)}::int[]) WITH ORDINALITY AS t(q, cap, i) CROSS JOIN LATERAL "
                    f"(SELECT a.id, {scope_sql(scope, p, 'a.guild_id')} AS visible FROM articles a "
                    "WHERE a.tsv @@ to_tsquery('newsbot', t.q) LIMIT t.cap + 1) m",
                    *p.args,
                )
            chosen = _top_by_shared_terms(postings, [bm25_idf(documents, df) for df in dfs], caps, int(limit))
            if not chosen:
                return []
            p = Params()
            rows = await con.fetch(
                "SELECT a.id, a.title, a.published, a.source, a.guild_id, a.duplicate_of, "
                "v.version, v.terms, v.embedding FROM articles a "
                "LEFT JOIN article_vectors v ON v.article_id = a.id "
                f"WHERE a.id = ANY({p(chosen)}::bigint[]) AND {scope_sql(scope, p, 'a.guild_id')}",
                *p.args,
            )
        order = {article_id: i for i, article_id in enumerate(chosen)}
        rows = sorted(rows, key=lambda r: order[r["id"]])
        out: list[Candidate] = []
        for r in rows:
            vectors = (
                StoredVectors(r["id"], bytes(r["terms"]), bytes(r["embedding"]), int(r["version"]))
                if r["terms"] is not None
                else None
            )
            out.append(
                Candidate(
                    id=r["id"],
                    title=r["title"],
                    published=dt_from_db(r["published"]),
                    source=r["source"],
                    guild_id=r["guild_id"],
                    duplicate_of=r["duplicate_of"],
                    vectors=vectors,
                )
            )
        return out

    async def get_vectors(self, ids: Sequence[int]) -> dict[int, StoredVectors]:
        unique = list(dict.fromkeys(int(i) for i in ids))
        if not unique:
            return {}
        async with self._conn() as con:
            rows = await con.fetch(
                "SELECT article_id, version, terms, embedding FROM article_vectors "
                "WHERE article_id = ANY($1::bigint[])",
                unique,
            )
        return {r[0]: StoredVectors(r[0], bytes(r[2]), bytes(r[3]), int(r[1])) for r in rows}

    async def put_vectors(
        self, article_id: int, terms: bytes, embedding: bytes, buckets: Sequence[int], version: int
    ) -> None:
        new_buckets = sorted({int(b) for b in buckets})
        async with self._tx("cannot store vectors") as con:
            # the article row locked against a concurrent delete; nothing to index when it is gone
            if await con.fetchval("SELECT 1 FROM articles WHERE id = $1 FOR KEY SHARE", article_id) is None:
                return
            old = await con.fetchval(
                "SELECT terms FROM article_vectors WHERE article_id = $1 FOR UPDATE", article_id
            )
            if old is not None:
                old_buckets = sorted(
                    set(np.frombuffer(bytes(old), dtype="<u4", count=len(old) // 6).tolist())
                )
                await con.execute(
                    "UPDATE term_df SET df = greatest(df - 1, 0) WHERE bucket = ANY($1::int[])", old_buckets
                )
            else:
                await con.execute("UPDATE search_meta SET value = value + 1 WHERE key = 'vector_documents'")
            await con.execute(
                "INSERT INTO article_vectors (article_id, version, terms, embedding) VALUES ($1,$2,$3,$4) "
                "ON CONFLICT (article_id) DO UPDATE SET version = excluded.version, terms = excluded.terms, "
                "embedding = excluded.embedding",
                article_id,
                version,
                terms,
                embedding,
            )
            if new_buckets:
                await con.execute(
                    "INSERT INTO term_df (bucket, df) SELECT b, 1 FROM unnest($1::int[]) b "
                    "ON CONFLICT (bucket) DO UPDATE SET df = term_df.df + 1",
                    new_buckets,
                )

    async def term_stats(self) -> TermStats:
        async with self._conn() as con:
            documents = int(
                await con.fetchval("SELECT value FROM search_meta WHERE key = 'vector_documents'") or 0
            )
            rows = await con.fetch("SELECT bucket, df FROM term_df WHERE df > 0")
        buckets = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        dfs = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        return TermStats(documents, buckets, dfs)

    async def copies_of(self, ids: Sequence[int], scope: Scope) -> dict[int, list[int]]:
        unique = list(dict.fromkeys(int(i) for i in ids))
        if not unique:
            return {}
        p = Params()
        sql = (
            f"SELECT id, duplicate_of FROM articles WHERE duplicate_of = ANY({p(unique)}::bigint[]) "
            f"AND {scope_sql(scope, p)} ORDER BY id"
        )
        async with self._conn() as con:
            rows = await con.fetch(sql, *p.args)
        out: dict[int, list[int]] = {}
        for r in rows:
            out.setdefault(int(r[1]), []).append(int(r[0]))
        return out

    async def ids_without_vectors(self, scope: Scope, version: int, limit: int = 500) -> list[int]:
        p = Params()
        sql = (
            "SELECT a.id FROM articles a LEFT JOIN article_vectors v ON v.article_id = a.id "
            f"WHERE (v.article_id IS NULL OR v.version < {p(version)}) AND {scope_sql(scope, p, 'a.guild_id')} "
            f"ORDER BY a.id LIMIT {p(limit)}"
        )
        async with self._conn() as con:
            return [int(r[0]) for r in await con.fetch(sql, *p.args)]

    async def recent_embeddings(self, limit: int) -> list[bytes]:
        async with self._conn() as con:
            rows = await con.fetch(
                "SELECT embedding FROM article_vectors ORDER BY article_id DESC LIMIT $1", max(int(limit), 0)
            )
        return [bytes(r[0]) for r in rows]

    async def indexed_documents(self) -> int:
        async with self._conn() as con:
            return int(
                await con.fetchval("SELECT value FROM search_meta WHERE key = 'vector_documents'") or 0
            )


async def _visible_share(con: asyncpg.Connection, scope: Scope, filters: SearchFilters, newest: int) -> float:
    """The share of articles in scope that pass the filters, as the planner estimates it (its
    statistics know how many articles a server shares, how common a source is, what a date range holds)."""
    p = Params()
    where = [scope_sql(scope, p, "a.guild_id"), *filters_sql(filters, p)]
    return 1.0 if where == ["TRUE"] else await _planned_share(con, where, p, newest)


async def _planned_share(con: asyncpg.Connection, where: list[str], p: Params, newest: int) -> float:
    """The planner's estimate of the share of articles meeting `where` (no row is read)."""
    if newest <= 0:
        return 1.0
    sql = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM articles a WHERE {' AND '.join(where)}"
    plan = json.loads(await con.fetchval(sql, *p.args))
    return min(1.0, float(plan[0]["Plan"]["Plan Rows"]) / newest)


def _posting_cap(df: float) -> int:
    """How many matches a related-piece term may bring: its expected documents with room for the
    stemmer's wider net (kills, killed, killing are one lexeme here), and never fewer than a few."""
    return int(max(RELATED_BROADNESS * df, df + RELATED_SLACK))


def _top_by_shared_terms(
    postings: Sequence[asyncpg.Record], idfs: Sequence[float], caps: Sequence[int], limit: int
) -> list[int]:
    """Ids of the visible articles with the highest summed idf of the terms they share, best first
    (ties: newest first); a term with more postings than its cap is too broad and counts for none."""
    per_term: dict[int, list[tuple[int, bool]]] = {}
    for r in postings:
        per_term.setdefault(int(r[0]) - 1, []).append((int(r[1]), bool(r[2])))
    score: dict[int, float] = {}
    for i, hits in per_term.items():
        if len(hits) > caps[i]:
            continue
        for article_id, visible in hits:
            if visible:
                score[article_id] = score.get(article_id, 0.0) + idfs[i]
    ranked = sorted(score.items(), key=lambda kv: (-kv[1], -kv[0]))
    return [article_id for article_id, _ in ranked[:limit]]


async def phrase_pairs(con: asyncpg.Connection, query: ParsedQuery) -> tuple[str | None, bool]:
    """tsquery text of the adjacent-lexeme pairs (`articles.tsp`) every match must hold: those of each
    phrase the query requires (not one among alternatives), None when it requires none; and whether the
    pairs alone are the whole query (only two-word phrases: a pair is exactly where its words are
    adjacent). A phrase word that is not exactly one lexeme leaves its phrase to the positional check."""
    phrases = [
        g[0].tokens
        for g in query.required()
        if len(g) == 1 and g[0].kind == "phrase" and len(g[0].tokens) >= 2
    ]
    if not phrases:
        return None, False
    rows = await con.fetch(
        "SELECT t, array(SELECT lexeme FROM unnest(to_tsvector('newsbot', newsbot_fold(t)))) "
        "FROM unnest($1::text[]) t",
        sorted({t for tokens in phrases for t in tokens}),
    )
    lexeme = {r[0]: r[1][0] for r in rows if len(r[1]) == 1}
    pairs: list[str] = []
    for tokens in phrases:
        if all(t in lexeme for t in tokens):
            pairs.extend(f"{lexeme[a]}~{lexeme[b]}" for a, b in zip(tokens, tokens[1:], strict=False))
    exact = len(pairs) == len(phrases) == len(query.terms) and all(len(t) == 2 for t in phrases)
    return " & ".join(_lexeme(pair) for pair in dict.fromkeys(pairs)) or None, exact


@dataclass(frozen=True, slots=True)
class Match:
    """A search as SQL: the parsed query, its tsquery text, and the pairs of the phrases it requires
    (with whether those pairs are the whole query), from `phrase_pairs`."""

    query: ParsedQuery
    expr: str
    pairs: str | None = None
    exact: bool = False

    def condition(self, p: Params) -> str:
        """The full-text condition on `articles a`. With phrase pairs, their index finds the candidates
        and the whole query is checked on those rows alone (`ts_match_vq` is the @@ the planner cannot
        turn into a scan of every word's posting list), unless the pairs are the whole query."""
        if self.pairs is not None and self.exact:
            return f"a.tsp @@ {p(self.pairs)}::tsquery"
        q = f"to_tsquery('newsbot', {p(self.expr)})"
        if self.pairs is None:
            return f"a.tsv @@ {q}"
        return f"a.tsp @@ {p(self.pairs)}::tsquery AND ts_match_vq(a.tsv, {q})"


def _plain(term: str) -> str:
    """A related-piece term as one lexeme: letters and digits only."""
    return "".join(c for c in term if c.isalnum())


def _marked(snippet: str | None, marker: tuple[str, str]) -> str:
    text = " ".join((snippet or "").split())
    return text.replace(_GAP, " … ").replace(_OPEN, marker[0]).replace(_CLOSE, marker[1]).replace("  ", " ")


def topic_where(
    query: ParsedQuery, filters: SearchFilters, scope: Scope, p: Params, after_id: int, up_to_id: int | None
) -> tuple[str, str] | None:
    """The WHERE clause of topic matches and the tsquery expression, or None when nothing can match."""
    expr = ts_expression(query)
    if expr is None:
        return None
    q = f"to_tsquery('newsbot', {p(expr)})"
    where: list[Any] = [
        f"a.tsv @@ {q}",
        f"a.id > {p(after_id)}",
        scope_sql(scope, p, "a.guild_id"),
        "a.duplicate_of IS NULL",
        *filters_sql(filters, p),
    ]
    if up_to_id is not None:
        where.append(f"a.id <= {p(up_to_id)}")
    return " AND ".join(where), q
