"""/topic and /feed commands, and the Discord side of the scheduler and the feed poller.

`DiscordPoster` and `DiscordFeedNotifier` implement the protocols bot/ defines (no discord import there);
`setup` starts the two background services (one task each) through the bot's `start_background`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import FeedError, TopicError
from bot.feeds.poller import FeedPoller, NewItem, clamp_interval
from bot.feeds.types import Feed, FeedSubscription
from bot.ingest.netguard import validate_url
from bot.scheduler import TopicScheduler, clock_from_env
from bot.topics.digest import build_digest, render_digest
from bot.topics.manage import new_topic, preview_digest
from bot.topics.poster import ChannelKind, PostFailed, TargetGone
from cogs.formatting import clip, escape, manager_only

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

THREAD_EXISTS = 160004


def _mentions(role_id: int | None) -> discord.AllowedMentions:
    if role_id is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(everyone=False, users=False, replied_user=False, roles=[discord.Object(role_id)])


def _gone(exc: discord.HTTPException) -> TopicError:
    if isinstance(exc, discord.NotFound):
        return TargetGone("channel not found")
    if isinstance(exc, discord.Forbidden):
        return TargetGone("missing permission to post in the channel")
    return PostFailed(f"Discord error {exc.status}: {exc.text[:100]}")


class DiscordPoster:
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

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
        target = self.bot.get_partial_messageable(channel_id)
        try:
            message = await target.send(content, nonce=nonce, allowed_mentions=_mentions(role_id))
        except discord.HTTPException as exc:
            raise _gone(exc) from exc
        return message.id

    async def find_sent(self, channel_id: int, content: str, after: datetime) -> int | None:
        target = self.bot.get_partial_messageable(channel_id)
        me = self.bot.user.id if self.bot.user else None
        try:
            async for message in target.history(limit=50, after=discord.Object(discord.utils.time_snowflake(after))):
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


class DiscordFeedNotifier:
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def feed_paused(self, subscription: FeedSubscription, feed: Feed, reason: str) -> bool:
        if subscription.channel_id is None:
            return False
        text = (
            f"⏸️ Feed paused ({reason}): <{feed.url}>"
            + (f"\nLast error: {clip(feed.last_error, 200)}" if feed.last_error else "")
            + f"\nUse `/feed resume {subscription.id}` to try again."
        )
        try:
            await self.bot.get_partial_messageable(subscription.channel_id).send(
                text, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as exc:
            log.info("pause notice not delivered", extra={"status": exc.status})
            return exc.status in (403, 404)  # nowhere to tell: don't retry forever
        return True

    async def new_items(self, subscription: FeedSubscription, feed: Feed, items: list[NewItem]) -> None:
        if subscription.channel_id is None:
            return
        lines = [f"🗞️ **{escape(clip(feed.title or feed.url, 100))}** — {len(items)} new"]
        for it in items[:10]:
            title = escape(clip(it.title, 150)).replace("[", "(").replace("]", ")")
            lines.append(f"• [{title}](<{it.url}>) (#{it.article_id})" if it.url else f"• {title} (#{it.article_id})")
        if len(items) > 10:
            lines.append(f"…and {len(items) - 10} more")
        await self.bot.get_partial_messageable(subscription.channel_id).send(
            "\n".join(lines)[:2000], allowed_mentions=discord.AllowedMentions.none()
        )


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
    state = f"⏸️ paused: {t.paused_reason}" if t.paused_reason else (
        f"next <t:{int(t.next_run_at.timestamp())}:R>" if t.next_run_at else "not scheduled"
    )
    extras = (" · thread" if t.thread else "") + (f" · mentions <@&{t.mention_role_id}>" if t.mention_role_id else "")
    return f"**#{t.id}** `{escape(clip(t.query, 80))}` → <#{t.channel_id}> · {t.schedule.describe()}{extras} · {state}"


class Topics(commands.Cog):
    topic = app_commands.Group(name="topic", description="Scheduled digests of a saved search", guild_only=True)
    feed = app_commands.Group(name="feed", description="RSS/Atom/JSON feeds that keep the library filled", guild_only=True)

    def __init__(self, bot: NewsBot, scheduler: TopicScheduler, poller: FeedPoller) -> None:
        self.bot = bot
        self.scheduler = scheduler
        self.poller = poller

    # --- /topic ------------------------------------------------------------------------------------
    @topic.command(name="follow", description="Post a digest of new articles matching a search on a schedule")
    @app_commands.describe(
        query="Search words, as in /search", channel="Where digests are posted (text or forum channel)",
        every="How often", at="Local time HH:MM (hourly: the minute)", timezone="IANA zone, e.g. Europe/Berlin",
        day="Weekday for weekly digests", mention="A role to mention with each digest", thread="One thread per digest",
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
        thread: bool = False,
    ) -> None:
        topic = await new_topic(
            self.bot.store, guild_id=interaction.guild_id, channel_id=channel.id, query=query, every=every, at=at,
            timezone=timezone, day=day, mention_role_id=mention.id if mention else None, thread=thread,
            created_by=f"discord:{interaction.user.id}", now=self.scheduler.clock.now(),
        )
        self.scheduler.wake()
        await interaction.response.send_message(f"Following: {_topic_line(topic)}", ephemeral=True)

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

    @topic.command(name="pause", description="Pause a topic's digests")
    @manager_only()
    async def pause(self, interaction: discord.Interaction[Any], topic: int) -> None:
        t = await self._own(interaction, topic)
        t.paused_reason = f"paused by {interaction.user.display_name}"
        t.next_run_at = None
        await self.bot.store.update_topic(t)
        await interaction.response.send_message(f"Topic #{topic} paused.", ephemeral=True)

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

    @topic.command(name="preview", description="What a digest for this search would contain now (last day)")
    async def preview(self, interaction: discord.Interaction[Any], query: app_commands.Range[str, 1, 300]) -> None:
        topic, digest = await preview_digest(self.bot.store, interaction.guild_id, query, now=self.scheduler.clock.now())
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

    # --- /feed -------------------------------------------------------------------------------------
    @feed.command(name="add", description="Follow a feed; new items are stored (and announced in a channel)")
    @app_commands.describe(url="Feed address", channel="Announce new items here", topic="Leave announcing to this topic", minutes="Poll interval (default 15, at least 5)")
    @manager_only()
    async def feed_add(
        self, interaction: discord.Interaction[Any], url: app_commands.Range[str, 1, 2000],
        channel: discord.TextChannel | None = None, topic: int | None = None, minutes: app_commands.Range[int, 5, 1440] | None = None,
    ) -> None:
        clean = validate_url(url)
        if topic is not None:
            await self._own(interaction, topic)
        sub, created = await self.bot.store.add_feed_subscription(
            clean, interaction.guild_id, channel_id=channel.id if channel else None, topic_id=topic,
            added_by=f"discord:{interaction.user.id}", interval_s=clamp_interval(minutes), now=self.poller._now(),
        )
        self.poller.wake()
        verb = "Following" if created else "Already following"
        await interaction.response.send_message(f"{verb} feed #{sub.id}: <{clean}>. Its current items are stored quietly; new ones follow.", ephemeral=True)

    @feed.command(name="list", description="This server's feeds")
    async def feed_list(self, interaction: discord.Interaction[Any]) -> None:
        subs = await self.bot.store.list_feed_subscriptions(interaction.guild_id)
        lines = []
        for s in subs:
            d = s.to_dict()
            state = f"⏸️ {d['paused_reason']}" if d["paused"] else f"every {d['interval_minutes']} min"
            where = f" → <#{s.channel_id}>" if s.channel_id else ""
            lines.append(f"**#{s.id}** {escape(clip(str(d['title'] or d['url']), 80))} <{d['url']}>{where} · {state}")
        await interaction.response.send_message(("\n".join(lines) or "No feeds yet: `/feed add`.")[:2000], ephemeral=True)

    async def _feed_sub(self, interaction: discord.Interaction[Any], feed: int) -> None:
        if not any(s.id == feed for s in await self.bot.store.list_feed_subscriptions(interaction.guild_id)):
            raise FeedError(f"no feed #{feed} in this server (see /feed list)")

    @feed.command(name="remove", description="Stop following a feed")
    @manager_only()
    async def feed_remove(self, interaction: discord.Interaction[Any], feed: int) -> None:
        await self._feed_sub(interaction, feed)
        await self.bot.store.remove_feed_subscription(feed, interaction.guild_id)
        await interaction.response.send_message(f"Feed #{feed} removed.", ephemeral=True)

    @feed.command(name="pause", description="Pause a feed")
    @manager_only()
    async def feed_pause(self, interaction: discord.Interaction[Any], feed: int) -> None:
        await self._feed_sub(interaction, feed)
        await self.bot.store.set_subscription_paused(feed, interaction.guild_id, "paused by a moderator")
        await interaction.response.send_message(f"Feed #{feed} paused.", ephemeral=True)

    @feed.command(name="resume", description="Resume a paused feed (also after it failed)")
    @manager_only()
    async def feed_resume(self, interaction: discord.Interaction[Any], feed: int) -> None:
        await self._feed_sub(interaction, feed)
        await self.bot.store.set_subscription_paused(feed, interaction.guild_id, None, now=self.poller._now())
        self.poller.wake()
        await interaction.response.send_message(f"Feed #{feed} resumed.", ephemeral=True)


async def setup(bot: NewsBot) -> None:
    clock = clock_from_env()
    scheduler = TopicScheduler(bot.store, DiscordPoster(bot), clock=clock)
    poller = FeedPoller(bot.store, bot.ingestor, bot.fetcher, clock=clock, notifier=DiscordFeedNotifier(bot))
    await bot.add_cog(Topics(bot, scheduler, poller))
    bot.start_background("topic-scheduler", scheduler.run)
    bot.start_background("feed-poller", poller.run)
