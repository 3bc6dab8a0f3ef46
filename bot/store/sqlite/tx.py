"""The SQLite write transaction: one writer at a time on the shared connection."""

from __future__ import annotations

import asyncio

import aiosqlite


class Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error; one writer at a time on this connection."""

    def __init__(self, db: aiosqlite.Connection, lock: asyncio.Lock) -> None:
        self.db = db
        self.lock = lock

    async def __aenter__(self) -> None:
        await self.lock.acquire()
        try:
            await self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            await self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.lock.release()
