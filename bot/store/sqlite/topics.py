"""Topics (saved searches on a schedule) for the SQLite backend (mixed into SQLiteStore).

`due_topics` and `next_topic_run` use a partial index on `next_run_at` (paused topics have none), so
picking the due ones stays an index range scan however many topics are stored."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import aiosqlite

from bot.errors import StoreError
from bot.search.types import ParsedQuery, SearchFilters, SearchHit
from bot.store.base import Scope
from bot.store.codec import TOPIC_COLUMNS, dt_from_db, dt_to_db, now_utc, topic_from_row
from bot.store.sqlite.scope import scope_clause
from bot.store.sqlite.search import _filters, fts_expression
from bot.topics.types import Topic

if TYPE_CHECKING:
    from bot.store.sqlite.tx import Transaction


def _values(t: Topic) -> tuple[Any, ...]:
    s = t.schedule
    return (
        t.guild_id,
        t.channel_id,
        t.name,
        t.query,
        json.dumps(t.filters, ensure_ascii=False),
        s.every,
        s.hour,
        s.minute,
        s.timezone,
        s.weekday,
        t.mention_role_id,
        int(t.thread),
        t.created_by,
        dt_to_db(t.created_at or now_utc()),
        dt_to_db(t.next_run_at) if not t.paused_reason else None,
        dt_to_db(t.last_run_at),
        t.last_article_id,
        t.paused_reason,
        json.dumps(t.pending, ensure_ascii=False) if t.pending is not None else None,
        t.failures,
        int(t.briefing),
    )


class SQLiteTopicsMixin:
    @property
    def db(self) -> aiosqlite.Connection:  # provided by SQLiteStore
        raise NotImplementedError

    async def _transaction(self) -> Transaction:  # provided by SQLiteStore
        raise NotImplementedError

    async def add_topic(self, topic: Topic) -> Topic:
        async with await self._transaction():
            cur = await self.db.execute(
                f"INSERT INTO topics ({TOPIC_COLUMNS.removeprefix('id, ')}) VALUES ({','.join('?' * 21)})",
                _values(topic),
            )
            topic.id = cast(int, cur.lastrowid)
        return topic

    async def add_topics(self, topics: list[Topic]) -> None:
        """Bulk insert (benchmarks, imports)."""
        async with await self._transaction():
            await self.db.executemany(
                f"INSERT INTO topics ({TOPIC_COLUMNS.removeprefix('id, ')}) VALUES ({','.join('?' * 21)})",
                [_values(t) for t in topics],
            )

    async def update_topic(self, topic: Topic) -> None:
        sets = ", ".join(f"{c}=?" for c in TOPIC_COLUMNS.removeprefix("id, ").split(", "))
        async with await self._transaction():
            await self.db.execute(f"UPDATE topics SET {sets} WHERE id=?", (*_values(topic), topic.id))

    async def get_topic(
        self, topic_id: int, guild_id: int | None, *, everything: bool = True
    ) -> Topic | None:
        """With `everything` False only a topic of `guild_id` is found (a server never sees another's)."""
        where = "id = ?"
        params: list[int | None] = [topic_id]
        if not everything:
            where += " AND guild_id IS ?"
            params.append(guild_id)
        async with self.db.execute(f"SELECT {TOPIC_COLUMNS} FROM topics WHERE {where}", params) as cur:
            row = await cur.fetchone()
        return topic_from_row(row) if row else None

    async def list_topics(self, guild_id: int | None, *, everything: bool = False) -> list[Topic]:
        where, params = ("1=1", []) if everything else ("guild_id IS ?", [guild_id])
        async with self.db.execute(
            f"SELECT {TOPIC_COLUMNS} FROM topics WHERE {where} ORDER BY id", params
        ) as cur:
            return [topic_from_row(r) for r in await cur.fetchall()]

    async def delete_topic(self, topic_id: int, guild_id: int | None, *, everything: bool = False) -> bool:
        where, params = (
            ("id = ?", [topic_id]) if everything else ("id = ? AND guild_id IS ?", [topic_id, guild_id])
        )
        async with await self._transaction():
            cur = await self.db.execute(f"DELETE FROM topics WHERE {where}", params)
            return cur.rowcount > 0

    async def due_topics(self, now: datetime, limit: int = 500) -> list[Topic]:
        async with self.db.execute(
            f"SELECT {TOPIC_COLUMNS} FROM topics WHERE next_run_at IS NOT NULL AND next_run_at <= ? "
            "ORDER BY next_run_at LIMIT ?",
            (dt_to_db(now), limit),
        ) as cur:
            return [topic_from_row(r) for r in await cur.fetchall()]

    async def next_topic_run(self) -> datetime | None:
        async with self.db.execute(
            "SELECT min(next_run_at) FROM topics WHERE next_run_at IS NOT NULL"
        ) as cur:
            row = await cur.fetchone()
        return dt_from_db(row[0]) if row and row[0] else None

    async def max_article_id(self) -> int:
        async with self.db.execute("SELECT coalesce(max(id), 0) FROM articles") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    def _match_sql(
        self, query: ParsedQuery, filters: SearchFilters, scope: Scope, after_id: int, up_to_id: int | None
    ) -> tuple[str, list[Any]] | None:
        expr = fts_expression(query)
        if expr is None:
            return None
        clause, params = scope_clause(scope, "a.guild_id")
        extra, extra_params = _filters(filters)
        where = ["articles_fts MATCH ?", "f.rowid > ?", clause, "a.duplicate_of IS NULL", *extra]
        args: list[Any] = [expr, after_id, *params, *extra_params]
        if up_to_id is not None:
            where.append("f.rowid <= ?")
            args.append(up_to_id)
        return " AND ".join(where), args

    async def topic_matches(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        scope: Scope,
        *,
        after_id: int,
        up_to_id: int | None = None,
        limit: int = 25,
    ) -> list[SearchHit]:
        built = self._match_sql(query, filters, scope, after_id, up_to_id)
        if built is None:
            return []
        where, args = built
        sql = (
            "SELECT a.id, a.title, a.published, a.source, a.guild_id, f.rank AS rank "
            f"FROM articles_fts f JOIN articles a ON a.id = f.rowid WHERE {where} ORDER BY f.rank, a.id LIMIT ?"
        )
        try:
            async with self.db.execute(sql, [*args, limit]) as cur:
                rows = await cur.fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreError(f"topic search failed: {exc}") from exc
        return [
            SearchHit(
                r["id"],
                r["title"],
                "",
                -float(r["rank"]),
                dt_from_db(r["published"]),
                r["source"],
                r["guild_id"],
            )
            for r in rows
        ]

    async def count_topic_matches(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        scope: Scope,
        *,
        after_id: int,
        up_to_id: int | None = None,
    ) -> int:
        built = self._match_sql(query, filters, scope, after_id, up_to_id)
        if built is None:
            return 0
        where, args = built
        sql = f"SELECT count(*) FROM articles_fts f JOIN articles a ON a.id = f.rowid WHERE {where}"
        async with self.db.execute(sql, args) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def last_article_id_before(self, when: datetime) -> int:
        """The largest id ingested before `when` (previews: "what came in since then")."""
        async with self.db.execute(
            "SELECT coalesce(max(id), 0) FROM articles WHERE ingested_at < ?", (dt_to_db(when),)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0
