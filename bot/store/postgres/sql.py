"""What every PostgreSQL query shares: numbered parameters, server scope as SQL, error translation."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import asyncpg

from bot.errors import StoreError
from bot.store.base import Scope

# Errors of the server, the driver or the network; each becomes one StoreError at the store's edge.
# A connection that fails with one of these is broken (dropped by the server, or its protocol left
# mid-operation by a termination it had not noticed yet): it is closed, never handed out again.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.AdminShutdownError,
    OSError,
)
DB_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresError,
    *CONNECTION_ERRORS,
    asyncio.TimeoutError,
)


class Params:
    """Collects query arguments and hands out their `$n` placeholders, so SQL pieces compose."""

    def __init__(self) -> None:
        self.args: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"


def scope_sql(scope: Scope, p: Params, column: str = "guild_id") -> str:
    """SQL condition for what `scope` may see (the one place PostgreSQL queries decide it)."""
    if scope.everything:
        return "TRUE"
    if scope.guild_id is None:
        return f"{column} IS NULL"
    return f"({column} = {p(scope.guild_id)} OR {column} IS NULL)"


def describe(exc: BaseException) -> str:
    """A short, single-line reason for a database error."""
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return f"host not found ({exc.strerror or exc})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


@asynccontextmanager
async def translated(what: str) -> AsyncIterator[None]:
    """Database failures inside become `StoreError("<what>: <reason>")`."""
    try:
        yield
    except DB_ERRORS as exc:
        raise StoreError(f"{what}: {describe(exc)}") from exc


class Pooled:
    """What the mixins rely on; PostgresStore provides both."""

    def _conn(self, what: str = "database request failed") -> AbstractAsyncContextManager[asyncpg.Connection]:
        raise NotImplementedError

    def _tx(self, what: str = "database write failed") -> AbstractAsyncContextManager[asyncpg.Connection]:
        raise NotImplementedError
