"""What every CLI command shares: the opened store, output helpers, user-error types."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.errors import NewsbotError
from bot.store import ArticleStore, create_store


class UsageError(NewsbotError):
    """Bad arguments: exit 2, like argparse."""

    exit_code = 2


@dataclass
class Context:
    settings: Settings
    db_path: str
    _store: ArticleStore | None = field(default=None, repr=False)

    @property
    def store(self) -> ArticleStore:
        if self._store is None:
            raise NewsbotError("internal: the store is not open")
        return self._store


Handler = Callable[[argparse.Namespace, Context], Awaitable[int]]


async def run_handler(args: argparse.Namespace, ctx: Context) -> int:
    handler: Handler = args.handler
    if getattr(args, "needs_store", True):
        store = create_store(ctx.db_path)
        await store.open()
        ctx._store = store
        try:
            return await handler(args, ctx)
        finally:
            await store.close()
    return await handler(args, ctx)


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


_MAX_ID = 2**63 - 1  # SQLite's largest integer; Discord snowflakes fit too


def article_id(text: str) -> int:
    """An article id argument; a clear usage error otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"article id must be a number, not {text!r}") from None
    if not 0 < value <= _MAX_ID:
        raise argparse.ArgumentTypeError(f"article id must be between 1 and {_MAX_ID}, not {value}")
    return value


def whole_number(text: str) -> int:
    """An id (server, channel, role, feed, topic) or a count: 0 up to SQLite's largest integer."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if not 0 <= value <= _MAX_ID:
        raise argparse.ArgumentTypeError(f"must be between 0 and {_MAX_ID}, not {value}")
    return value


def days(text: str) -> float:
    """A positive, finite number of days."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of days, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of days, not {text!r}")
    return value
