"""Per-server display settings and the activity log (schema step 5: audit_log) for the PostgreSQL backend."""

from __future__ import annotations

from bot.audit import AuditEntry
from bot.guild_settings import SUMMARY_LENGTHS, GuildSettings, SummaryLength
from bot.store.codec import AUDIT_COLUMNS, audit_from_row, dt_normal, now_utc
from bot.store.postgres.sql import Pooled


class PostgresSettingsMixin(Pooled):
    async def get_guild_settings(self, guild_id: int) -> GuildSettings | None:
        sql = "SELECT summary_length, accent_colour, show_images FROM guild_settings WHERE guild_id = $1"
        async with self._conn() as con:
            row = await con.fetchrow(sql, guild_id)
        if row is None:
            return None
        length: SummaryLength = next((x for x in SUMMARY_LENGTHS if x == row[0]), "medium")
        return GuildSettings(summary_length=length, accent_colour=int(row[1]), show_images=bool(row[2]))

    async def set_guild_settings(self, guild_id: int, settings: GuildSettings) -> None:
        async with self._tx("cannot save settings") as con:
            await con.execute(
                "INSERT INTO guild_settings (guild_id, summary_length, accent_colour, show_images, updated_at) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (guild_id) DO UPDATE SET "
                "summary_length = excluded.summary_length, accent_colour = excluded.accent_colour, "
                "show_images = excluded.show_images, updated_at = excluded.updated_at",
                guild_id,
                settings.summary_length,
                settings.accent_colour,
                bool(settings.show_images),
                now_utc(),
            )

    async def add_audit(self, entry: AuditEntry) -> None:
        async with self._tx("cannot record the change") as con:
            await con.execute(
                "INSERT INTO audit_log (guild_id, actor, actor_name, via, action, detail, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                entry.guild_id,
                entry.actor,
                entry.actor_name,
                entry.via,
                entry.action,
                entry.detail,
                dt_normal(entry.created_at or now_utc()),
            )

    async def list_audit(self, guild_id: int | None, limit: int = 50, offset: int = 0) -> list[AuditEntry]:
        where = "guild_id IS NULL" if guild_id is None else "guild_id = $3"
        args: list[object] = [max(1, limit), max(0, offset)]
        if guild_id is not None:
            args.append(guild_id)
        sql = f"SELECT {AUDIT_COLUMNS} FROM audit_log WHERE {where} ORDER BY id DESC LIMIT $1 OFFSET $2"
        async with self._conn() as con:
            rows = await con.fetch(sql, *args)
        return [audit_from_row(r) for r in rows]
