"""Raw rows out and in (for `newsbot migrate`) and leases on due work, for the PostgreSQL backend.

Rows follow bot/store/rows.py. Text keys are ordered with `COLLATE "C"` (bytewise, as SQLite's BINARY),
so a copy between the backends resumes from the same key on both sides. Imports use COPY (fast for
millions of dedupe bands) and move the identity sequences above the largest id imported.

Claims take due rows `FOR UPDATE SKIP LOCKED` (concurrent claimers pick different rows) and insert the
lease with `ON CONFLICT … WHERE until <= now`, so a claimer whose snapshot predates another's committed
lease still cannot take it over."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.store.postgres.sql import Pooled
from bot.store.rows import Job, Key, Kind, Row, TableSpec, table

_IDENTITY = {"articles", "duplicate_log", "feeds", "feed_subscriptions", "topics", "audit_log"}

_DUE_SQL = {
    "topic": "SELECT t.id AS id FROM topics t WHERE t.next_run_at IS NOT NULL AND t.next_run_at <= $1 "
    "AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.kind = 'topic' AND l.item_id = t.id AND l.until > $1 "
    "AND l.owner <> $2) "
    "ORDER BY t.next_run_at, t.id LIMIT $3 FOR UPDATE OF t SKIP LOCKED",
    "feed": "SELECT f.id AS id FROM feeds f WHERE f.paused_reason IS NULL AND f.next_poll_at <= $1 "
    "AND EXISTS (SELECT 1 FROM feed_subscriptions s WHERE s.feed_id = f.id AND s.paused_reason IS NULL) "
    "AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.kind = 'feed' AND l.item_id = f.id AND l.until > $1 "
    "AND l.owner <> $2) "
    "ORDER BY f.next_poll_at, f.id LIMIT $3 FOR UPDATE OF f SKIP LOCKED",
    "job": "SELECT j.id AS id FROM jobs j WHERE j.done_at IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.kind = 'job' AND l.item_id = j.id AND l.until > $1 "
    "AND l.owner <> $2) ORDER BY j.id LIMIT $3 FOR UPDATE OF j SKIP LOCKED",
}


def _from_pg(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "json":
        return json.loads(value)
    if kind == "datetime":
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if kind == "blob":
        return bytes(value)
    return value


def _to_pg(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if kind == "bool":
        return bool(value)
    if kind == "datetime" and isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def _key_expr(spec: TableSpec, column: str) -> str:
    kind = dict(spec.columns)[column]
    return f'{column} COLLATE "C"' if kind == "text" else column


class PostgresRowsMixin(Pooled):
    # --- raw rows ------------------------------------------------------------------------------
    async def export_rows(self, table_name: str, after: Key | None, limit: int) -> list[Row]:
        spec = table(table_name)
        keys = [_key_expr(spec, k) for k in spec.key]
        args: list[Any] = []
        where = ""
        if after is not None:
            args = list(after)
            marks = ", ".join(f"${i + 1}" for i in range(len(args)))
            where = f"WHERE ({', '.join(keys)}) > ({marks})"
        args.append(limit)
        sql = (
            f"SELECT {', '.join(spec.column_names)} FROM {spec.name} {where} "
            f"ORDER BY {', '.join(keys)} LIMIT ${len(args)}"
        )
        async with self._conn("cannot read rows") as con:
            rows = await con.fetch(sql, *args)
        return [{name: _from_pg(kind, row[name]) for name, kind in spec.columns} for row in rows]

    async def import_rows(self, table_name: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        spec = table(table_name)
        records = [tuple(_to_pg(kind, row.get(name)) for name, kind in spec.columns) for row in rows]
        async with self._tx("cannot import rows") as con:
            if spec.upsert:
                columns = ", ".join(spec.column_names)
                marks = ", ".join(f"${i + 1}" for i in range(len(spec.columns)))
                updates = ", ".join(f"{c} = excluded.{c}" for c in spec.column_names if c not in spec.key)
                await con.executemany(
                    f"INSERT INTO {spec.name} ({columns}) VALUES ({marks}) "
                    f"ON CONFLICT ({', '.join(spec.key)}) DO UPDATE SET {updates}",
                    records,
                )
            else:
                await con.copy_records_to_table(spec.name, records=records, columns=list(spec.column_names))
            if spec.name in _IDENTITY:
                await con.execute(
                    f"SELECT setval(pg_get_serial_sequence('{spec.name}', 'id'), "
                    f"(SELECT max(id) FROM {spec.name}))"
                )

    async def last_row_key(self, table_name: str) -> Key | None:
        spec = table(table_name)
        order = ", ".join(f"{_key_expr(spec, k)} DESC" for k in spec.key)
        async with self._conn("cannot read rows") as con:
            row = await con.fetchrow(
                f"SELECT {', '.join(spec.key)} FROM {spec.name} ORDER BY {order} LIMIT 1"
            )
        return tuple(row) if row is not None else None

    # --- leases --------------------------------------------------------------------------------
    async def claim_due(
        self, kind: str, now: datetime, owner: str, until: datetime, limit: int = 100
    ) -> list[int]:
        if kind not in _DUE_SQL:
            raise ValueError(f"unknown kind of work {kind!r}")
        sql = (
            f"WITH due AS ({_DUE_SQL[kind]}) "
            f"INSERT INTO leases (kind, item_id, owner, until) SELECT '{kind}', id, $2, $4 FROM due "
            "ON CONFLICT (kind, item_id) DO UPDATE SET owner = excluded.owner, until = excluded.until "
            "WHERE leases.until <= $1 OR leases.owner = excluded.owner RETURNING item_id"
        )
        async with self._tx("cannot claim due work") as con:
            rows = await con.fetch(sql, now, owner, limit, until)
        return sorted(int(r[0]) for r in rows)

    async def claim(self, kind: str, item_id: int, owner: str, now: datetime, until: datetime) -> bool:
        async with self._tx("cannot claim work") as con:
            row = await con.fetchrow(
                "INSERT INTO leases (kind, item_id, owner, until) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (kind, item_id) DO UPDATE SET owner = excluded.owner, until = excluded.until "
                "WHERE leases.until <= $5 OR leases.owner = excluded.owner RETURNING item_id",
                kind,
                item_id,
                owner,
                until,
                now,
            )
        return row is not None

    async def renew_claims(self, owner: str, until: datetime) -> int:
        async with self._tx("cannot renew leases") as con:
            status = await con.execute("UPDATE leases SET until = $1 WHERE owner = $2", until, owner)
        return int(status.split()[-1])

    async def release_claim(self, kind: str, item_id: int, owner: str) -> None:
        async with self._tx("cannot release a lease") as con:
            await con.execute(
                "DELETE FROM leases WHERE kind = $1 AND item_id = $2 AND owner = $3", kind, item_id, owner
            )

    # --- jobs handed from a gateway process to workers -------------------------------------------
    async def enqueue_job(self, kind: str, payload: dict[str, Any], now: datetime) -> int:
        async with self._tx("cannot queue a job") as con:
            job_id = await con.fetchval(
                "INSERT INTO jobs (kind, payload, created_at) VALUES ($1, $2, $3) RETURNING id",
                kind,
                json.dumps(payload, ensure_ascii=False),
                now,
            )
        return int(job_id)

    async def get_job(self, job_id: int) -> Job | None:
        async with self._conn("cannot read a job") as con:
            row = await con.fetchrow(
                "SELECT id, kind, payload, created_at, done_at FROM jobs WHERE id = $1", job_id
            )
        if row is None:
            return None
        return Job(int(row[0]), row[1], json.loads(row[2]), row[3], row[4])

    async def finish_job(self, job_id: int, now: datetime) -> None:
        async with self._tx("cannot finish a job") as con:
            await con.execute("UPDATE jobs SET done_at = $1 WHERE id = $2", now, job_id)
