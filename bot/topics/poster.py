"""What the scheduler needs from Discord, as a protocol: the cog implements it with discord.py, tests
with fakes. Keeps `bot/` free of `import discord`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from bot.errors import TopicError

ChannelKind = Literal["text", "forum"]


class TargetGone(TopicError):
    """The channel is gone or the bot may not post there: the topic is paused with this reason."""


class PostFailed(TopicError):
    """A transient failure (Discord 5xx, network): the digest stays pending and is retried."""


class Poster(Protocol):
    async def channel_kind(self, channel_id: int) -> ChannelKind:
        """Raises TargetGone when the channel is missing or not postable."""

    async def send(self, channel_id: int, content: str, *, nonce: str, role_id: int | None = None) -> int:
        """Post one message with `nonce` + `enforce_nonce` (a resend within minutes returns the same
        message); mentions only `role_id` when given. Returns the message id."""

    async def find_sent(self, channel_id: int, content: str, after: datetime) -> int | None:
        """A message of ours with exactly `content` posted after `after` (recovery beyond the nonce window)."""

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        """A thread on `message_id`; returns the existing one when it was already created."""

    async def create_forum_post(
        self, forum_id: int, name: str, content: str, *, role_id: int | None = None
    ) -> tuple[int, int]:
        """(thread id, first message id) of a new forum post."""

    async def find_forum_post(self, forum_id: int, name: str) -> int | None:
        """The thread id of an existing post named `name` in the forum (recovery)."""


class AdminNotifier(Protocol):
    async def notify_admins(self, guild_id: int, channel_id: int, text: str) -> bool:
        """Tell a server's admins something needs them (a paused topic): somewhere other than the
        channel that failed. Returns whether the notice was delivered."""
