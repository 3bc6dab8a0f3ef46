"""PostgreSQL store: pool lifecycle, migrations and article reads/writes; search, feeds, topics and
settings are mixins beside it (as in bot/store/sqlite/). Every database failure reaches callers as one
StoreError; a connection the server dropped is replaced by the pool on the next request."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bot.errors import StoreError, StoreUnavailable
from bot.models import Analysis, Article
from bot.store.base import (
    ArticleListing,
    ArticleStore,
    Fingerprint,
    NearDuplicateCandidate,
    Scope,
    StoreStats,
)
from bot.store.codec import (
    analysis_to_db,
    article_from_row,
    dt_from_db,
    dt_normal,
    now_utc,
    paragraphs_to_db,
)
from bot.store.postgres.feeds import PostgresFeedsMixin
from bot.store.postgres.migrations import MIGRATIONS
from bot.store.postgres.rows import PostgresRowsMixin
from bot.store.postgres.search import PostgresSearchMixin
from bot.store.postgres.settings import PostgresSettingsMixin
from bot.store.postgres.sql import CONNECTION_ERRORS, DB_ERRORS, Params, describe, scope_sql, translated
from bot.store.postgres.topics import PostgresTopicsMixin

log = logging.getLogger(__name__)

MIGRATION_TIMEOUT = 24 * 3600.0  # seconds; the pool's 120 s limit is for requests, not schema upgrades

ARTICLE_COLUMNS = (
    "id, guild_id, external_id, url, canonical_url, title, subtitle, authors, published, section, source, "
    "language, image, body, headings, word_count, content_hash, origin, flags, ingested_by, ingested_at, "
    "updated_at, duplicate_of, analysis"
)
_LISTING_COLUMNS = "id, title, source, published, ingested_at, guild_id, url"
_MIGRATION_LOCK = 0x6E657773  # advisory lock key: one process migrates at a time


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rsplit("@", 1)[1]
        user = parts.username or ""
        return parts._replace(netloc=f"{user}:***@{netloc}").geturl()
    except ValueError:
        return "the database URL"


class PostgresStore(
    PostgresTopicsMixin,
    PostgresSearchMixin,
    PostgresFeedsMixin,
    PostgresSettingsMixin,
    PostgresRowsMixin,
    ArticleStore,
):
    shared = True  # any number of processes over one database (bot/leases.py)

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self._pool: asyncpg.Pool | None = None
        self._min_size = min_size
        self._max_size = max_size

    # --- lifecycle ----------------------------------------------------------------------------
    async def open(self) -> None:
        if self._pool is not None:
            return
        where = safe_url(self.url)
        try:
            pool = await asyncpg.create_pool(
                self.url,
                min_size=self._min_size,
                max_size=self._max_size,
                timeout=10,
                command_timeout=120,
                # custom plans: a query's tsquery and idf constants are folded once, not computed per row,
                # and the plan fits how common this query's words are; no JIT: compiling a search's
                # plan cost 20-25 ms at 1,000,000 articles, more than running it
                server_settings={
                    "application_name": "newsbot",
                    "plan_cache_mode": "force_custom_plan",
                    "jit": "off",
                },
                reset=_light_reset,
            )
        except asyncpg.InvalidPasswordError as exc:
            raise StoreUnavailable(f"database {where} refused the password: {describe(exc)}") from exc
        except asyncpg.InvalidCatalogNameError as exc:
            raise StoreUnavailable(f"database {where} does not exist: {describe(exc)}") from exc
        except asyncpg.InvalidAuthorizationSpecificationError as exc:
            raise StoreUnavailable(f"database {where} refused the login: {describe(exc)}") from exc
        except (socket.gaierror, ConnectionRefusedError, TimeoutError, OSError) as exc:
            raise StoreUnavailable(f"cannot reach database server {where}: {describe(exc)}") from exc
        except (ValueError, asyncpg.ClientConfigurationError) as exc:
            raise StoreUnavailable(f"unreadable database URL {where}: {describe(exc)}") from exc
        except DB_ERRORS as exc:
            raise StoreUnavailable(f"cannot open database {where}: {describe(exc)}") from exc
        try:
            await self._migrate(pool)
        except BaseException:
            pool.terminate()
            raise
        self._pool = pool

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await pool.close()
            except DB_ERRORS:
                pool.terminate()

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreError("store is not open")
        return self._pool

    @asynccontextmanager
    async def _conn(self, what: str = "database request failed") -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection; failures (the server gone, a dropped connection) become StoreError."""
        pool = self.pool
        async with translated(what), pool.acquire() as con:
            try:
                yield con
            except CONNECTION_ERRORS:
                con.terminate()  # the pool opens a fresh one in its place
                raise

    @asynccontextmanager
    async def _tx(self, what: str = "database write failed") -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection inside one transaction (committed on success, rolled back on error)."""
        pool = self.pool
        async with translated(what), pool.acquire() as con:
            try:
                async with con.transaction():
                    yield con
            except CONNECTION_ERRORS:
                con.terminate()
                raise

    async def _migrate(self, pool: asyncpg.Pool) -> None:
        where = safe_url(self.url)
        async with translated(f"cannot migrate database {where}"), pool.acquire() as con:
            async with con.transaction():
                # under the lock: CREATE … IF NOT EXISTS alone races when processes start together
                await con.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
                await con.execute("CREATE TABLE IF NOT EXISTS newsbot_schema (version INTEGER NOT NULL)")
                version = await con.fetchval("SELECT max(version) FROM newsbot_schema") or 0
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"database {where} has schema version {version}, newer than this newsbot "
                    f"({len(MIGRATIONS)}); upgrade newsbot"
                )
            while True:
                async with con.transaction():
                    await con.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
                    version = await con.fetchval("SELECT max(version) FROM newsbot_schema") or 0
                    if version >= len(MIGRATIONS):
                        return
                    number = version + 1
                    log.info("applying schema migration", extra={"db": where, "version": number})
                    # a step may rewrite a large table (6 re-reads every article): no request timeout
                    await con.execute(MIGRATIONS[number - 1], timeout=MIGRATION_TIMEOUT)
                    await con.execute("DELETE FROM newsbot_schema")
                    await con.execute("INSERT INTO newsbot_schema (version) VALUES ($1)", number)

    # --- writes -------------------------------------------------------------------------------
    async def add_article(self, article: Article, fingerprint: Fingerprint) -> Article:
        ingested_at = dt_normal(article.ingested_at or now_utc())
        columns = {
            **_content_columns(article, fingerprint),
            "guild_id": article.guild_id,
            "external_id": article.external_id,
            "origin": article.origin,
            "ingested_by": article.ingested_by,
            "ingested_at": ingested_at,
            "duplicate_of": article.duplicate_of,
        }
        marks = ",".join(f"${i}" for i in range(1, len(columns) + 1))
        async with self._tx("cannot store article") as con:
            new_id = await con.fetchval(
                f"INSERT INTO articles ({', '.join(columns)}) VALUES ({marks}) RETURNING id",
                *columns.values(),
            )
            await _write_bands(con, new_id, fingerprint.bands)
        article.id = int(new_id)
        article.content_hash = fingerprint.content_hash
        article.ingested_at = ingested_at
        return article

    async def replace_article(self, article_id: int, article: Article, fingerprint: Fingerprint) -> Article:
        columns = {**_content_columns(article, fingerprint), "updated_at": now_utc()}
        sets = ", ".join(f"{c}=${i}" for i, c in enumerate(columns, start=1))
        async with self._tx("cannot update article") as con:
            # Only the owner's row: an update never crosses scopes (the global library, another server).
            n = len(columns)
            done = await con.execute(
                f"UPDATE articles SET {sets} WHERE id=${n + 1} AND guild_id IS NOT DISTINCT FROM ${n + 2}",
                *columns.values(),
                article_id,
                article.guild_id,
            )
            if done.endswith(" 0"):
                raise StoreError(f"article {article_id} is not in this scope, or vanished during update")
            await con.execute("DELETE FROM dedupe_bands WHERE article_id=$1", article_id)
            await _write_bands(con, article_id, fingerprint.bands)
        stored = await self.get_article(article_id, Scope.all())
        if stored is None:
            raise StoreError(f"article {article_id} vanished during update")
        return stored

    async def set_analysis(self, article_id: int, analysis: Analysis) -> None:
        async with self._tx() as con:
            await con.execute(
                "UPDATE articles SET analysis=$1 WHERE id=$2", analysis_to_db(analysis), article_id
            )

    async def record_duplicate(self, original_id: int, source: str, guild_id: int | None) -> None:
        async with self._tx() as con:
            await con.execute(
                "INSERT INTO duplicate_log (original_id, source, guild_id, seen_at) VALUES ($1,$2,$3,$4)",
                original_id,
                source[:500],
                guild_id,
                now_utc(),
            )

    async def delete_article(self, article_id: int, scope: Scope) -> bool:
        if scope.everything:
            where, params = "id = $1", [article_id]
        elif scope.guild_id is None:
            where, params = "id = $1 AND guild_id IS NULL", [article_id]
        else:  # a server may delete only what it ingested itself, never the global library
            where, params = "id = $1 AND guild_id = $2", [article_id, scope.guild_id]
        async with self._tx("cannot delete article") as con:
            done = await con.execute(f"DELETE FROM articles WHERE {where}", *params)
        return not done.endswith(" 0")

    # --- reads --------------------------------------------------------------------------------
    async def _fetch_articles(self, where: str, p: Params, suffix: str = "") -> list[Article]:
        async with self._conn() as con:
            rows = await con.fetch(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE {where} {suffix}", *p.args)
        return [article_from_row(r) for r in rows]

    async def get_article(self, article_id: int, scope: Scope) -> Article | None:
        p = Params()
        found = await self._fetch_articles(f"id = {p(article_id)} AND {scope_sql(scope, p)}", p)
        return found[0] if found else None

    async def get_articles(self, ids: list[int], scope: Scope) -> list[Article]:
        if not ids:
            return []
        p = Params()
        found = await self._fetch_articles(
            f"id = ANY({p([int(i) for i in ids])}::bigint[]) AND {scope_sql(scope, p)}", p
        )
        by_id = {a.id: a for a in found}
        return [by_id[i] for i in ids if i in by_id]

    async def _find_one(self, column: str, value: str, scope: Scope) -> Article | None:
        p = Params()
        found = await self._fetch_articles(
            f"{column} = {p(value)} AND {scope_sql(scope, p)}", p, "ORDER BY guild_id IS NULL, id LIMIT 1"
        )
        return found[0] if found else None

    async def near_duplicate_candidates(
        self, bands: tuple[int, ...], scope: Scope, limit: int = 50
    ) -> list[NearDuplicateCandidate]:
        if not bands:
            return []
        p = Params()
        sql = (
            "SELECT a.id, a.minhash, a.shingle_count, count(*) AS hits FROM dedupe_bands b "
            f"JOIN articles a ON a.id = b.article_id WHERE b.band_key = ANY({p(list(bands))}::bigint[]) "
            f"AND {scope_sql(scope, p, 'a.guild_id')} GROUP BY a.id ORDER BY hits DESC, a.id LIMIT {p(limit)}"
        )
        async with self._conn() as con:
            rows = await con.fetch(sql, *p.args)
        return [NearDuplicateCandidate(r["id"], bytes(r["minhash"] or b""), r["shingle_count"]) for r in rows]

    async def list_articles(self, scope: Scope, limit: int = 20, offset: int = 0) -> list[ArticleListing]:
        p = Params()
        sql = (
            f"SELECT {_LISTING_COLUMNS} FROM articles WHERE {scope_sql(scope, p)} "
            f"ORDER BY id DESC LIMIT {p(limit)} OFFSET {p(max(offset, 0))}"
        )
        async with self._conn() as con:
            rows = await con.fetch(sql, *p.args)
        return [_listing(r) for r in rows]

    async def find_titles(self, text: str, scope: Scope, limit: int = 25) -> list[ArticleListing]:
        p = Params()
        text = text.strip()
        clause = scope_sql(scope, p)
        if not text:
            sql = f"SELECT {_LISTING_COLUMNS} FROM articles WHERE {clause} ORDER BY id DESC LIMIT {p(limit)}"
        else:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            # Bounded scan over the newest rows keeps autocomplete fast on big stores.
            sql = (
                f"SELECT {_LISTING_COLUMNS} FROM (SELECT {_LISTING_COLUMNS} FROM articles WHERE {clause} "
                f"ORDER BY id DESC LIMIT 20000) s WHERE title ILIKE {p('%' + escaped + '%')} "
                f"ORDER BY (title ILIKE {p(escaped + '%')}) DESC, id DESC LIMIT {p(limit)}"
            )
        async with self._conn() as con:
            rows = await con.fetch(sql, *p.args)
        return [_listing(r) for r in rows]

    async def iter_articles(self, scope: Scope, batch: int = 500) -> AsyncIterator[Article]:  # type: ignore[override]
        last = 0
        while True:
            p = Params()
            found = await self._fetch_articles(
                f"id > {p(last)} AND {scope_sql(scope, p)}", p, f"ORDER BY id LIMIT {int(batch)}"
            )
            if not found:
                return
            for article in found:
                yield article
            last = found[-1].id

    async def count_articles(self, scope: Scope) -> int:
        p = Params()
        async with self._conn() as con:
            return int(
                await con.fetchval(f"SELECT count(*) FROM articles WHERE {scope_sql(scope, p)}", *p.args)
            )

    async def stats(self, scope: Scope) -> StoreStats:
        p = Params()
        clause = scope_sql(scope, p)
        async with self._conn() as con:
            rows = await con.fetch(
                f"SELECT origin, count(*) FROM articles WHERE {clause} GROUP BY origin", *p.args
            )
            duplicates = await con.fetchval(f"SELECT count(*) FROM duplicate_log WHERE {clause}", *p.args)
            if scope.everything:
                size = await con.fetchval("SELECT pg_database_size(current_database())")
            else:  # a server sees its own share (the text it stored), never how big everyone's store is
                own = Params()
                owner = "guild_id IS NULL" if scope.guild_id is None else f"guild_id = {own(scope.guild_id)}"
                size = await con.fetchval(
                    "SELECT coalesce(sum(octet_length(body) + octet_length(coalesce(title, '')) "
                    "+ octet_length(headings) + octet_length(coalesce(analysis, '')) "
                    f"+ octet_length(coalesce(minhash, ''::bytea)) + 256), 0) FROM articles WHERE {owner}",
                    *own.args,
                )
        by_origin = {r[0]: int(r[1]) for r in rows}
        return StoreStats(
            articles=sum(by_origin.values()),
            duplicates_recorded=int(duplicates or 0),
            by_origin=by_origin,
            size_bytes=int(size or 0),
            last_ingested=await self.list_articles(scope, limit=5),
        )

    async def backup(self, path: Path) -> None:
        raise StoreError(
            "newsbot backup copies SQLite files; back up a PostgreSQL database with pg_dump "
            "(or `newsbot export --jsonl`)"
        )


async def _light_reset(con: asyncpg.Connection) -> None:
    """Between two uses of a pooled connection. asyncpg's default reset (unlisten, unlock, RESET ALL) is
    one more round trip per request; the store keeps no session state, so a transaction left open by a
    cancelled request is all there is to undo."""
    if con.is_in_transaction():
        await con.execute("ROLLBACK")


async def _write_bands(con: asyncpg.Connection, article_id: int, bands: Iterable[int]) -> None:
    keys = sorted(set(bands))
    if keys:
        await con.execute(
            "INSERT INTO dedupe_bands (band_key, article_id) SELECT k, $2 FROM unnest($1::bigint[]) k "
            "ON CONFLICT DO NOTHING",
            keys,
            article_id,
        )


def _content_columns(article: Article, fingerprint: Fingerprint) -> dict[str, Any]:
    """The columns an article's content sets; an update replaces exactly these."""
    body, headings = paragraphs_to_db(article.paragraphs)
    columns: dict[str, Any] = {
        "url": article.url,
        "canonical_url": article.canonical_url,
        "title": article.title,
        "subtitle": article.subtitle,
        "authors": json.dumps(article.authors, ensure_ascii=False),
        "published": dt_normal(article.published),
        "section": article.section,
        "source": article.source,
        "language": article.language,
        "image": article.image,
        "body": body,
        "headings": headings,
        "word_count": article.word_count,
        "content_hash": fingerprint.content_hash,
        "minhash": fingerprint.minhash,
        "shingle_count": fingerprint.shingle_count,
        "flags": json.dumps(sorted(article.flags)),
        "analysis": analysis_to_db(article.analysis) if article.analysis else None,
    }
    return {k: _text(v) if isinstance(v, str) else v for k, v in columns.items()}


def _text(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL characters (SQLite can): they become spaces."""
    return value.replace("\x00", " ") if value else value


def _listing(r: asyncpg.Record) -> ArticleListing:
    return ArticleListing(
        id=r["id"],
        title=r["title"],
        source=r["source"],
        published=dt_from_db(r["published"]),
        ingested_at=dt_from_db(r["ingested_at"]),
        guild_id=r["guild_id"],
        url=r["url"],
    )
