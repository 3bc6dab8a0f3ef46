"""The PostgreSQL half of the test suite: a throwaway database per test session on the local server.

The server is `NEWSBOT_TEST_PG` (an admin URL; default postgresql://postgres@127.0.0.1:5432/postgres,
trust authentication). One database per session, `newsbot_test_<pid>_<random>`, is created and migrated
once and dropped at the end; each test starts from empty tables (TRUNCATE … RESTART IDENTITY, a few
milliseconds). Tests that need a database of their own (two stores, migrations) ask `fresh_database`.
When no server answers, the PostgreSQL half is skipped with one line; with CI=true it fails instead."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store.postgres.migrations import TABLES

T = TypeVar("T")

ADMIN_URL = os.environ.get("NEWSBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def run_async(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on a loop of its own in another thread (fixtures run beside pytest-asyncio's loop)."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(factory())  # type: ignore[arg-type]
        except BaseException as exc:  # handed back to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def url_for(database: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit(parts._replace(path="/" + database))


def describe_server() -> str:
    parts = urlsplit(ADMIN_URL)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def unavailable_reason() -> str | None:
    """None when the server answers, else why not (one line)."""

    async def probe() -> None:
        con = await asyncpg.connect(ADMIN_URL, timeout=5)
        await con.close()

    try:
        run_async(probe)
    except Exception as exc:  # any failure means: no usable server
        return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    return None


def create_database(prefix: str = "newsbot_test") -> str:
    """A new, empty database; returns its URL."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"

    async def create() -> None:
        con = await asyncpg.connect(ADMIN_URL, timeout=10)
        try:
            await con.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
            # a test database need not survive a power cut: commits return before the disk write
            await con.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        finally:
            await con.close()

    run_async(create)
    return url_for(name)


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")

    async def drop() -> None:
        con = await asyncpg.connect(ADMIN_URL, timeout=10)
        try:
            await con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await con.close()

    run_async(drop)


def empty_tables(url: str) -> None:
    """Back to a freshly migrated database: every table emptied, ids from 1 again."""

    async def truncate() -> None:
        con = await asyncpg.connect(url, timeout=10)
        try:
            # DELETE, not TRUNCATE: on near-empty tables it is ten times faster (no new files to sync)
            statements = [f"DELETE FROM {table}" for table in TABLES]
            statements += [
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1, false)"
                for table in ("articles", "duplicate_log", "feeds", "feed_subscriptions", "topics")
            ]
            statements.append("UPDATE search_meta SET value = 0 WHERE key = 'vector_documents'")
            await con.execute(";\n".join(statements))
        finally:
            await con.close()

    run_async(truncate)


def migrate(url: str) -> None:
    from bot.store.postgres import PostgresStore

    async def open_close() -> None:
        store = PostgresStore(url)
        await store.open()
        await store.close()

    run_async(open_close)
