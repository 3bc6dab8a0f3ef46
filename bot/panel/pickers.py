"""Choices for forms: channels the bot can post to, roles it can mention, this server's topics; and the
one way a form's id field is read (anything else than digits is no id)."""

from __future__ import annotations

from typing import Any

from bot.panel.app import Panel, Server
from bot.panel.discord_api import ChannelInfo, RoleInfo
from bot.topics.types import Topic


async def channel_choices(panel: Panel, server: Server) -> list[ChannelInfo]:
    if panel.view is None or server.guild_id is None:
        return []
    return await panel.view.channels(server.guild_id)


async def role_choices(panel: Panel, server: Server) -> list[RoleInfo]:
    if panel.view is None or server.guild_id is None:
        return []
    return await panel.view.roles(server.guild_id)


async def topic_choices(panel: Panel, server: Server) -> list[Topic]:
    return await panel.store.list_topics(server.guild_id)


def form_int(form: Any, name: str) -> int | None:
    value = form.get(name) if form is not None else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        from bot.errors import InvalidQuery

        raise InvalidQuery(f"{name} must be a number")
    return int(text)
