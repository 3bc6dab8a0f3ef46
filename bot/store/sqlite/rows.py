"""Raw rows out and in (for `newsbot migrate`), and the leases that let several processes share due work.

Rows follow bot/store/rows.py: neutral values, keyed batches in key order. Leases (schema step 7) are
rows `(kind, item_id, owner, until)`: a claim takes due items nobody else holds (or whose holder's lease
ran out) in one write transaction, so two processes never hold the same item. A SQLite database has one
working process, whose owner name stays the same across restarts (bot/leases.py), so a restart after a
crash takes its own leftover leases over at once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.store.codec import dt_to_db
from bot.store.rows import Job, Key, Kind, Row, table, to_datetime

if TYPE_CHECKING:
    from bot.store.sqlite.tx import Transaction

_DUE_SQL = {
    "topic": "SELECT id FROM topics WHERE next_run_at IS NOT NULL AND next_run_at <= :now "
    "AND id NOT IN (SELECT item_id FROM leases WHERE kind = 'topic' AND until > :now AND owner <> :owner) "
    "ORDER BY next_run_at, id LIMIT :limit",
    "feed": "SELECT f.id FROM feeds f WHERE f.paused_reason IS NULL AND f.next_poll_at <= :now "
    "AND EXISTS (SELECT 1 FROM feed_subscriptions s WHERE s.feed_id = f.id AND s.paused_reason IS NULL) "
    "AND f.id NOT IN (SELECT item_id FROM leases WHERE kind = 'feed' AND until > :now AND owner <> :owner) "
    "ORDER BY f.next_poll_at, f.id LIMIT :limit",
    "job": "SELECT id FROM jobs WHERE done_at IS NULL "
    "AND id NOT IN (SELECT item_id FROM leases WHERE kind = 'job' AND until > :now AND owner <> :owner) "
    "ORDER BY id LIMIT :limit",
}


def _from_sqlite(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return to_datetime(value)
    if kind == "json":
        return json.loads(value)
    if kind == "bool":
        return bool(value)
    if kind == "blob":
        return bytes(value)
    return value


def _to_sqlite(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":  # as dt_to_db, keeping fractions of a second another backend stored
        return to_datetime(value).astimezone(UTC).isoformat()  # type: ignore[union-attr]
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if kind == "bool":
        return int(bool(value))
    return value


class SQLiteRowsMixin:
    """Mixed into SQLiteStore, which provides `db` and `_transaction`."""

    @property
    def db(self) -> aiosqlite.Connection:  # provided by SQLiteStore
        raise NotImplementedError

    async def _transaction(self) -> Transaction:  # provided by SQLiteStore
        raise NotImplementedError

    # --- raw rows ------------------------------------------------------------------------------
    async def export_rows(self, table_name: str, after: Key | None, limit: int) -> list[Row]:
        spec = table(table_name)
        columns = ", ".join(spec.column_names)
        key = ", ".join(spec.key)
        where, params = "", []
        if after is not None:
            where = f"WHERE ({key}) > ({', '.join('?' * len(spec.key))})"
            params = list(after)
        sql = f"SELECT {columns} FROM {spec.name} {where} ORDER BY {key} LIMIT ?"
        async with self.db.execute(sql, [*params, limit]) as cur:
            rows = await cur.fetchall()
        return [
            {name: _from_sqlite(kind, row[i]) for i, (name, kind) in enumerate(spec.columns)} for row in rows
        ]

    async def import_rows(self, table_name: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        spec = table(table_name)
        columns = ", ".join(spec.column_names)
        marks = ", ".join("?" * len(spec.columns))
        verb = "INSERT OR REPLACE" if spec.upsert else "INSERT"
        sql = f"{verb} INTO {spec.name} ({columns}) VALUES ({marks})"
        values = [[_to_sqlite(kind, row.get(name)) for name, kind in spec.columns] for row in rows]
        async with await self._transaction():
            await self.db.executemany(sql, values)

    async def last_row_key(self, table_name: str) -> Key | None:
        spec = table(table_name)
        key = ", ".join(spec.key)
        order = ", ".join(f"{k} DESC" for k in spec.key)
        async with self.db.execute(f"SELECT {key} FROM {spec.name} ORDER BY {order} LIMIT 1") as cur:
            row = await cur.fetchone()
        return tuple(row) if row is not None else None

    # --- leases --------------------------------------------------------------------------------
    async def claim_due(
        self, kind: str, now: datetime, owner: str, until: datetime, limit: int = 100
    ) -> list[int]:
        if kind not in _DUE_SQL:
            raise ValueError(f"unknown kind of work {kind!r}")
        at, until_at = dt_to_db(now), dt_to_db(until)
        async with await self._transaction():
            async with self.db.execute(_DUE_SQL[kind], {"now": at, "owner": owner, "limit": limit}) as cur:
                ids = [int(r[0]) for r in await cur.fetchall()]
            await self.db.executemany(
                "INSERT OR REPLACE INTO leases (kind, item_id, owner, until) VALUES (?, ?, ?, ?)",
                [(kind, i, owner, until_at) for i in ids],
            )
        return ids

    async def claim(self, kind: str, item_id: int, owner: str, now: datetime, until: datetime) -> bool:
        at, until_at = dt_to_db(now), dt_to_db(until)
        async with await self._transaction():
            cur = await self.db.execute(
                "INSERT INTO leases (kind, item_id, owner, until) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, item_id) DO UPDATE SET owner = excluded.owner, until = excluded.until "
                "WHERE leases.until <= ? OR leases.owner = excluded.owner",
                (kind, item_id, owner, until_at, at),
            )
            return cur.rowcount > 0

    async def renew_claims(self, owner: str, until: datetime) -> int:
        async with await self._transaction():
            cur = await self.db.execute(
                "UPDATE leases SET until = ? WHERE owner = ?", (dt_to_db(until), owner)
            )
            return cur.rowcount

    async def release_claim(self, kind: str, item_id: int, owner: str) -> None:
        async with await self._transaction():
            await self.db.execute(
                "DELETE FROM leases WHERE kind = ? AND item_id = ? AND owner = ?", (kind, item_id, owner)
            )

    # --- jobs handed from a gateway process to workers -------------------------------------------
    async def enqueue_job(self, kind: str, payload: dict[str, Any], now: datetime) -> int:
        async with await self._transaction():
            cur = await self.db.execute(
                "INSERT INTO jobs (kind, payload, created_at) VALUES (?, ?, ?)",
                (kind, json.dumps(payload, ensure_ascii=False), dt_to_db(now)),
            )
            return int(cur.lastrowid or 0)

    async def get_job(self, job_id: int) -> Job | None:
        sql = "SELECT id, kind, payload, created_at, done_at FROM jobs WHERE id = ?"
        async with self.db.execute(sql, (job_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return Job(int(row[0]), row[1], json.loads(row[2]), to_datetime(row[3]), to_datetime(row[4]))  # type: ignore[arg-type]

    async def finish_job(self, job_id: int, now: datetime) -> None:
        async with await self._transaction():
            await self.db.execute("UPDATE jobs SET done_at = ? WHERE id = ?", (dt_to_db(now), job_id))
