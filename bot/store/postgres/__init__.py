"""PostgreSQL backend (asyncpg pool, generated weighted tsvector with GIN): for archives and deployments
that outgrow one SQLite file. Selected by a `postgresql://` URL wherever a database is named."""

from bot.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
