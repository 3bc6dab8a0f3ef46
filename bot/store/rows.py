"""Raw table rows in a backend-neutral form, for `newsbot migrate` (bot/migrate.py).

Every backend exports and imports the same logical tables, with the same columns, as Python values of
one kind per column: ints, floats, text, bytes, `datetime` (UTC), parsed JSON, booleans. Rows travel in
key order in keyed batches (`after` = the last key seen), so a copy between any two backends can stop
anywhere and resume from the target's last key. The checksum of a table is order-independent (a sum of
row hashes), so two backends that order text keys differently still agree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

Kind = Literal["int", "real", "text", "blob", "datetime", "json", "bool"]
Row = dict[str, Any]
Key = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    columns: tuple[tuple[str, Kind], ...]
    key: tuple[str, ...]
    upsert: bool = False  # rows a fresh schema already holds (counters): imported as insert-or-update

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def key_of(self, row: Mapping[str, Any]) -> Key:
        return tuple(row[k] for k in self.key)


def _spec(name: str, key: tuple[str, ...], columns: str, upsert: bool = False) -> TableSpec:
    pairs: list[tuple[str, Kind]] = []
    for item in columns.split():
        column, _, kind = item.partition(":")
        pairs.append((column, kind or "text"))  # type: ignore[arg-type]
    return TableSpec(name, tuple(pairs), key, upsert)


# In copy order: a table comes after the tables its rows refer to.
TABLES: tuple[TableSpec, ...] = (
    _spec(
        "articles",
        ("id",),
        "id:int guild_id:int external_id url canonical_url title subtitle authors:json published:datetime "
        "section source language image body headings:json word_count:int content_hash minhash:blob "
        "shingle_count:int origin flags:json ingested_by ingested_at:datetime updated_at:datetime "
        "duplicate_of:int analysis:json",
    ),
    _spec("dedupe_bands", ("band_key", "article_id"), "band_key:int article_id:int"),
    _spec("duplicate_log", ("id",), "id:int original_id:int source guild_id:int seen_at:datetime"),
    _spec("article_vectors", ("article_id",), "article_id:int version:int terms:blob embedding:blob"),
    _spec("term_df", ("bucket",), "bucket:int df:int"),
    _spec("search_meta", ("key",), "key value:int", upsert=True),
    _spec(
        "feeds",
        ("id",),
        "id:int url title etag last_modified interval_s:int next_poll_at:datetime "
        "last_polled_at:datetime last_ok_at:datetime failures:int last_error paused_reason primed:bool "
        "created_at:datetime",
    ),
    _spec(
        "feed_subscriptions",
        ("id",),
        "id:int feed_id:int guild_id:int channel_id:int topic_id:int added_by paused_reason "
        "pause_notified:bool created_at:datetime",
    ),
    _spec("feed_items", ("feed_id", "key"), "feed_id:int key article_id:int seen_at:datetime"),
    _spec(
        "topics",
        ("id",),
        "id:int guild_id:int channel_id:int name query filters:json every hour:int minute:int timezone "
        "weekday:int mention_role_id:int thread:bool created_by created_at:datetime "
        "next_run_at:datetime last_run_at:datetime last_article_id:int paused_reason pending:json "
        "failures:int briefing:bool",
    ),
    _spec(
        "guild_settings",
        ("guild_id",),
        "guild_id:int summary_length accent_colour:int show_images:bool updated_at:datetime",
    ),
    _spec(
        "feed_announcements",
        ("subscription_id", "article_id"),
        "subscription_id:int article_id:int title url created_at:datetime announced_at:datetime",
    ),
    _spec(
        "audit_log",
        ("id",),
        "id:int guild_id:int actor actor_name via action detail created_at:datetime",
    ),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}


def table(name: str) -> TableSpec:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown table {name!r}") from None


def _canonical(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if kind == "blob":
        return bytes(value).hex()
    if kind == "bool":
        return bool(value)
    if kind == "real":
        return float(value)
    return value


def row_digest(spec: TableSpec, row: Mapping[str, Any]) -> int:
    """A 128-bit hash of one neutral row (datetimes in UTC, JSON with sorted keys)."""
    values = [_canonical(kind, row.get(name)) for name, kind in spec.columns]
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest(), "big")


class TableChecksum:
    """Row count and an order-independent checksum (sum of row hashes modulo 2**128)."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self.count = 0
        self.total = 0

    def add(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.count += 1
            self.total = (self.total + row_digest(self.spec, row)) % (1 << 128)

    @property
    def hexdigest(self) -> str:
        return f"{self.total:032x}"


@dataclass(frozen=True, slots=True)
class Job:
    """Work a gateway process hands to workers (`kind` "ingest": an uploaded archive), run once."""

    id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    done_at: datetime | None = None


def to_datetime(value: Any) -> datetime | None:
    """A stored instant as an aware UTC datetime (SQLite keeps ISO text)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
