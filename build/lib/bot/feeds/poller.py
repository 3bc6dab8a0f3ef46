"""The feed poller: one task for every feed, driven by the store's `next_poll_at`.

Politeness: conditional GET (ETag / Last-Modified), one fetch per URL whatever the number of servers
following it, at most `per_host` requests in flight per host, jitter on every next poll, Retry-After
honoured, exponential back-off after failures. Safety: a failing feed is paused with a reason after a
few failures in a row (at once when its address is blocked) and each following channel told once.
Nothing a feed serves can crash the loop: every poll ends in stored articles or a recorded reason.
Announcements are owed durably: recorded as soon as an item is stored (its seen keys right after),
sent from that record and marked once the notifier returned, so a kill mid-poll delays them instead
of losing them; what is still owed after a day is dropped quietly rather than flooding a channel.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol

from yarl import URL

from bot.errors import (
    BlockedAddress,
    ExtractionError,
    HTTPStatusError,
    InvalidURL,
    NewsbotError,
    ResponseTooLarge,
    UnsupportedContentType,
)
from bot.feeds.items import entry_article, entry_keys
from bot.feeds.parse import FeedTooLarge, NotAFeed, parse_feed
from bot.feeds.types import Feed, FeedEntry, FeedSubscription, PendingAnnouncement
from bot.ingest.fetch import FEED_TYPES, PAGE_TYPES, Fetcher
from bot.ingest.pipeline import Ingestor, IngestResult
from bot.models import ExtractedArticle
from bot.store.base import ArticleStore
from bot.timer import Clock, DueLoop

log = logging.getLogger(__name__)

FIRST_POLL_ITEMS = 50  # a new feed's first poll stores at most this many (newest) items
MAX_NEW_PER_POLL = 100  # a flood beyond this is marked seen, not ingested
PAUSE_AFTER = {"not found": 3, "not a feed": 3, "too large": 3, "blocked": 1, "too many failures": 8}
MAX_BACKOFF = timedelta(hours=6)
ANNOUNCE_WITHIN = timedelta(days=1)  # an announcement still owed after this is dropped, not sent late
_FEED_ACCEPT = frozenset(FEED_TYPES | PAGE_TYPES)  # an HTML page gets "not a feed", not a content-type error


class FeedNotifier(Protocol):
    async def feed_paused(self, subscription: FeedSubscription, feed: Feed, reason: str) -> bool:
        """Tell the subscription's channel; True when told (so it is told only once)."""

    async def new_items(self, subscription: FeedSubscription, feed: Feed, items: list[NewItem]) -> None: ...


@dataclass(slots=True)
class NewItem:
    article_id: int
    title: str
    url: str | None


@dataclass(slots=True)
class PollResult:
    feed_id: int
    status: str  # "ok", "not modified", "failed", "paused", "skipped"
    new: int = 0
    stored: int = 0
    duplicates: int = 0
    skipped: int = 0
    error: str | None = None
    items: dict[int, list[NewItem]] = field(default_factory=dict)  # per subscription id
    reason: str | None = None  # what a failure counts towards (`classify`): "not found", "blocked", ...
    url: str | None = None


def classify(exc: BaseException) -> str:
    """The pause reason a failure counts towards."""
    if isinstance(exc, BlockedAddress | InvalidURL):
        return "blocked"
    if isinstance(exc, HTTPStatusError):
        if exc.status in (404, 410):
            return "not found"
        if exc.status in (401, 403, 451):
            return "blocked"
        return "too many failures"
    if isinstance(exc, ResponseTooLarge | FeedTooLarge):
        return "too large"
    if isinstance(exc, NotAFeed | UnsupportedContentType):
        return "not a feed"
    return "too many failures"


def _retry_after(exc: BaseException, now: datetime) -> timedelta | None:
    raw = getattr(exc, "retry_after", None)
    if not raw:
        return None
    try:
        return timedelta(seconds=min(int(raw), 86400))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(when - now, timedelta(0)) if when.tzinfo else None


class FeedPoller:
    def __init__(
        self,
        store: ArticleStore,
        ingestor: Ingestor,
        fetcher: Fetcher,
        *,
        clock: Clock,
        notifier: FeedNotifier | None = None,
        concurrency: int = 8,
        per_host: int = 2,
        fetch_articles: bool = True,
        jitter: Callable[[int], float] | None = None,
    ) -> None:
        self.store = store
        self.ingestor = ingestor
        self.fetcher = fetcher
        self.clock = clock
        self.notifier = notifier
        self.concurrency = concurrency
        self.per_host = per_host
        self.fetch_articles = fetch_articles
        self.jitter = jitter or (lambda interval: random.uniform(0, min(60.0, interval * 0.1)))
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self.per_host))
        self.loop = DueLoop("feed poller", clock, self.poll_due, store.next_feed_poll)

    def _now(self) -> datetime:
        return self.clock.now()

    def wake(self) -> None:
        self.loop.wake()

    def stop(self) -> None:
        self.loop.stop()

    async def run(self) -> None:
        try:  # what a killed run stored but never told its channels goes out first
            await self.announce_pending()
        except Exception:
            log.exception("could not announce pending feed items at start")
        await self.loop.run()

    async def poll_due(self, limit: int = 200) -> list[PollResult]:
        due = await self.store.due_feeds(self._now(), limit=limit)
        sem = asyncio.Semaphore(self.concurrency)

        async def one(feed: Feed) -> PollResult:
            async with sem:
                return await self.poll_feed(feed)

        return list(await asyncio.gather(*(one(f) for f in due)))

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        try:
            host = (URL(url).host or "").lower()
        except ValueError:
            host = ""
        return self._hosts[host]

    async def poll_feed(self, feed: Feed) -> PollResult:
        """Poll one feed now. Never raises for anything the feed or the network does."""
        now = self._now()
        feed.last_polled_at = now
        announce = feed.primed  # the first poll stores and announces nothing
        try:
            subs = [s for s in await self.store.feed_subscribers(feed.id) if not s.paused_reason]
            if not subs:
                feed.next_poll_at = now + timedelta(seconds=feed.interval_s)
                await self.store.update_feed(feed)
                return PollResult(feed.id, "skipped")
            async with self._host_slot(feed.url):
                page = await self.fetcher.fetch(
                    feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=_FEED_ACCEPT
                )
            if page.not_modified:
                result = PollResult(feed.id, "not modified")
            else:
                parsed = await asyncio.to_thread(
                    parse_feed, page.body, url=page.final_url, content_type=page.content_type
                )
                feed.title = parsed.title or feed.title
                result = await self._ingest_entries(feed, parsed.entries, subs)
            feed.etag, feed.last_modified = page.etag, page.last_modified
        except (NewsbotError, OSError) as exc:
            return await self._failed(feed, exc, now)
        except Exception as exc:  # a bug must not stop the poller or leave the feed stuck
            log.exception("feed poll crashed", extra={"feed": feed.url})
            return await self._failed(feed, exc, now)
        feed.failures = 0
        feed.last_error = None
        feed.last_ok_at = now
        feed.next_poll_at = now + timedelta(seconds=feed.interval_s + self.jitter(feed.interval_s))
        await self.store.update_feed(feed)
        if announce:
            await self.announce_pending(feed)
        return result

    async def _failed(self, feed: Feed, exc: BaseException, now: datetime) -> PollResult:
        reason = classify(exc)
        message = " ".join(str(exc).split())[:300] or type(exc).__name__
        feed.failures += 1
        feed.last_error = message
        log.warning("feed poll failed", extra={"feed": feed.url, "error": message, "failures": feed.failures})
        if feed.failures >= PAUSE_AFTER[reason]:
            feed.paused_reason = reason
            feed.next_poll_at = now
            await self.store.update_feed(feed)
            await self._notify_paused(feed)
            return PollResult(feed.id, "paused", error=f"{reason}: {message}", reason=reason, url=feed.url)
        backoff = timedelta(seconds=feed.interval_s) * (2 ** (feed.failures - 1))
        wait = max(min(backoff, MAX_BACKOFF), _retry_after(exc, now) or timedelta(0))
        feed.next_poll_at = now + wait + timedelta(seconds=self.jitter(feed.interval_s))
        await self.store.update_feed(feed)
        return PollResult(feed.id, "failed", error=message, reason=reason, url=feed.url)

    async def _notify_paused(self, feed: Feed) -> None:
        if self.notifier is None:
            return
        told: list[int] = []
        for sub in await self.store.feed_subscribers(feed.id):
            if sub.pause_notified or sub.channel_id is None:
                continue
            try:
                if await self.notifier.feed_paused(sub, feed, feed.paused_reason or "paused"):
                    told.append(sub.id)
            except Exception:  # telling is best effort; the pause itself is recorded
                log.exception("could not tell a channel about a paused feed", extra={"feed": feed.url})
        await self.store.mark_pause_notified(told)

    async def _ingest_entries(
        self, feed: Feed, entries: list[FeedEntry], subs: list[FeedSubscription]
    ) -> PollResult:
        result = PollResult(feed.id, "ok")
        keyed = [(e, entry_keys(e)) for e in entries]
        seen = await self.store.seen_feed_keys(feed.id, [k for _, keys in keyed for k in keys])
        fresh: list[tuple[FeedEntry, list[str]]] = []
        fresh_keys: set[str] = set()
        for entry, keys in keyed:
            if not keys or any(k in seen or k in fresh_keys for k in keys):
                continue
            fresh.append((entry, keys))
            fresh_keys.update(keys)
        result.new = len(fresh)
        cap = FIRST_POLL_ITEMS if not feed.primed else MAX_NEW_PER_POLL
        fresh.sort(key=lambda pair: pair[0].published.timestamp() if pair[0].published else 0.0, reverse=True)
        kept, dropped = fresh[:cap], fresh[cap:]
        if dropped:
            log.info(
                "feed flood: only the newest items are ingested",
                extra={"feed": feed.url, "skipped": len(dropped)},
            )
        result.skipped = len(dropped)
        recorded: list[tuple[str, int | None]] = [(k, None) for _, keys in dropped for k in keys]
        guilds = list(dict.fromkeys(s.guild_id for s in subs))
        for entry, keys in kept:
            article_id = await self._ingest_one(feed, entry, subs, guilds, result)
            # seen as soon as stored: a kill later in the poll neither re-ingests nor forgets it
            await self.store.record_feed_items(feed.id, [(k, article_id) for k in keys], ())
        # keys of already-seen entries may carry a new GUID (churn): remember those too
        for _, keys in keyed:
            recorded.extend((k, None) for k in keys if k not in seen and k not in fresh_keys)
        await self.store.record_feed_items(feed.id, recorded, ())
        feed.primed = True
        return result

    async def _article(self, feed: Feed, entry: FeedEntry) -> ExtractedArticle:
        own: ExtractedArticle | None
        try:
            own = entry_article(entry, feed_title=feed.title)
        except ExtractionError:
            own = None
        if self.fetch_articles and entry.link:
            try:
                async with self._host_slot(entry.link):
                    page = await self.fetcher.fetch(entry.link)
                if page.content_type and "html" in page.content_type:
                    from bot.ingest.html_extract import decode_html, extract_html

                    html = decode_html(page.body, content_type=page.content_type)
                    fetched = await asyncio.to_thread(extract_html, html, url=page.final_url)
                    if own is None or len(fetched.body) >= len(own.body):
                        fetched.url = fetched.url or page.final_url
                        fetched.title = fetched.title or entry.title
                        fetched.published = fetched.published or entry.published
                        fetched.source = fetched.source or feed.title
                        if not fetched.authors:
                            fetched.authors = list(entry.authors)
                        return fetched
            except (NewsbotError, OSError) as exc:
                log.info(
                    "article link not usable; using the feed's text",
                    extra={"url": entry.link, "error": str(exc)},
                )
        if own is None:
            raise ExtractionError("the item has no text and its link gave no article")
        return own

    async def _ingest_one(
        self,
        feed: Feed,
        entry: FeedEntry,
        subs: list[FeedSubscription],
        guilds: list[int | None],
        result: PollResult,
    ) -> int | None:
        try:
            article = await self._article(feed, entry)
        except NewsbotError as exc:
            log.info("feed item skipped", extra={"feed": feed.url, "guid": entry.guid, "error": str(exc)})
            return None
        first_id: int | None = None
        for guild_id in guilds:
            source = entry.link or f"{feed.url}#{entry.guid or ''}"
            try:
                outcome = await self.ingestor.store_extracted(
                    article, origin="feed", source=source, guild_id=guild_id, ingested_by=_ingested_by(feed)
                )
            except NewsbotError as exc:
                log.info("feed item not stored", extra={"feed": feed.url, "error": str(exc)})
                continue
            first_id = first_id or outcome.id
            if outcome.id is not None and (
                outcome.status == "created" or await self._stored_but_unrecorded(feed, outcome)
            ):
                result.stored += 1
                new = NewItem(outcome.id, outcome.title or article.title or "Untitled", article.url)
                owners = [sub for sub in subs if sub.guild_id == guild_id]
                for sub in owners:
                    result.items.setdefault(sub.id, []).append(new)
                if feed.primed:  # owed from the moment it is stored (the first poll announces nothing)
                    await self.store.record_feed_items(feed.id, (), self._owed(owners, new))
            else:
                result.duplicates += 1
        return first_id

    async def _stored_but_unrecorded(self, feed: Feed, outcome: IngestResult) -> bool:
        """A duplicate of an article this feed stored whose item was never recorded: the process died
        between storing it and recording it, so its announcement is still owed (GUID churn and repeats
        within the feed always point at a recorded item, so they are not announced again)."""
        if not feed.primed or outcome.status != "duplicate" or outcome.id is None:
            return False
        return await self.store.feed_stored_unrecorded(feed.id, outcome.id, _ingested_by(feed))

    def _owed(self, subs: list[FeedSubscription], item: NewItem) -> list[PendingAnnouncement]:
        if self.notifier is None:
            return []
        now = self._now()
        return [
            PendingAnnouncement(sub.id, item.article_id, item.title, item.url, now)
            for sub in subs
            if sub.channel_id is not None and sub.topic_id is None
        ]

    async def announce_pending(self, feed: Feed | None = None) -> int:
        """Send what is owed (one feed's subscriptions, or all); how many items the channels were told.

        A row is marked only after the notifier returned, so a failure leaves it for the next poll;
        rows older than `ANNOUNCE_WITHIN` are dropped unsent.
        """
        if self.notifier is None:
            return 0
        now = self._now()
        dropped = await self.store.prune_feed_announcements(now - ANNOUNCE_WITHIN)
        if dropped:
            log.info("stale feed announcements dropped", extra={"dropped": dropped})
        pending = await self.store.pending_feed_announcements(
            feed.id if feed else None, since=now - ANNOUNCE_WITHIN
        )
        if not pending:
            return 0
        by_sub: dict[int, list[PendingAnnouncement]] = defaultdict(list)
        for row in pending:
            by_sub[row.subscription_id].append(row)
        subs = (
            await self.store.feed_subscribers(feed.id)
            if feed
            else await self.store.list_feed_subscriptions(None, everything=True)
        )
        told = 0
        for sub in subs:
            rows = by_sub.get(sub.id)
            if not rows or sub.paused_reason or sub.channel_id is None:
                continue
            sub_feed = feed if feed is not None else sub.feed
            if sub_feed is None:
                continue
            items = [NewItem(r.article_id, r.title, r.url) for r in rows]
            try:
                await self.notifier.new_items(sub, sub_feed, items)
            except Exception:  # left pending: the next poll (or start) tries again
                log.exception("could not announce feed items", extra={"feed": sub_feed.url})
                continue
            await self.store.mark_feed_announced(sub.id, [r.article_id for r in rows], self._now())
            told += len(items)
        return told


def _ingested_by(feed: Feed) -> str:
    """Who stored a feed's articles, as recorded on the article row."""
    return f"feed:{feed.id}"
