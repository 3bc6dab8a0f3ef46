"""Search and related-piece queries for the SQLite backend: FTS5 expressions are built here from a
`ParsedQuery` (never from user text), so FTS5 syntax stays inside bot/store/."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiosqlite
import numpy as np

from bot.errors import StoreError
from bot.search.types import (
    PROBE_ROWS,
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
from bot.store.codec import dt_from_db, dt_to_db
from bot.store.sqlite.scope import scope_clause

if TYPE_CHECKING:
    from bot.store.sqlite.tx import Transaction

log = logging.getLogger(__name__)

_SNIPPET_TOKENS = 24
_MAX_IN = 500  # SQLite host-parameter batches
_MAX_PROBES = 8
_COSTLY_POSTINGS = 250_000  # estimated postings above which bm25's whole-index counting costs > ~8 ms


def fts_term(term: QueryTerm) -> str:
    """One term as FTS5 text; tokens are letters/digits only, quoting makes keywords plain words."""
    quoted = '"' + " ".join(term.tokens).replace('"', '""') + '"'
    return quoted + "*" if term.kind == "prefix" else quoted


def fts_expression(query: ParsedQuery, column: str | None = None) -> str | None:
    """AND of the positive terms (alternatives OR-ed in brackets), then NOT each excluded term; None when
    nothing positive remains. With `column`, the positive terms must match in that column (exclusions
    still apply anywhere)."""
    positive = [
        fts_term(g[0]) if len(g) == 1 else "(" + " OR ".join(fts_term(t) for t in g) + ")"
        for g in query.required()
    ]
    if not positive:
        return None
    expr = " AND ".join(positive)
    if column is not None:
        expr = "{" + column + "} : (" + expr + ")"
    for term in query.negative:
        expr = f"({expr}) NOT {fts_term(term)}"
    return expr


def fts_any(words: Sequence[str]) -> str | None:
    """OR of plain words (for related-piece candidates)."""
    quoted = ['"' + w.replace('"', "") + '"' for w in words if w and w.replace('"', "").strip()]
    return " OR ".join(quoted) if quoted else None


def _scope(scope: Scope, column: str) -> tuple[str, list[Any]]:
    return scope_clause(scope, column)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filters(filters: SearchFilters) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if filters.source:
        where.append("a.source = ? COLLATE NOCASE")
        params.append(filters.source.strip())
    if filters.section:
        where.append("a.section = ? COLLATE NOCASE")
        params.append(filters.section.strip())
    if filters.author:
        # authors is a JSON list; a case-insensitive substring of it is what people mean by "by Smith".
        where.append("a.authors LIKE ? ESCAPE '\\'")
        params.append(f"%{_like_escape(filters.author.strip())}%")
    if filters.language:
        lang = filters.language.strip().lower()
        where.append("(lower(a.language) = ? OR lower(a.language) LIKE ? ESCAPE '\\')")
        params.extend([lang, f"{_like_escape(lang)}-%"])
    if filters.since:
        where.append("a.published >= ?")
        params.append(dt_to_db(filters.since))
    if filters.until:
        where.append("a.published < ?")
        params.append(dt_to_db(filters.until))
    return where, params


class SQLiteSearchMixin:
    """Mixed into SQLiteStore; relies on its `db` connection and `_transaction()`."""

    @property
    def db(self) -> aiosqlite.Connection:  # provided by SQLiteStore
        raise NotImplementedError

    async def _transaction(self) -> Transaction:  # provided by SQLiteStore
        raise NotImplementedError

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
        expr = fts_expression(query)
        if expr is None or limit <= 0:
            return []
        clause, params = _scope(scope, "a.guild_id")
        copy_clause, copy_params = _scope(scope, "o.guild_id")
        extra, extra_params = _filters(filters)
        where = " AND ".join(
            [
                "articles_fts MATCH ?",
                clause,
                # A stored copy is shown under its original, unless that original is out of sight.
                "(a.duplicate_of IS NULL OR NOT EXISTS "
                f"(SELECT 1 FROM articles o WHERE o.id = a.duplicate_of AND {copy_clause}))",
                *extra,
            ]
        )
        sql = (
            "SELECT a.id, a.title, a.published, a.source, a.guild_id, f.rank AS rank, "
            f"snippet(articles_fts, -1, ?, ?, '…', {_SNIPPET_TOKENS}) AS snip "
            f"FROM articles_fts f CROSS JOIN articles a ON a.id = f.rowid WHERE {where} "
            "AND f.rowid > ? ORDER BY f.rank LIMIT ? OFFSET ?"
        )
        if not await self._any_row(filters):
            return []  # no article passes the filters: skip ranking the whole index for nothing
        async with self.db.execute("SELECT max(id) FROM articles") as cur:
            row = await cur.fetchone()
        newest = int(row[0] or 0) if row else 0
        window, expected = await self._probed_window(query, expr, newest, window)
        # The cheaper order only pays when the first window fills the page; a rare match among common
        # words ("down election") widens to the whole index, where bm25's single pass is cheaper.
        cheap = (
            window is not None
            and (expected is None or expected >= limit + max(int(offset), 0))
            and await self._bm25_is_costly(query, newest)
        )
        # Rank among the newest `window` rows first (bounded cost for very broad queries), widening
        # fourfold until the page is full or the whole index was ranked.
        span = max(int(window), 1) if window is not None else None
        while True:
            floor = newest - span if span is not None and span < newest else 0
            if cheap:
                rows = await self._tiered_rows(
                    query, sql, floor, marker, params, copy_params, extra_params, limit, offset
                )
            else:
                rows = await self._search_rows(
                    sql, expr, floor, marker, params, copy_params, extra_params, limit, offset
                )
            if floor == 0 or len(rows) >= limit or span is None:
                break
            span *= 4
        return [
            SearchHit(
                id=r["id"],
                title=r["title"],
                snippet=" ".join((r["snip"] or "").split()),
                score=-float(r["rank"]),
                published=dt_from_db(r["published"]),
                source=r["source"],
                guild_id=r["guild_id"],
            )
            for r in rows
        ]

    async def _probed_window(
        self, query: ParsedQuery, expr: str, newest: int, window: int | None
    ) -> tuple[int | None, float | None]:
        """The caller's window, narrowed when the query's matches among the newest rows show it is
        broader than estimated (the caller's term statistics do not stem like the index: "recordings"
        looks rare there, but the index matches every "record"); with the matches expected inside it
        (None when not probed). Prefix queries are not probed: counting them merges every term they
        expand to."""
        span = min(PROBE_ROWS, newest)
        if span <= 0 or span >= newest or any(t.kind == "prefix" for t in query.positive):
            return window, None
        return probed_window(window, await self._count_recent(expr, newest - span), span, newest)

    async def _count_recent(self, expr: str, floor: int) -> int:
        async with self.db.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ? AND rowid > ?", (expr, floor)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _bm25_is_costly(self, query: ParsedQuery, newest: int) -> bool:
        """Whether bm25 would walk long document lists. bm25 counts each phrase's documents across the
        whole index, even when only a window of rows is ranked: at 1M articles "for" costs ~30 ms,
        `"for years"` ~65 ms, `conf*` ~25 ms on top of the match. Each token's frequency is estimated from
        its matches among the newest rows (the index's own stemming, cheap: the rowid bound seeks)."""
        if any(t.kind == "prefix" for t in query.positive):
            return True  # a prefix's document count merges every term it expands to
        span = min(PROBE_ROWS, newest)
        if span <= 0:
            return False
        tokens = list(dict.fromkeys(tok for t in query.positive for tok in t.tokens))
        total = 0.0
        for token in tokens[:_MAX_PROBES]:
            word = '"' + token.replace('"', "") + '"'
            total += await self._count_recent(word, newest - span) * newest / span
            if total >= _COSTLY_POSTINGS:
                return True
        return False

    async def _tiered_rows(
        self,
        query: ParsedQuery,
        sql: str,
        floor: int,
        marker: tuple[str, str],
        params: list[Any],
        copy_params: list[Any],
        extra_params: list[Any],
        limit: int,
        offset: int,
    ) -> list[aiosqlite.Row]:
        """A cheaper order when bm25 is costly (only very common terms): matches in the title first, then
        matches in the text, newest first within each tier. Scores are the tier (2 title, 1 text)."""
        tiered = sql.replace("f.rank AS rank", "? AS rank").replace(
            "ORDER BY f.rank", "ORDER BY f.rowid DESC"
        )
        expr = fts_expression(query)
        title_expr = fts_expression(query, column="title")
        if expr is None or title_expr is None:
            return []
        want = max(int(offset), 0) + int(limit)
        rows: list[aiosqlite.Row] = []
        for score, tier_expr in ((-2.0, title_expr), (-1.0, f"({expr}) NOT ({title_expr})")):
            args = [score, *[marker[0], marker[1]], tier_expr, *params, *copy_params, *extra_params]
            args += [floor, want - len(rows), 0]
            try:
                async with self.db.execute(tiered, args) as cur:
                    rows.extend(await cur.fetchall())
            except sqlite3.OperationalError as exc:  # should not happen: the expression is ours
                log.error("full-text query failed", extra={"expr": tier_expr, "error": str(exc)})
                raise StoreError(f"search failed: {exc}") from exc
            if len(rows) >= want:
                break
        return rows[max(int(offset), 0) : want]

    async def _any_row(self, filters: SearchFilters) -> bool:
        """Cheap check through the indexed filters alone (source, section, dates), ignoring scope."""
        indexed = SearchFilters(
            source=filters.source, section=filters.section, since=filters.since, until=filters.until
        )
        where, params = _filters(indexed)
        if not where:
            return True
        async with self.db.execute(
            f"SELECT 1 FROM articles a WHERE {' AND '.join(where)} LIMIT 1", params
        ) as cur:
            return await cur.fetchone() is not None

    async def _search_rows(
        self,
        sql: str,
        expr: str,
        floor: int,
        marker: tuple[str, str],
        params: list[Any],
        copy_params: list[Any],
        extra_params: list[Any],
        limit: int,
        offset: int,
    ) -> list[aiosqlite.Row]:
        args = [
            marker[0],
            marker[1],
            expr,
            *params,
            *copy_params,
            *extra_params,
            floor,
            int(limit),
            max(int(offset), 0),
        ]
        try:
            async with self.db.execute(sql, args) as cur:
                return list(await cur.fetchall())
        except sqlite3.OperationalError as exc:  # should not happen: the expression is ours
            log.error("full-text query failed", extra={"expr": expr, "error": str(exc)})
            raise StoreError(f"search failed: {exc}") from exc

    async def related_candidates(
        self, terms: Sequence[str], scope: Scope, limit: int = 200
    ) -> list[Candidate]:
        expr = fts_any(terms)
        if expr is None or limit <= 0:
            return []
        clause, params = _scope(scope, "a.guild_id")
        sql = (
            "SELECT a.id, a.title, a.published, a.source, a.guild_id, a.duplicate_of, "
            "v.version, v.terms, v.embedding "
            # bm25() with the column weights of the configured rank, called directly: ~15 % cheaper
            "FROM (SELECT rowid AS rid, bm25(articles_fts, 4.0, 2.0, 1.0) AS rank FROM articles_fts "
            "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?) f "
            f"JOIN articles a ON a.id = f.rid LEFT JOIN article_vectors v ON v.article_id = a.id "
            f"WHERE {clause} ORDER BY f.rank"
        )
        if scope.everything:
            fetch = int(limit)
        else:  # rows of other servers are dropped after ranking; ask for more so the list stays full
            fetch = int(limit) * 2
        async with self.db.execute(sql, [expr, fetch, *params]) as cur:
            rows = list(await cur.fetchall())
        out: list[Candidate] = []
        for r in rows[:limit]:
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
        found: dict[int, StoredVectors] = {}
        unique = list(dict.fromkeys(int(i) for i in ids))
        for start in range(0, len(unique), _MAX_IN):
            chunk = unique[start : start + _MAX_IN]
            marks = ",".join("?" * len(chunk))
            async with self.db.execute(
                f"SELECT article_id, version, terms, embedding FROM article_vectors WHERE article_id IN ({marks})",
                chunk,
            ) as cur:
                for r in await cur.fetchall():
                    found[r[0]] = StoredVectors(r[0], bytes(r[2]), bytes(r[3]), int(r[1]))
        return found

    async def put_vectors(
        self, article_id: int, terms: bytes, embedding: bytes, buckets: Sequence[int], version: int
    ) -> None:
        new_buckets = sorted({int(b) for b in buckets})
        async with await self._transaction():
            async with self.db.execute(
                "SELECT terms FROM article_vectors WHERE article_id = ?", (article_id,)
            ) as cur:
                old = await cur.fetchone()
            async with self.db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)) as cur:
                if await cur.fetchone() is None:
                    return  # deleted meanwhile: nothing to index
            if old is not None:
                old_buckets = np.frombuffer(bytes(old[0]), dtype="<u4", count=len(old[0]) // 6).tolist()
                await self.db.executemany(
                    "UPDATE term_df SET df = max(df - 1, 0) WHERE bucket = ?", [(b,) for b in old_buckets]
                )
            else:
                await self.db.execute(
                    "UPDATE search_meta SET value = value + 1 WHERE key = 'vector_documents'"
                )
            await self.db.execute(
                "INSERT OR REPLACE INTO article_vectors (article_id, version, terms, embedding) VALUES (?,?,?,?)",
                (article_id, version, terms, embedding),
            )
            await self.db.executemany(
                "INSERT INTO term_df (bucket, df) VALUES (?, 1) ON CONFLICT(bucket) DO UPDATE SET df = df + 1",
                [(b,) for b in new_buckets],
            )

    async def term_stats(self) -> TermStats:
        async with self.db.execute("SELECT value FROM search_meta WHERE key = 'vector_documents'") as cur:
            row = await cur.fetchone()
        documents = int(row[0]) if row else 0
        buckets: list[int] = []
        dfs: list[int] = []
        async with self.db.execute("SELECT bucket, df FROM term_df WHERE df > 0") as cur:
            while True:
                rows = await cur.fetchmany(20_000)
                if not rows:
                    break
                buckets.extend(r[0] for r in rows)
                dfs.extend(r[1] for r in rows)
        return TermStats(documents, np.asarray(buckets, dtype=np.int64), np.asarray(dfs, dtype=np.int64))

    async def copies_of(self, ids: Sequence[int], scope: Scope) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        unique = list(dict.fromkeys(int(i) for i in ids))
        clause, params = _scope(scope, "guild_id")
        for start in range(0, len(unique), _MAX_IN):
            chunk = unique[start : start + _MAX_IN]
            marks = ",".join("?" * len(chunk))
            async with self.db.execute(
                f"SELECT id, duplicate_of FROM articles WHERE duplicate_of IN ({marks}) AND {clause} ORDER BY id",
                [*chunk, *params],
            ) as cur:
                for r in await cur.fetchall():
                    out.setdefault(int(r[1]), []).append(int(r[0]))
        return out

    async def ids_without_vectors(self, scope: Scope, version: int, limit: int = 500) -> list[int]:
        clause, params = _scope(scope, "a.guild_id")
        async with self.db.execute(
            "SELECT a.id FROM articles a LEFT JOIN article_vectors v ON v.article_id = a.id "
            f"WHERE (v.article_id IS NULL OR v.version < ?) AND {clause} ORDER BY a.id LIMIT ?",
            [version, *params, limit],
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    async def recent_embeddings(self, limit: int) -> list[bytes]:
        async with self.db.execute(
            "SELECT embedding FROM article_vectors ORDER BY article_id DESC LIMIT ?", (max(int(limit), 0),)
        ) as cur:
            return [bytes(r[0]) for r in await cur.fetchall()]

    async def indexed_documents(self) -> int:
        async with self.db.execute("SELECT value FROM search_meta WHERE key = 'vector_documents'") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0
