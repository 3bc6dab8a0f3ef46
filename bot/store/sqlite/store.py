"""SQLite store: lifecycle, migrations and article reads/writes; search, feeds, topics and settings are mixins beside it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any, cast

import aiosqlite

from bot.errors import StoreError
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
    dt_to_db,
    now_utc,
    paragraphs_to_db,
)
from bot.store.sqlite.feeds import SQLiteFeedsMixin
from bot.store.sqlite.migrations import MIGRATIONS
from bot.store.sqlite.rows import SQLiteRowsMixin
from bot.store.sqlite.scope import scope_clause
from bot.store.sqlite.search import SQLiteSearchMixin
from bot.store.sqlite.settings import SQLiteSettingsMixin
from bot.store.sqlite.topics import SQLiteTopicsMixin
from bot.store.sqlite.tx import BUSY_TIMEOUT_MS, Transaction, begin_immediate, describe_sqlite_error

log = logging.getLogger(__name__)

_ARTICLE_COLUMNS = (
    "id, guild_id, external_id, url, canonical_url, title, subtitle, authors, published, section, source, "
    "language, image, body, headings, word_count, content_hash, origin, flags, ingested_by, ingested_at, "
    "updated_at, duplicate_of, analysis"
)
_LISTING_COLUMNS = "id, title, source, published, ingested_at, guild_id, url"


class SQLiteStore(
    SQLiteSearchMixin,
    SQLiteFeedsMixin,
    SQLiteTopicsMixin,
    SQLiteSettingsMixin,
    SQLiteRowsMixin,
    ArticleStore,
):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    # --- lifecycle ----------------------------------------------------------------------------
    async def open(self) -> None:
        if self._db is not None:
            return
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(f"database folder {self.path.parent} does not exist")
        connecting = aiosqlite.connect(self.path, isolation_level=None)
        try:
            db = await connecting
        except sqlite3.Error as exc:
            # aiosqlite stops its worker thread without waiting for it; unwaited, the thread answers after
            # the event loop has closed and prints a "Event loop is closed" traceback under our one line.
            thread = getattr(connecting, "_thread", connecting)
            if isinstance(thread, threading.Thread) and thread.ident is not None:
                await asyncio.to_thread(thread.join, 10)
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        try:
            await db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            db.row_factory = aiosqlite.Row
            self._db = db
            version = await self._schema_version()  # before anything writes: a refused file stays as it was
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA temp_store=MEMORY")
            await self._migrate(version)
        except BaseException as exc:
            # On every refusal (newer schema, damaged file, locked, disk full) the connection is
            # closed: its worker thread would otherwise outlive the event loop and hang the process.
            self._db = None
            await db.close()
            if isinstance(exc, sqlite3.Error):
                raise StoreError(
                    f"cannot open database {self.path}: {describe_sqlite_error(exc, self.path)}"
                ) from exc
            raise

    async def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("store is not open")
        return self._db

    async def _schema_version(self) -> int:
        """The file's schema version; a newer one than this code knows is refused."""
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StoreError(
                f"database {self.path} has schema version {version}, newer than this newsbot "
                f"({len(MIGRATIONS)}); upgrade newsbot"
            )
        return version

    async def _migrate(self, version: int) -> None:
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            log.info("applying schema migration", extra={"db": str(self.path), "version": number})
            statements = [s.strip() for s in _split_sql(script) if s.strip()]
            await begin_immediate(self.db)
            try:
                for statement in statements:
                    await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version={number}")
                await self.db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
                    await self.db.execute("ROLLBACK")
                raise

    async def _transaction(self) -> Transaction:
        return Transaction(self.db, self._write_lock, self.path)

    # --- writes -------------------------------------------------------------------------------
    async def add_article(self, article: Article, fingerprint: Fingerprint) -> Article:
        ingested_at = article.ingested_at or now_utc()
        columns = {
            **_content_columns(article, fingerprint),
            "guild_id": article.guild_id,
            "external_id": article.external_id,
            "origin": article.origin,
            "ingested_by": article.ingested_by,
            "ingested_at": dt_to_db(ingested_at),
            "duplicate_of": article.duplicate_of,
        }
        async with await self._transaction():
            cur = await self.db.execute(
                f"INSERT INTO articles ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})",
                list(columns.values()),
            )
            new_id = cast(int, cur.lastrowid)
            await self._write_bands(new_id, fingerprint.bands)
        article.id = new_id
        article.content_hash = fingerprint.content_hash
        article.ingested_at = ingested_at
        return article

    async def replace_article(self, article_id: int, article: Article, fingerprint: Fingerprint) -> Article:
        columns = {**_content_columns(article, fingerprint), "updated_at": dt_to_db(now_utc())}
        async with await self._transaction():
            # Only the owner's row: an update never crosses scopes (the global library, another server).
            cur = await self.db.execute(
                f"UPDATE articles SET {', '.join(f'{c}=?' for c in columns)} WHERE id=? AND guild_id IS ?",
                [*columns.values(), article_id, article.guild_id],
            )
            if cur.rowcount == 0:
                raise StoreError(f"article {article_id} is not in this scope, or vanished during update")
            await self.db.execute("DELETE FROM dedupe_bands WHERE article_id=?", (article_id,))
            await self._write_bands(article_id, fingerprint.bands)
        stored = await self.get_article(article_id, Scope.all())
        if stored is None:
            raise StoreError(f"article {article_id} vanished during update")
        return stored

    async def _write_bands(self, article_id: int, bands: Iterable[int]) -> None:
        await self.db.executemany(
            "INSERT OR IGNORE INTO dedupe_bands (band_key, article_id) VALUES (?, ?)",
            [(key, article_id) for key in bands],
        )

    async def set_analysis(self, article_id: int, analysis: Analysis) -> None:
        async with await self._transaction():
            await self.db.execute(
                "UPDATE articles SET analysis=? WHERE id=?", (analysis_to_db(analysis), article_id)
            )

    async def record_duplicate(self, original_id: int, source: str, guild_id: int | None) -> None:
        async with await self._transaction():
            await self.db.execute(
                "INSERT INTO duplicate_log (original_id, source, guild_id, seen_at) VALUES (?,?,?,?)",
                (original_id, source[:500], guild_id, dt_to_db(now_utc())),
            )

    async def delete_article(self, article_id: int, scope: Scope) -> bool:
        if scope.everything:
            where, params = "id = ?", [article_id]
        elif scope.guild_id is None:
            where, params = "id = ? AND guild_id IS NULL", [article_id]
        else:  # a server may delete only what it ingested itself, never the global library
            where, params = "id = ? AND guild_id = ?", [article_id, scope.guild_id]
        async with await self._transaction():
            cur = await self.db.execute(f"DELETE FROM articles WHERE {where}", params)
            return cur.rowcount > 0

    # --- reads --------------------------------------------------------------------------------
    async def _fetch_articles(self, where: str, params: list[Any], suffix: str = "") -> list[Article]:
        sql = f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE {where} {suffix}"
        async with self.db.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return [article_from_row(r) for r in rows]

    async def get_article(self, article_id: int, scope: Scope) -> Article | None:
        clause, params = scope_clause(scope)
        found = await self._fetch_articles(f"id = ? AND {clause}", [article_id, *params])
        return found[0] if found else None

    async def get_articles(self, ids: list[int], scope: Scope) -> list[Article]:
        if not ids:
            return []
        clause, params = scope_clause(scope)
        marks = ",".join("?" * len(ids))
        found = await self._fetch_articles(f"id IN ({marks}) AND {clause}", [*ids, *params])
        by_id = {a.id: a for a in found}
        return [by_id[i] for i in ids if i in by_id]

    async def _find_one(self, column: str, value: str, scope: Scope) -> Article | None:
        clause, params = scope_clause(scope)
        found = await self._fetch_articles(
            f"{column} = ? AND {clause}", [value, *params], "ORDER BY guild_id IS NULL, id LIMIT 1"
        )
        return found[0] if found else None

    async def near_duplicate_candidates(
        self, bands: tuple[int, ...], scope: Scope, limit: int = 50
    ) -> list[NearDuplicateCandidate]:
        if not bands:
            return []
        clause, params = scope_clause(scope, "a.guild_id")
        marks = ",".join("?" * len(bands))
        sql = (
            # CROSS JOIN fixes the order: look bands up first (a few rows), never walk the articles.
            "SELECT a.id, a.minhash, a.shingle_count, count(*) AS hits FROM dedupe_bands b "
            f"CROSS JOIN articles a ON a.id = b.article_id WHERE b.band_key IN ({marks}) AND {clause} "
            "GROUP BY a.id ORDER BY hits DESC, a.id LIMIT ?"
        )
        async with self.db.execute(sql, [*bands, *params, limit]) as cur:
            rows = await cur.fetchall()
        return [NearDuplicateCandidate(r["id"], bytes(r["minhash"] or b""), r["shingle_count"]) for r in rows]

    async def list_articles(self, scope: Scope, limit: int = 20, offset: int = 0) -> list[ArticleListing]:
        clause, params = scope_clause(scope)
        sql = f"SELECT {_LISTING_COLUMNS} FROM articles WHERE {clause} ORDER BY id DESC LIMIT ? OFFSET ?"
        async with self.db.execute(sql, [*params, limit, offset]) as cur:
            rows = await cur.fetchall()
        return [_row_to_listing(r) for r in rows]

    async def find_titles(self, text: str, scope: Scope, limit: int = 25) -> list[ArticleListing]:
        clause, params = scope_clause(scope)
        text = text.strip()
        if not text:
            sql = f"SELECT {_LISTING_COLUMNS} FROM articles WHERE {clause} ORDER BY id DESC LIMIT ?"
            args: list[Any] = [*params, limit]
        else:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            # Bounded scan over the newest rows keeps autocomplete fast on big stores.
            sql = (
                f"SELECT {_LISTING_COLUMNS} FROM (SELECT * FROM articles WHERE {clause} "
                "ORDER BY id DESC LIMIT 20000) WHERE title LIKE ? ESCAPE '\\' "
                "ORDER BY (title LIKE ? ESCAPE '\\') DESC, id DESC LIMIT ?"
            )
            args = [*params, f"%{escaped}%", f"{escaped}%", limit]
        async with self.db.execute(sql, args) as cur:
            rows = await cur.fetchall()
        return [_row_to_listing(r) for r in rows]

    async def iter_articles(self, scope: Scope, batch: int = 500) -> AsyncIterator[Article]:  # type: ignore[override]
        clause, params = scope_clause(scope)
        last = 0
        while True:
            found = await self._fetch_articles(
                f"id > ? AND {clause}", [last, *params], f"ORDER BY id LIMIT {int(batch)}"
            )
            if not found:
                return
            for article in found:
                yield article
            last = found[-1].id

    async def count_articles(self, scope: Scope) -> int:
        clause, params = scope_clause(scope)
        async with self.db.execute(f"SELECT count(*) FROM articles WHERE {clause}", params) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def stats(self, scope: Scope) -> StoreStats:
        clause, params = scope_clause(scope)
        async with self.db.execute(
            f"SELECT origin, count(*) FROM articles WHERE {clause} GROUP BY origin", params
        ) as cur:
            by_origin = {r[0]: int(r[1]) for r in await cur.fetchall()}
        dup_clause, dup_params = scope_clause(scope)
        async with self.db.execute(
            f"SELECT count(*) FROM duplicate_log WHERE {dup_clause}", dup_params
        ) as cur:
            row = await cur.fetchone()
        duplicates = int(row[0]) if row else 0
        if scope.everything:
            sql, size_params = (
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                [],
            )
        else:  # a server sees its own share (the text it stored), never how big everyone's store is
            own = "guild_id IS NULL" if scope.guild_id is None else "guild_id = ?"
            sql = (
                "SELECT coalesce(sum(length(CAST(body AS BLOB)) + length(CAST(coalesce(title, '') AS BLOB)) "
                "+ length(coalesce(headings, '')) + length(coalesce(analysis, '')) + length(coalesce(minhash, ''))"
                f" + 256), 0) FROM articles WHERE {own}"
            )
            size_params = [] if scope.guild_id is None else [scope.guild_id]
        async with self.db.execute(sql, size_params) as cur:
            row = await cur.fetchone()
        size = int(row[0]) if row else 0
        return StoreStats(
            articles=sum(by_origin.values()),
            duplicates_recorded=duplicates,
            by_origin=by_origin,
            size_bytes=size,
            last_ingested=await self.list_articles(scope, limit=5),
        )

    async def backup(self, path: Path) -> None:
        path = Path(path)
        if path.resolve() == self.path.resolve():
            raise StoreError("backup target is the live database itself")
        if not path.parent.exists():
            raise StoreError(f"backup folder {path.parent} does not exist")
        tmp = path.with_name(path.name + ".partial")
        tmp.unlink(missing_ok=True)

        def _run() -> None:
            # A second connection reads one consistent WAL snapshot while the bot keeps writing.
            source = sqlite3.connect(self.path)
            target = sqlite3.connect(tmp)
            try:
                source.backup(target, pages=1024)
            finally:
                target.close()
                source.close()

        await asyncio.to_thread(_run)
        tmp.replace(path)


def _content_columns(article: Article, fingerprint: Fingerprint) -> dict[str, Any]:
    """The columns an article's content sets; an update replaces exactly these."""
    body, headings = paragraphs_to_db(article.paragraphs)
    return {
        "url": article.url,
        "canonical_url": article.canonical_url,
        "title": article.title,
        "subtitle": article.subtitle,
        "authors": json.dumps(article.authors, ensure_ascii=False),
        "published": dt_to_db(article.published),
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


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    current: list[str] = []
    for line in script.splitlines():
        current.append(line)
        candidate = "\n".join(current).strip()
        if candidate.endswith(";") and sqlite3.complete_statement(candidate):
            statements.append(candidate)
            current = []
    if "\n".join(current).strip():
        statements.append("\n".join(current))
    return statements


def _row_to_listing(r: aiosqlite.Row) -> ArticleListing:
    return ArticleListing(
        id=r["id"],
        title=r["title"],
        source=r["source"],
        published=dt_from_db(r["published"]),
        ingested_at=dt_from_db(r["ingested_at"]),
        guild_id=r["guild_id"],
        url=r["url"],
    )
