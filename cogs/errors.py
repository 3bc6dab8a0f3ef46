"""The one error handler: every failure becomes an ephemeral message a person understands; internal errors
carry a short reference that is also in the log."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import (
    ArticleNotFound,
    BlockedAddress,
    FetchError,
    IngestError,
    InvalidQuery,
    InvalidURL,
    NewsbotError,
)
from cogs.jobs import interaction_age

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)


def describe(error: BaseException) -> tuple[str, bool]:
    """The message for a person, and whether it is a bug (logged with a reference)."""
    from cogs.formatting import NotManager, escape

    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError) and error.__cause__:
        if isinstance(error, app_commands.TransformerError):
            return f"“{escape(str(error.value))[:100]}” is not a valid value for that option.", False
        error = error.__cause__
    if isinstance(error, discord.DiscordServerError):
        return (
            "Discord had a temporary problem taking my answer (it said "
            f"{error.status}). What you asked for may have been done; check before trying again.",
            False,
        )
    if isinstance(error, NotManager):
        return (
            "You need the **Manage Server** permission (or one of this server's newsbot admin roles) to do that.",
            False,
        )
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server, not in direct messages.", False
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"I am missing permissions here: {', '.join(error.missing_permissions)}.", False
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s.", False
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here.", False
    if isinstance(error, ArticleNotFound) and error.detail:
        return (
            f"I can't find an article by that id: {escape(error.detail)} (this server's library and the "
            "global one). Pick one from the list as you type, or use an id from `/search`.",
            False,
        )
    if isinstance(error, ArticleNotFound):
        ref = escape(str(error.ref))[:200]
        return (
            f"I can't find an article matching “{ref}” in this server's library. "
            "Pick one from the list as you type, or use an id from `/search`.",
            False,
        )
    if isinstance(error, InvalidURL):
        return f"That URL can't be fetched: {escape(str(error))}", False
    if isinstance(error, BlockedAddress):
        return f"I won't fetch that address: {escape(str(error))}", False
    if isinstance(error, FetchError):
        return f"I couldn't fetch that page: {escape(str(error))}", False
    if isinstance(error, InvalidQuery):
        return escape(_capital(str(error))), False
    if isinstance(error, IngestError | NewsbotError):
        return escape(_capital(str(error))), False
    return "", True


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    message, is_bug = describe(error)
    if is_bug:
        ref = secrets.token_hex(4)
        cause = error.__cause__ if isinstance(error, app_commands.CommandInvokeError) else error
        command = interaction.command.qualified_name if interaction.command else None
        log.error(
            "internal error answering an interaction",
            exc_info=(type(cause), cause, cause.__traceback__) if cause else None,
            extra={"ref": ref, "command": command, "guild_id": interaction.guild_id},
        )
        message = f"Something went wrong on my side. If it keeps happening, give the operator this reference: `{ref}`."
    ttl = getattr(interaction.client, "interaction_ttl", None)
    try:
        if interaction.response.is_done() and ttl is not None and interaction_age(interaction) >= ttl:
            # a long job outlived its interaction token: the channel is the only place left to say it
            channel = interaction.client.get_partial_messageable(interaction.channel_id or 0)
            await channel.send(
                f"<@{interaction.user.id}>: {message}"[:2000], allowed_mentions=discord.AllowedMentions.none()
            )
        elif interaction.response.is_done():
            await interaction.followup.send(message[:2000], ephemeral=True)
        else:
            await interaction.response.send_message(message[:2000], ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message", extra={"error": message[:200]})


class Errors(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error

    async def cog_load(self) -> None:
        self.bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous  # type: ignore[method-assign]

    async def on_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Errors(bot))
