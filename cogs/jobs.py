"""Long commands (a large upload to ingest): progress and the result go through the interaction while its
token lives — Discord accepts followups and edits for 15 minutes — and to the channel after that, so a
job that outlives its token neither loses its answer nor hammers Discord with refused webhook calls."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)


def interaction_age(interaction: discord.Interaction[Any]) -> float:
    """Seconds since Discord created the interaction (its id is a timestamp)."""
    return (discord.utils.utcnow() - interaction.created_at).total_seconds()


def token_alive(bot: NewsBot, interaction: discord.Interaction[Any]) -> bool:
    return interaction_age(interaction) < bot.interaction_ttl


class JobReporter:
    """Progress lines and the final answer of one long command."""

    def __init__(self, bot: NewsBot, interaction: discord.Interaction[Any], what: str) -> None:
        self.bot = bot
        self.interaction = interaction
        self.what = what
        self.progress_every = bot.progress_every
        self._last = time.monotonic()
        self._channel_message: Any = None
        self.moved_to_channel = False

    @property
    def token_alive(self) -> bool:
        return token_alive(self.bot, self.interaction)

    def _channel_text(self, text: str) -> str:
        return f"<@{self.interaction.user.id}>'s {self.what}: {text}"[:2000]

    async def progress(self, done: int, total: int) -> None:
        """`total` 0: not known yet (an upload read as a stream)."""
        if time.monotonic() - self._last < self.progress_every or (total and done >= total):
            return
        self._last = time.monotonic()
        text = f"{done:,} of {total:,} done…" if total else f"{done:,} items done…"
        try:
            if self.token_alive:
                await self.interaction.edit_original_response(content=f"⏳ {self.what}: {text}")
            else:
                await self._to_channel(f"⏳ {text}")
        except discord.HTTPException as exc:
            log.info("progress not shown", extra={"status": exc.status})

    async def _to_channel(self, text: str, embed: discord.Embed | None = None) -> None:
        """A public message without pings: edited in place for progress, the result as a new one."""
        if not self.moved_to_channel:
            self.moved_to_channel = True
            log.info(
                "interaction token about to expire: reporting in the channel",
                extra={"interaction_id": self.interaction.id, "channel_id": self.interaction.channel_id},
            )
        none = discord.AllowedMentions.none()
        if embed is None and self._channel_message is not None:
            await self._channel_message.edit(content=self._channel_text(text), allowed_mentions=none)
            return
        channel = self.bot.get_partial_messageable(self.interaction.channel_id or 0)
        sent = await channel.send(self._channel_text(text), embed=embed, allowed_mentions=none)  # type: ignore[arg-type]
        if embed is None:
            self._channel_message = sent

    async def finish(self, embed: discord.Embed) -> None:
        if self.token_alive:
            await self.interaction.followup.send(embed=embed, ephemeral=True)
            return
        try:
            await self._to_channel("finished.", embed=embed)
        except discord.HTTPException as exc:
            log.warning("result of a long job not delivered", extra={"status": exc.status})
