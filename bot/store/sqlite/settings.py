"""Per-server display settings (schema step 4: guild_settings) and the activity log (step 7: audit_log)
for the SQLite backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiosqlite

from bot.audit import AuditEntry
from bot.guild_settings import SUMMARY_LENGTHS, GuildSettings, SummaryLength
from bot.store.codec import AUDIT_COLUMNS, audit_from_row, dt_to_db, now_utc

if TYPE_CHECKING:
    from bot.store.sqlite.tx import Transaction


class SQLiteSettingsMixin:
    """Mixed into SQLiteStore, which provides `db` and `_transaction`."""

    @property
    def db(self) -> aiosqlite.Connection:  # provided by SQLiteStore
        raise NotImplementedError

    async def _transaction(self) -> Transaction:  # provided by SQLiteStore
        raise NotImplementedError

    async def get_guild_settings(self, guild_id: int) -> GuildSettings | None:
        sql = "SELECT summary_length, accent_colour, show_images FROM guild_settings WHERE guild_id = ?"
        async with self.db.execute(sql, (guild_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        length: SummaryLength = next((x for x in SUMMARY_LENGTHS if x == row[0]), "medium")
        return GuildSettings(summary_length=length, accent_colour=int(row[1]), show_images=bool(row[2]))

    async def set_guild_settings(self, guild_id: int, settings: GuildSettings) -> None:
        async with await self._transaction():
            await self.db.execute(
                "INSERT INTO guild_settings (guild_id, summary_length, accent_colour, show_images, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(guild_id) DO UPDATE SET summary_length = excluded.summary_length, "
                "accent_colour = excluded.accent_colour, show_images = excluded.show_images, "
                "updated_at = excluded.updated_at",
                (
                    guild_id,
                    settings.summary_length,
                    settings.accent_colour,
                    int(settings.show_images),
                    now_utc().isoformat(),
                ),
            )

    async def add_audit(self, entry: AuditEntry) -> None:
        async with await self._transaction():
            await self.db.execute(
                "INSERT INTO audit_log (guild_id, actor, actor_name, via, action, detail, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.guild_id,
                    entry.actor,
                    entry.actor_name,
                    entry.via,
                    entry.action,
                    entry.detail,
                    dt_to_db(entry.created_at or now_utc()),
                ),
            )

    async def list_audit(self, guild_id: int | None, limit: int = 50, offset: int = 0) -> list[AuditEntry]:
        where = "guild_id IS NULL" if guild_id is None else "guild_id = ?"
        params: tuple[object, ...] = () if guild_id is None else (guild_id,)
        sql = f"SELECT {AUDIT_COLUMNS} FROM audit_log WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?"
        async with self.db.execute(sql, (*params, max(1, limit), max(0, offset))) as cur:
            rows = await cur.fetchall()
        return [audit_from_row(r) for r in rows]
