"""/topic commands and the Discord side of the scheduler.

`DiscordPoster` implements the protocol bot/ defines (no discord import there); `setup` starts the
scheduler (one task) through the bot's `start_background`."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_budget import InvalidRequestBudget
from bot.errors import TopicError
from bot.scheduler import TopicScheduler
from bot.topics.digest import build_digest, render_digest
from bot.topics.manage import new_topic, preview_digest
from bot.topics.poster import ChannelKind, PostFailed, TargetGone
from cogs.audit import audit
from cogs.formatting import clip, escape, inline_code, manager_only

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

THREAD_EXISTS = 160004


def _mentions(role_id: int | None) -> discord.AllowedMentions:
    if role_id is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False, users=False, replied_user=False, roles=[discord.Object(role_id)]
    )


MISSING_ACCESS = 50001


def _gone(exc: discord.HTTPException) -> TopicError:
    if isinstance(exc, discord.NotFound):
        return TargetGone("channel not found")
    if isinstance(exc, discord.Forbidden):
        if exc.code == MISSING_ACCESS:
            return TargetGone("I can't see the channel (View Channel permission missing)")
        return TargetGone("missing permission to post in the channel (Send Messages)")
    return PostFailed(f"Discord error {exc.status}: {exc.text[:100]}")


_RATE_LIMITED_RESENDS = 3
SEND_TIMEOUT = 30.0  # seconds; aiohttp's own default would hold a digest for five minutes


class DiscordPoster:
    def __init__(self, bot: discord.Client, budget: InvalidRequestBudget | None = None) -> None:
        self.bot = bot  # a gateway bot, or a REST-only worker
        self.budget = budget  # refusals counted by the client: sends slow down, then hold back
        self.send_timeout = SEND_TIMEOUT

    async def _channel(self, channel_id: int) -> Any:
        channel = self.bot.get_channel(channel_id)
        if channel is not None:
            return channel
        try:
            return await self.bot.fetch_channel(channel_id)
        except discord.HTTPException as exc:
            raise _gone(exc) from exc

    async def channel_kind(self, channel_id: int) -> ChannelKind:
        channel = await self._channel(channel_id)
        if isinstance(channel, discord.ForumChannel):
            return "forum"
        if isinstance(channel, discord.TextChannel | discord.Thread | discord.VoiceChannel):
            return "text"
        raise TargetGone("the channel cannot hold digests (not a text or forum channel)")

    async def send(self, channel_id: int, content: str, *, nonce: str, role_id: int | None = None) -> int:
        """One digest message. discord.py retries a 429 a few times at once; when hundreds of digests are
        due together that can still end in a 429, so the send is retried a little later with jitter (the
        nonce makes a resend safe) instead of waiting for the next scheduler retry."""
        target = self.bot.get_partial_messageable(channel_id)
        for attempt in range(_RATE_LIMITED_RESENDS + 1):
            if self.budget is not None:
                await self.budget.pace()  # many refusals lately: slow down, or hold back (retried later)
            try:
                message = await asyncio.wait_for(
                    target.send(content, nonce=nonce, allowed_mentions=_mentions(role_id)), self.send_timeout
                )
                return message.id
            except discord.HTTPException as exc:
                if exc.status != 429 or attempt == _RATE_LIMITED_RESENDS:
                    raise _gone(exc) from exc
                await asyncio.sleep(random.uniform(0.5, 1.5) * (attempt + 1))
            except (TimeoutError, aiohttp.ClientError) as exc:
                # no answer, or the connection dropped: the message may exist; the retry's nonce finds it
                raise PostFailed(f"no answer from Discord ({type(exc).__name__})") from exc
        raise AssertionError("unreachable")

    async def notify_admins(self, guild_id: int, channel_id: int, text: str) -> bool:
        """The server's system channel when it is another channel, else a direct message to the owner."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return False
        targets: list[Any] = []
        if guild.system_channel is not None and guild.system_channel.id != channel_id:
            targets.append(guild.system_channel)
        if guild.owner_id is not None:
            targets.append(guild.owner_id)
        for target in targets:
            try:
                if isinstance(target, int):
                    user = self.bot.get_user(target) or await self.bot.fetch_user(target)
                    await user.send(text, allowed_mentions=discord.AllowedMentions.none())
                else:
                    await target.send(text, allowed_mentions=discord.AllowedMentions.none())
                return True
            except discord.HTTPException as exc:
                log.info("admin notice not delivered", extra={"guild_id": guild_id, "status": exc.status})
        return False

    async def find_sent(self, channel_id: int, content: str, after: datetime) -> int | None:
        target = self.bot.get_partial_messageable(channel_id)
        me = self.bot.user.id if self.bot.user else None
        try:
            async for message in target.history(
                limit=50, after=discord.Object(discord.utils.time_snowflake(after))
            ):
                if message.author.id == me and message.content == content:
                    return message.id
        except discord.HTTPException as exc:
            log.info("history check failed", extra={"channel_id": channel_id, "status": exc.status})
        return None

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        channel = await self._channel(channel_id)  # a message needs its guild to start a thread
        if not isinstance(channel, discord.TextChannel):
            raise TargetGone("threads can only be started in a text channel")
        try:
            thread = await channel.get_partial_message(message_id).create_thread(name=name)
        except discord.HTTPException as exc:
            if exc.code == THREAD_EXISTS:
                return message_id  # a thread started from a message shares its id
            raise _gone(exc) from exc
        return thread.id

    async def create_forum_post(
        self, forum_id: int, name: str, content: str, *, role_id: int | None = None
    ) -> tuple[int, int]:
        forum = await self._channel(forum_id)
        try:
            made = await forum.create_thread(name=name, content=content, allowed_mentions=_mentions(role_id))
        except discord.HTTPException as exc:
            raise _gone(exc) from exc
        return made.thread.id, made.message.id

    async def find_forum_post(self, forum_id: int, name: str) -> int | None:
        forum = await self._channel(forum_id)
        for thread in getattr(forum, "threads", []):
            if thread.name == name:
                return int(thread.id)
        try:
            for thread in await forum.guild.active_threads():
                if thread.parent_id == forum_id and thread.name == name:
                    return int(thread.id)
        except discord.HTTPException:
            return None
        return None


class DigestChannel(app_commands.Transformer):
    """A text, announcement or forum channel. Spelled out rather than `TextChannel | ForumChannel`, whose
    channel types include media channels (16), which Discord's published command schema does not list."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news, discord.ChannelType.forum]

    async def transform(self, interaction: discord.Interaction[Any], value: Any) -> Any:
        return value


def _topic_line(t: Any) -> str:
    state = (
        f"⏸️ paused: {clip(escape(t.paused_reason), 200)}"
        if t.paused_reason
        else (f"next <t:{int(t.next_run_at.timestamp())}:R>" if t.next_run_at else "not scheduled")
    )
    extras = (
        (" · thread" if t.thread else "")
        + (" · briefing" if t.briefing else "")
        + (f" · mentions <@&{t.mention_role_id}>" if t.mention_role_id else "")
    )
    return f"**#{t.id}** {inline_code(t.query, 80)} → <#{t.channel_id}> · {t.schedule.describe()}{extras} · {state}"


class Topics(commands.Cog):
    topic = app_commands.Group(
        name="topic", description="Scheduled digests of a saved search", guild_only=True
    )

    def __init__(self, bot: NewsBot, scheduler: TopicScheduler) -> None:
        self.bot = bot
        self.scheduler = scheduler

    # --- /topic ------------------------------------------------------------------------------------
    @topic.command(name="follow", description="Post a digest of new articles matching a search on a schedule")
    @app_commands.describe(
        query="Search words, as in /search",
        channel="Where digests are posted (text or forum channel)",
        every="How often",
        at="Local time HH:MM (hourly: the minute)",
        timezone="IANA zone, e.g. Europe/Berlin",
        day="Weekday for weekly digests",
        mention="A role to mention with each digest",
        thread="Put each digest's items in a thread on its header (yes/no; default no)",
        briefing="Add a short briefing of the story so far to each digest (yes/no; default no)",
    )
    @manager_only()
    async def follow(
        self,
        interaction: discord.Interaction[Any],
        query: app_commands.Range[str, 1, 300],
        channel: app_commands.Transform[Any, DigestChannel],
        every: Literal["hourly", "daily", "weekly"] = "daily",
        at: str | None = None,
        timezone: str | None = None,
        day: str | None = None,
        mention: discord.Role | None = None,
        thread: Literal["yes", "no"] = "no",
        briefing: Literal["yes", "no"] = "no",
    ) -> None:
        topic = await new_topic(
            self.bot.store,
            guild_id=interaction.guild_id,
            channel_id=channel.id,
            query=query,
            every=every,
            at=at,
            timezone=timezone,
            day=day,
            mention_role_id=mention.id if mention else None,
            thread=thread == "yes",
            briefing=briefing == "yes",
            created_by=f"discord:{interaction.user.id}",
            now=self.scheduler.clock.now(),
        )
        self.scheduler.wake()
        await interaction.response.send_message(f"Following: {_topic_line(topic)}", ephemeral=True)
        await audit(interaction, "topic.create", f"#{topic.id} {topic.query} · {topic.schedule.describe()}")

    @topic.command(name="list", description="This server's topics")
    async def list_topics(self, interaction: discord.Interaction[Any]) -> None:
        topics = await self.bot.store.list_topics(interaction.guild_id)
        text = "\n".join(_topic_line(t) for t in topics) or "No topics yet: `/topic follow`."
        await interaction.response.send_message(text[:2000], ephemeral=True)

    async def _own(self, interaction: discord.Interaction[Any], topic_id: int) -> Any:
        topic = await self.bot.store.get_topic(topic_id, interaction.guild_id, everything=False)
        if topic is None:
            raise TopicError(f"no topic #{topic_id} in this server (see /topic list)")
        return topic

    @topic.command(name="remove", description="Stop and delete a topic")
    @manager_only()
    async def remove(self, interaction: discord.Interaction[Any], topic: int) -> None:
        await self._own(interaction, topic)
        await self.bot.store.delete_topic(topic, interaction.guild_id)
        await interaction.response.send_message(f"Topic #{topic} removed.", ephemeral=True)
        await audit(interaction, "topic.remove", f"#{topic}")

    @topic.command(name="pause", description="Pause a topic's digests")
    @manager_only()
    async def pause(self, interaction: discord.Interaction[Any], topic: int) -> None:
        t = await self._own(interaction, topic)
        t.paused_reason = f"paused by {interaction.user.display_name}"
        t.next_run_at = None
        await self.bot.store.update_topic(t)
        await interaction.response.send_message(f"Topic #{topic} paused.", ephemeral=True)
        await audit(interaction, "topic.pause", f"#{topic}")

    @topic.command(name="resume", description="Resume a paused topic")
    @manager_only()
    async def resume(self, interaction: discord.Interaction[Any], topic: int) -> None:
        from bot.topics.schedule import next_run_after

        t = await self._own(interaction, topic)
        t.paused_reason = None
        t.failures = 0
        t.next_run_at = next_run_after(t.schedule, self.scheduler.clock.now())
        await self.bot.store.update_topic(t)
        self.scheduler.wake()
        await interaction.response.send_message(f"Resumed: {_topic_line(t)}", ephemeral=True)
        await audit(interaction, "topic.resume", f"#{topic}")

    @topic.command(name="preview", description="What a digest for this search would contain now (last day)")
    async def preview(
        self, interaction: discord.Interaction[Any], query: app_commands.Range[str, 1, 300]
    ) -> None:
        topic, digest = await preview_digest(
            self.bot.store, interaction.guild_id, query, now=self.scheduler.clock.now()
        )
        if not digest.items:
            await interaction.response.send_message("Nothing new matches in the last day.", ephemeral=True)
            return
        await interaction.response.send_message(render_digest(topic, digest)[0], ephemeral=True)

    @topic.command(name="post", description="Post a topic's digest now")
    @manager_only()
    async def post(self, interaction: discord.Interaction[Any], topic: int) -> None:
        t = await self._own(interaction, topic)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not (await build_digest(self.bot.store, t)).items and t.pending is None:
            await interaction.followup.send("Nothing new since the last digest.", ephemeral=True)
            return
        outcome = await self.scheduler.runner.run_topic(t.id, manual=True)
        await interaction.followup.send(f"Topic #{topic}: {outcome}.", ephemeral=True)
        await audit(interaction, "topic.post", f"#{topic}: {outcome}")


async def setup(bot: NewsBot) -> None:
    poster = DiscordPoster(bot, bot.budget)
    scheduler = TopicScheduler(bot.store, poster, clock=bot.clock, notices=poster)
    await bot.add_cog(Topics(bot, scheduler))
    bot.start_background("topic-scheduler", scheduler.run)
