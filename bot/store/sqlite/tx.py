"""The SQLite write transaction: one writer at a time on the shared connection; SQLite's own errors
(a full disk, another process holding the lock, a damaged file) become one clear StoreError."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sqlite3
from pathlib import Path

import aiosqlite

from bot.errors import StoreError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000  # each attempt waits this long for another process's lock (PRAGMA busy_timeout)
BUSY_RETRIES = 1  # then BEGIN is tried this many more times before giving up with a message

_FULL, _BUSY, _LOCKED, _CORRUPT, _NOTADB, _IOERR, _READONLY = 13, 5, 6, 11, 26, 10, 8


def _disk_full(path: Path | None) -> bool:
    """SQLite reports a full disk as SQLITE_FULL, or as an I/O error when the WAL index cannot grow."""
    if path is None:
        return False
    try:
        return shutil.disk_usage(path.parent).free < 256 * 1024
    except OSError:
        return False


def describe_sqlite_error(exc: sqlite3.Error, path: Path | None = None) -> str:
    """What a person can act on; the SQLite text stays in the message for the operator."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code == _FULL or (code == _IOERR and _disk_full(path)):
        return "the disk holding the database is full; nothing was written (free some space and retry)"
    if code in (_BUSY, _LOCKED):
        waited = BUSY_TIMEOUT_MS * (BUSY_RETRIES + 1) // 1000
        return (
            f"the database is locked by another process (a backup or another newsbot command) for more "
            f"than {waited} s; retry when it has finished"
        )
    if code in (_CORRUPT, _NOTADB):
        return f"the database file is damaged or not a newsbot database ({exc}); it was left untouched"
    if code == _READONLY:
        return f"the database cannot be written ({exc}); check the file's permissions"
    if code == _IOERR:
        return f"disk error on the database ({exc})"
    return f"database error: {exc}"


def is_busy(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF in (_BUSY, _LOCKED)


async def begin_immediate(db: aiosqlite.Connection) -> None:
    """BEGIN IMMEDIATE, retried when another process holds the write lock past the busy timeout."""
    for attempt in range(BUSY_RETRIES + 1):
        try:
            await db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or attempt == BUSY_RETRIES:
                raise
            log.info("database busy; retrying", extra={"attempt": attempt + 1})
            await asyncio.sleep(0.2)


class Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error; one writer at a time on this connection."""

    def __init__(self, db: aiosqlite.Connection, lock: asyncio.Lock, path: Path | None = None) -> None:
        self.db = db
        self.lock = lock
        self.path = path

    async def __aenter__(self) -> None:
        await self.lock.acquire()
        try:
            await begin_immediate(self.db)
        except sqlite3.Error as exc:
            self.lock.release()
            raise StoreError(describe_sqlite_error(exc, self.path)) from exc
        except BaseException:
            self.lock.release()
            raise

    async def __aexit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        try:
            if exc_type is None:
                try:
                    await self.db.execute("COMMIT")
                except sqlite3.Error as err:  # a full disk shows here too
                    with contextlib.suppress(sqlite3.Error):
                        await self.db.execute("ROLLBACK")
                    raise StoreError(describe_sqlite_error(err, self.path)) from err
            else:
                # SQLite may have rolled back already (SQLITE_FULL does): the first error is the news.
                with contextlib.suppress(sqlite3.Error):
                    await self.db.execute("ROLLBACK")
        finally:
            self.lock.release()
        if isinstance(exc, sqlite3.Error):
            raise StoreError(describe_sqlite_error(exc, self.path)) from exc
