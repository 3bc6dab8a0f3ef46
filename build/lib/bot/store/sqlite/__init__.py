"""SQLite backend (aiosqlite, WAL, FTS5): the default store."""

from bot.store.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]
