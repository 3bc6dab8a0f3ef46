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
]


def create_store(location: str | Path) -> ArticleStore:
    """A store for a path (SQLite) or, later, a database URL."""
    text = str(location)
    if text.startswith(("postgres://", "postgresql://")):
        raise ConfigError("the PostgreSQL backend is planned but not available yet; use a SQLite file path")
    from bot.store.sqlite import SQLiteStore

    return SQLiteStore(text.removeprefix("sqlite:///"))
