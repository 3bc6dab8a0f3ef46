"""Admin commands: /ingest url|file|text and /stats (Manage Server or an admin role, checked at run time).
and /feed add|list|remove|pause|resume with the feed poller's Discord side. Slow work defers first and
answers by followup."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import discord.http
from discord import app_commands
from discord.ext import commands

from bot.errors import FeedError, TopicError
from bot.feeds.manage import MAX_MINUTES, MIN_MINUTES, follow_feed
from bot.feeds.poller import FeedPoller, NewItem
from bot.feeds.types import Feed, FeedSubscription
from bot.ingest.netguard import validate_url
from bot.ingest.pipeline import IngestResult
from bot.jobs import INGEST
from bot.markdown import masked_link
from bot.services import MB, IngestOutcome, check_upload
from bot.store import Scope
from bot.topics.poster import PostFailed
from cogs.audit import audit
from cogs.formatting import (
    CONTENT_MAX,
    DESCRIPTION_MAX,
    clip,
    escape,
    fill_lines,
    fit_embed,
    inline_code,
    link_target,
    manager_only,
    stats_embed,
)
from cogs.jobs import JobReporter

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

STATUS_WORDS = {"created": "Stored", "updated": "Updated", "duplicate": "Already stored", "failed": "Failed"}


def who(interaction: discord.Interaction[Any]) -> str:
    return f"discord:{interaction.user.id}"


def outcome_embed(outcome: IngestOutcome, colour: int) -> discord.Embed:
    """One line per item: what was stored, what was a duplicate, what failed and why."""
    results = outcome.results
    created, failed = outcome.count("created", "updated"), outcome.count("failed")
    title = (
        f"Ingested {created} of {outcome.total:,}"
        if outcome.total > 1
        else STATUS_WORDS[results[0].status]
        if results
        else "Nothing to ingest"
    )
    embed = discord.Embed(title=title, colour=colour if not failed or created else 0xC53030)
    embed.description = (
        # failures first: in a long upload they (and the item cap's notice) must not be cut off
        fill_lines(
            [_line(r) for r in [*outcome.failed, *(r for r in results if r.status != "failed")]],
            DESCRIPTION_MAX,
        )[0]
        or "The input held no articles."
    )
    return fit_embed(embed)


def _summary_of(what: str, outcome: IngestOutcome) -> str:
    return f"{what}: {len(outcome.created)} stored, {len(outcome.failed)} failed of {len(outcome.results)}"


def _line(r: IngestResult) -> str:
    if r.status == "failed":
        return f"✗ {escape(clip(r.source, 80))}: {escape(r.error or 'failed')}"
    name = escape(clip(r.title or r.source, 150))
    if r.status == "duplicate":
        return f"= {name} — already stored as #{r.duplicate_of or r.id}"
    return f"✓ #{r.id} {name}" + (" (updated)" if r.status == "updated" else "")


class IngestTextModal(discord.ui.Modal, title="Add an article"):
    headline: discord.ui.TextInput[IngestTextModal] = discord.ui.TextInput(
        label="Title", required=False, max_length=300, custom_id="ingest:title"
    )
    body: discord.ui.TextInput[IngestTextModal] = discord.ui.TextInput(
        label="Article text",
        style=discord.TextStyle.paragraph,
        min_length=20,
        max_length=4000,
        custom_id="ingest:body",
        placeholder="Paste the article (or the whole page; menus and footers are removed)",
    )

    def __init__(self, bot: NewsBot) -> None:
        super().__init__(timeout=900)
        self.bot = bot

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        async with self.bot.tracked():
            await interaction.response.defer(thinking=True, ephemeral=True)
            news = self.bot.news
            outcome = await news.ingest_text(
                self.headline.value, self.body.value, interaction.guild_id, who(interaction)
            )
            settings = await news.guild_settings(interaction.guild_id)
            await interaction.followup.send(
                embed=outcome_embed(outcome, settings.accent_colour), ephemeral=True
            )
            await audit(
                interaction, "ingest.text", _summary_of(self.headline.value or "pasted text", outcome)
            )

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:  # type: ignore[override]
        from cogs.errors import report_error

        await report_error(interaction, error)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class IngestGroup(app_commands.Group):
    pass


class Ingestion(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    ingest = IngestGroup(name="ingest", description="Add articles to this server's library")

    async def _finish(self, interaction: discord.Interaction[Any], outcome: IngestOutcome) -> None:
        settings = await self.bot.news.guild_settings(interaction.guild_id)
        await interaction.followup.send(embed=outcome_embed(outcome, settings.accent_colour), ephemeral=True)

    @ingest.command(name="url", description="Fetch a web page and store its article")
    @app_commands.describe(url="The article's address (http or https)")
    @manager_only()
    async def ingest_url(
        self, interaction: discord.Interaction[Any], url: app_commands.Range[str, 1, 2000]
    ) -> None:
        assert interaction.guild_id is not None
        clean = validate_url(url)  # an obviously bad URL is answered at once, before deferring
        async with self.bot.tracked():
            await interaction.response.defer(thinking=True, ephemeral=True)
            outcome = await self.bot.news.ingest_url(clean, interaction.guild_id, who(interaction))
            await self._finish(interaction, outcome)
            await audit(interaction, "ingest.url", _summary_of(clean, outcome))

    @ingest.command(name="file", description="Store articles from an HTML, text, Markdown or JSONL file")
    @app_commands.describe(file="An .html, .txt, .md or .jsonl file (optionally .gz)")
    @manager_only()
    async def ingest_file(self, interaction: discord.Interaction[Any], file: discord.Attachment) -> None:
        assert interaction.guild_id is not None
        check_upload(file.filename, file.size, self.bot.news.upload_max_bytes)
        if not self.bot.background:  # scaled out (--shards): a worker runs it, not a gateway process
            await self._queue_upload(interaction, file)
            return
        async with self.bot.tracked():
            await interaction.response.defer(thinking=True, ephemeral=True)
            data = await file.read()
            job = JobReporter(self.bot, interaction, f"ingest of {file.filename}")
            outcome = await self.bot.news.ingest_upload(
                file.filename, data, interaction.guild_id, who(interaction), progress=job.progress
            )
            settings = await self.bot.news.guild_settings(interaction.guild_id)
            await job.finish(outcome_embed(outcome, settings.accent_colour))
            await audit(interaction, "ingest.file", _summary_of(file.filename, outcome))

    async def _queue_upload(self, interaction: discord.Interaction[Any], file: discord.Attachment) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        settings = await self.bot.news.guild_settings(interaction.guild_id)
        payload = {
            "url": file.url,
            "filename": file.filename,
            "limit": self.bot.news.upload_max_bytes,
            "guild_id": interaction.guild_id,
            "by": who(interaction),
            "application_id": interaction.application_id,
            "token": interaction.token,
            "channel_id": interaction.channel_id,
            "colour": settings.accent_colour,
        }
        job_id = await self.bot.store.enqueue_job(INGEST, payload, discord.utils.utcnow())
        log.info("ingest queued for a worker", extra={"job_id": job_id, "file": file.filename})
        await audit(interaction, "ingest.file", f"{file.filename}: queued for a worker (job {job_id})")
        await interaction.edit_original_response(
            content=f"Queued {escape(clip(file.filename, 100))} ({file.size / MB:.1f} MB): the result will "
            "appear here."
        )

    @ingest.command(name="text", description="Paste an article's text")
    @manager_only()
    async def ingest_text(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(IngestTextModal(self.bot))

    @app_commands.command(name="stats", description="What this server's library holds")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @manager_only()
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        news = self.bot.news
        stats = await news.stats(Scope.guild(interaction.guild_id))
        settings = await news.guild_settings(interaction.guild_id)
        name = interaction.guild.name if interaction.guild else None
        await interaction.response.send_message(embed=stats_embed(stats, settings, name), ephemeral=True)


def pause_notice(subscription: FeedSubscription, feed: Feed, reason: str) -> str:
    """Why a feed stopped; the feed's error text comes from the remote server, so it is escaped."""
    link = link_target(feed.url)
    text = (
        f"⏸️ Feed paused ({escape(reason)}): "
        + (f"<{link}>" if link else inline_code(feed.url, 200))
        + (f"\nLast error: {clip(escape(feed.last_error), 200)}" if feed.last_error else "")
        + f"\nUse `/feed resume {subscription.id}` to try again."
    )
    return clip(text, CONTENT_MAX)


def announcement(feed: Feed, items: list[NewItem]) -> str:
    """New feed items as one message; an item links only to an http(s) address, made inert for markdown."""
    lines = [f"🗞️ **{escape(clip(feed.title or feed.url, 100))}** — {len(items)} new"]
    for it in items[:10]:
        link = link_target(it.url)
        url = it.url if link and len(link) <= 400 else None  # ten longer ones would not fit in one message
        lines.append(f"• {masked_link(it.title, url, 150)} (#{it.article_id})")
    if len(items) > 10:
        lines.append(f"…and {len(items) - 10} more")
    return fill_lines(lines, CONTENT_MAX)[0]


class DiscordFeedNotifier:
    def __init__(self, bot: discord.Client) -> None:  # a gateway bot or a REST-only worker
        self.bot = bot

    async def feed_paused(self, subscription: FeedSubscription, feed: Feed, reason: str) -> bool:
        if subscription.channel_id is None:
            return False
        text = pause_notice(subscription, feed, reason)
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
        channel = self.bot.get_partial_messageable(subscription.channel_id)
        while items:
            text = announcement(feed, items)
            # Same batch, same nonce: a resend after a crash returns the first message instead of a second one.
            nonce = f"f{subscription.id}a{items[0].article_id}"[:25]
            sent = await channel.send(text, allowed_mentions=discord.AllowedMentions.none(), nonce=nonce)
            if sent.content == text:
                return
            # Discord returned an earlier message with this nonce (sent before a crash, when fewer items
            # were owed): what it does not list still needs announcing.
            listed = {int(x) for x in re.findall(r"\(#(\d+)\)", sent.content)}
            rest = [it for it in items if it.article_id not in listed]
            if len(rest) == len(items) or re.search(r"…and \d+ more$", sent.content):
                return  # not ours to split (an unrelated nonce clash, or a summarised batch)
            items = rest


class DiscordJobReporter:
    """Answers a queued upload from a worker: edits the asker's deferred reply through the interaction
    webhook (REST, no gateway); once its token has run out (15 minutes), a message in the channel."""

    def __init__(self, client: discord.Client, session: aiohttp.ClientSession) -> None:
        self.client = client
        self.session = session

    async def ingest_done(
        self, payload: dict[str, Any], outcome: IngestOutcome | None, error: str | None
    ) -> None:
        name = escape(clip(str(payload.get("filename")), 100))
        if outcome is not None:
            embed = outcome_embed(outcome, int(payload.get("colour") or 0))
        else:
            embed = discord.Embed(
                title="Failed", colour=0xC53030, description=f"{name}: {escape(error or 'failed')}"
            )
        body = {"content": "", "embeds": [embed.to_dict()], "allowed_mentions": {"parse": []}}
        url = f"{discord.http.Route.BASE}/webhooks/{payload['application_id']}/{payload['token']}/messages/@original"
        async with self.session.patch(url, json=body) as resp:
            if resp.status < 300:
                return
            if resp.status >= 500:
                raise PostFailed(f"Discord error {resp.status} editing the upload's answer")
        channel = payload.get("channel_id")
        if channel:
            await self.client.get_partial_messageable(int(channel)).send(
                content=f"Upload {name}:", embed=embed, allowed_mentions=discord.AllowedMentions.none()
            )


class Feeds(commands.Cog):
    """/feed: RSS/Atom/JSON feeds polled into this server's library."""

    feed = app_commands.Group(
        name="feed", description="RSS/Atom/JSON feeds that keep the library filled", guild_only=True
    )

    def __init__(self, bot: NewsBot, poller: FeedPoller) -> None:
        self.bot = bot
        self.poller = poller

    @feed.command(name="add", description="Follow a feed; new items are stored (and announced in a channel)")
    @app_commands.describe(
        url="Feed address",
        channel="Announce new items here",
        topic="Leave announcing to this topic",
        minutes=f"Poll interval in minutes (default 15, {MIN_MINUTES}-{MAX_MINUTES})",
    )
    @manager_only()
    async def feed_add(
        self,
        interaction: discord.Interaction[Any],
        url: app_commands.Range[str, 1, 2000],
        channel: discord.TextChannel | None = None,
        topic: int | None = None,
        minutes: app_commands.Range[int, MIN_MINUTES, MAX_MINUTES] | None = None,
    ) -> None:
        """Re-adding a followed feed updates its channel, topic and interval (and says which)."""
        clean = validate_url(url)
        if topic is not None:
            if await self.bot.store.get_topic(topic, interaction.guild_id, everything=False) is None:
                raise TopicError(f"no topic #{topic} in this server (see /topic list)")
        followed = await follow_feed(
            self.bot.store,
            clean,
            interaction.guild_id,
            minutes=minutes,
            channel_id=channel.id if channel else None,
            topic_id=topic,
            added_by=f"discord:{interaction.user.id}",
            now=self.poller._now(),
        )
        self.poller.wake()
        sub = followed.subscription
        if followed.created:
            text = (
                f"Following feed #{sub.id}: <{clean}>. Its current items are stored quietly; new ones follow."
            )
        elif followed.changed:
            text = f"Updated feed #{sub.id} ({', '.join(followed.changed)}): <{clean}>."
        else:
            text = f"Already following feed #{sub.id}: <{clean}>; nothing changed."
        if followed.interval_kept:
            text += f" It stays polled every {followed.interval_minutes} min: another server follows it more often."
        await interaction.response.send_message(text, ephemeral=True)
        what = "follow" if followed.created else "update"
        await audit(interaction, f"feed.{what}", f"#{sub.id} {clean} {', '.join(followed.changed)}".strip())

    @feed.command(name="list", description="This server's feeds")
    async def feed_list(self, interaction: discord.Interaction[Any]) -> None:
        subs = await self.bot.store.list_feed_subscriptions(interaction.guild_id)
        lines = []
        for s in subs:
            d = s.to_dict()
            state = (
                f"⏸️ {escape(str(d['paused_reason']))}"
                if d["paused"]
                else f"every {d['interval_minutes']} min"
            )
            where = f" → <#{s.channel_id}>" if s.channel_id else ""
            lines.append(
                f"**#{s.id}** {escape(clip(str(d['title'] or d['url']), 80))} <{d['url']}>{where} · {state}"
            )
        await interaction.response.send_message(
            ("\n".join(lines) or "No feeds yet: `/feed add`.")[:2000], ephemeral=True
        )

    async def _feed_sub(self, interaction: discord.Interaction[Any], feed: int) -> None:
        if not any(s.id == feed for s in await self.bot.store.list_feed_subscriptions(interaction.guild_id)):
            raise FeedError(f"no feed #{feed} in this server (see /feed list)")

    @feed.command(name="remove", description="Stop following a feed")
    @manager_only()
    async def feed_remove(self, interaction: discord.Interaction[Any], feed: int) -> None:
        await self._feed_sub(interaction, feed)
        await self.bot.store.remove_feed_subscription(feed, interaction.guild_id)
        await interaction.response.send_message(f"Feed #{feed} removed.", ephemeral=True)
        await audit(interaction, "feed.remove", f"#{feed}")

    @feed.command(name="pause", description="Pause a feed")
    @manager_only()
    async def feed_pause(self, interaction: discord.Interaction[Any], feed: int) -> None:
        await self._feed_sub(interaction, feed)
        await self.bot.store.set_subscription_paused(feed, interaction.guild_id, "paused by a moderator")
        await interaction.response.send_message(f"Feed #{feed} paused.", ephemeral=True)
        await audit(interaction, "feed.pause", f"#{feed}")

    @feed.command(name="resume", description="Resume a paused feed (also after it failed)")
    @manager_only()
    async def feed_resume(self, interaction: discord.Interaction[Any], feed: int) -> None:
        await self._feed_sub(interaction, feed)
        await self.bot.store.set_subscription_paused(feed, interaction.guild_id, None, now=self.poller._now())
        self.poller.wake()
        await interaction.response.send_message(f"Feed #{feed} resumed.", ephemeral=True)
        await audit(interaction, "feed.resume", f"#{feed}")


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ingestion(bot))
    poller = FeedPoller(
        bot.store, bot.ingestor, bot.fetcher, clock=bot.clock, notifier=DiscordFeedNotifier(bot)
    )
    await bot.add_cog(Feeds(bot, poller))
    bot.start_background("feed-poller", poller.run)
