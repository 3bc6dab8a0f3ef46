"""Topics (saved searches on a schedule) for the PostgreSQL backend (mixed into PostgresStore)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.search.types import ParsedQuery, SearchFilters, SearchHit
from bot.store.base import Scope
from bot.store.codec import TOPIC_COLUMNS, dt_from_db, dt_normal, now_utc, topic_from_row
from bot.store.postgres.search import PostgresSearchMixin, topic_where
from bot.store.postgres.sql import Params
from bot.topics.types import Topic

_WRITE_COLS = TOPIC_COLUMNS.removeprefix("id, ").split(", ")
_INSERT = f"INSERT INTO topics ({', '.join(_WRITE_COLS)}) VALUES ({','.join(f'${i}' for i in range(1, len(_WRITE_COLS) + 1))})"


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
        bool(t.thread),
        t.created_by,
        dt_normal(t.created_at or now_utc()),
        dt_normal(t.next_run_at) if not t.paused_reason else None,
        dt_normal(t.last_run_at),
        t.last_article_id,
        t.paused_reason,
        json.dumps(t.pending, ensure_ascii=False) if t.pending is not None else None,
        t.failures,
        bool(t.briefing),
    )


class PostgresTopicsMixin(PostgresSearchMixin):
    async def add_topic(self, topic: Topic) -> Topic:
        async with self._tx("cannot save topic") as con:
            topic.id = int(await con.fetchval(_INSERT + " RETURNING id", *_values(topic)))
        return topic

    async def add_topics(self, topics: list[Topic]) -> None:
        async with self._tx("cannot save topics") as con:
            await con.executemany(_INSERT, [_values(t) for t in topics])

    async def update_topic(self, topic: Topic) -> None:
        sets = ", ".join(f"{c}=${i}" for i, c in enumerate(_WRITE_COLS, start=1))
        async with self._tx("cannot save topic") as con:
            await con.execute(
                f"UPDATE topics SET {sets} WHERE id=${len(_WRITE_COLS) + 1}", *_values(topic), topic.id
            )

    async def get_topic(
        self, topic_id: int, guild_id: int | None, *, everything: bool = True
    ) -> Topic | None:
        p = Params()
        where = f"id = {p(topic_id)}"
        if not everything:
            where += f" AND guild_id IS NOT DISTINCT FROM {p(guild_id)}"
        async with self._conn() as con:
            row = await con.fetchrow(f"SELECT {TOPIC_COLUMNS} FROM topics WHERE {where}", *p.args)
        return topic_from_row(row) if row else None

    async def list_topics(self, guild_id: int | None, *, everything: bool = False) -> list[Topic]:
        p = Params()
        where = "TRUE" if everything else f"guild_id IS NOT DISTINCT FROM {p(guild_id)}"
        async with self._conn() as con:
            rows = await con.fetch(f"SELECT {TOPIC_COLUMNS} FROM topics WHERE {where} ORDER BY id", *p.args)
        return [topic_from_row(r) for r in rows]

    async def delete_topic(self, topic_id: int, guild_id: int | None, *, everything: bool = False) -> bool:
        p = Params()
        where = f"id = {p(topic_id)}"
        if not everything:
            where += f" AND guild_id IS NOT DISTINCT FROM {p(guild_id)}"
        async with self._tx("cannot delete topic") as con:
            done = await con.execute(f"DELETE FROM topics WHERE {where}", *p.args)
        return not done.endswith(" 0")

    async def due_topics(self, now: datetime, limit: int = 500) -> list[Topic]:
        async with self._conn() as con:
            rows = await con.fetch(
                f"SELECT {TOPIC_COLUMNS} FROM topics WHERE next_run_at IS NOT NULL AND next_run_at <= $1 "
                "ORDER BY next_run_at, id LIMIT $2",
                dt_normal(now),
                limit,
            )
        return [topic_from_row(r) for r in rows]

    async def next_topic_run(self) -> datetime | None:
        async with self._conn() as con:
            return dt_from_db(
                await con.fetchval("SELECT min(next_run_at) FROM topics WHERE next_run_at IS NOT NULL")
            )

    async def max_article_id(self) -> int:
        async with self._conn() as con:
            return int(await con.fetchval("SELECT coalesce(max(id), 0) FROM articles"))

    async def last_article_id_before(self, when: datetime) -> int:
        async with self._conn() as con:
            return int(
                await con.fetchval(
                    "SELECT coalesce(max(id), 0) FROM articles WHERE ingested_at < $1", dt_normal(when)
                )
            )

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
        p = Params()
        built = topic_where(query, filters, scope, p, after_id, up_to_id)
        if built is None:
            return []
        where, _ = built
        async with self._conn("topic search failed") as con:
            rank = await self._rank_sql(con, query, p, "a.tsv")
            rows = await con.fetch(
                f"SELECT a.id, a.title, a.published, a.source, a.guild_id, {rank} AS rank FROM articles a "
                f"WHERE {where} ORDER BY rank DESC, a.id LIMIT {p(limit)}",
                *p.args,
            )
        return [
            SearchHit(
                r["id"],
                r["title"],
                "",
                float(r["rank"]),
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
        p = Params()
        built = topic_where(query, filters, scope, p, after_id, up_to_id)
        if built is None:
            return 0
        async with self._conn("topic search failed") as con:
            return int(await con.fetchval(f"SELECT count(*) FROM articles a WHERE {built[0]}", *p.args))
