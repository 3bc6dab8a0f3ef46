"""Serves the web panel beside the bot when NEWSBOT_PANEL_URL is set: the panel sees Discord through the
bot's gateway cache (members are fetched fresh for permission checks), and posts topics through the
running scheduler."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord.ext import commands

from bot.panel.discord_api import ChannelInfo, GuildInfo, MemberInfo, RoleInfo
from bot.topics.digest import build_digest

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)


class GatewayView:
    """The `DiscordView` of bot/panel from discord.py's cache."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @property
    def application_id(self) -> int:
        return int(self.bot.application_id or (self.bot.user.id if self.bot.user else 0))

    async def bot_guilds(self) -> dict[int, GuildInfo]:
        return {g.id: GuildInfo(g.id, g.name) for g in self.bot.guilds}

    async def member(self, guild_id: int, user_id: int) -> MemberInfo | None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return None
        try:
            member = await guild.fetch_member(user_id)  # fresh: roles may have changed since login
        except discord.NotFound:
            return None
        roles = [r for r in member.roles if not r.is_default()]
        return MemberInfo(
            member.guild_permissions.value,
            tuple(r.id for r in roles),
            tuple(r.name for r in roles),
            guild.owner_id == user_id,
        )

    async def channels(self, guild_id: int) -> list[ChannelInfo]:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return []
        me = guild.me
        out = []
        for channel in guild.channels:
            kind = (
                "forum"
                if isinstance(channel, discord.ForumChannel)
                else ("news" if getattr(channel, "is_news", lambda: False)() else "text")
                if isinstance(channel, discord.TextChannel)
                else None
            )
            if kind is None:
                continue
            perms = channel.permissions_for(me)
            if perms.view_channel and perms.send_messages:
                out.append(ChannelInfo(channel.id, channel.name, kind))
        return out

    async def roles(self, guild_id: int) -> list[RoleInfo]:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return []
        everyone = guild.me.guild_permissions.mention_everyone
        return [
            RoleInfo(r.id, r.name)
            for r in guild.roles
            if not r.is_default() and not r.managed and (everyone or r.mentionable)
        ]


class PanelCog(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def post_topic(self, topic_id: int) -> str:
        topics: Any = self.bot.get_cog("Topics")
        topic = await self.bot.store.get_topic(topic_id, None)
        if topics is None or topic is None:
            return "missing"
        if not (await build_digest(self.bot.store, topic)).items and topic.pending is None:
            return "nothing new"
        async with self.bot.tracked():
            return str(await topics.scheduler.runner.run_topic(topic_id, manual=True))

    def wake(self, cog: str, attr: str) -> None:
        found: Any = self.bot.get_cog(cog)
        if found is not None:
            getattr(found, attr).wake()


async def setup(bot: NewsBot) -> None:
    settings = bot.settings
    if not settings.panel_url:
        return
    from bot import panel as web_panel
    from bot.panel.app import Hooks

    cog = PanelCog(bot)
    await bot.add_cog(cog)
    hooks = Hooks(
        post_topic=cog.post_topic,
        wake_feeds=lambda: cog.wake("Feeds", "poller"),
        wake_topics=lambda: cog.wake("Topics", "scheduler"),
    )
    discord_session = aiohttp.ClientSession()  # Discord's OAuth2 API, not the guarded fetch session
    panel = web_panel.discord_panel(
        settings, bot.store, bot.news, bot.fetcher, GatewayView(bot), discord_session, hooks=hooks
    )
    runner, port = await web_panel.start(panel, settings.panel_bind)
    log.info("panel serving", extra={"url": settings.panel_url, "port": port})

    async def close() -> None:
        await runner.cleanup()
        await discord_session.close()

    bot.add_close_callback(close)
