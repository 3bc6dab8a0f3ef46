"""The article store behind one interface (`ArticleStore`); SQLite is the default backend."""

from __future__ import annotations

from pathlib import Path

from bot.errors import ConfigError
from bot.store.base import (
    ArticleListing,
    ArticleStore,
    Fingerprint,
    NearDuplicateCandidate,
    Scope,
    StoreStats,
)

__all__ = [
    "ArticleListing",
    "ArticleStore",
    "Fingerprint",
    "NearDuplicateCandidate",
    "Scope",
    "StoreStats",
    "create_store",
    "is_postgres_url",
]


def is_postgres_url(location: str | Path) -> bool:
    return str(location).startswith(("postgres://", "postgresql://"))


def create_store(location: str | Path) -> ArticleStore:
    """A store for a database URL (`postgresql://…`: PostgreSQL) or a path (SQLite)."""
    text = str(location)
    if is_postgres_url(text):
        from bot.store.postgres import PostgresStore

        return PostgresStore(text)
    if "://" in text and not text.startswith("sqlite:///"):
        scheme = text.split("://", 1)[0]
        raise ConfigError(f"unknown database URL scheme {scheme!r}: use a SQLite file path or postgresql://…")
    from bot.store.sqlite import SQLiteStore

    return SQLiteStore(text.removeprefix("sqlite:///"))
