"""Slash-command changes into the activity log the panel shows (who, what, when)."""

from __future__ import annotations

from typing import Any

import discord

from bot.audit import record


async def audit(interaction: discord.Interaction[Any], action: str, detail: str = "") -> None:
    store = getattr(interaction.client, "store", None)
    if store is None:
        return
    user = interaction.user
    await record(
        store, interaction.guild_id, f"discord:{user.id}", user.display_name, "discord", action, detail
    )
