"""Following a feed, shared by `/feed add` and `newsbot feeds add` so both validate and update alike.

The poll interval lives on the feed (one fetch per URL, however many servers follow it). Whoever sets
the pace: the operator (CLI) sets it outright; a server sets it when it is the feed's only follower,
and otherwise may only make it more frequent (the most eager follower sets the pace).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.errors import FeedError
from bot.feeds.types import MAX_INTERVAL, MIN_INTERVAL, FeedSubscription
from bot.store.base import ArticleStore

MIN_MINUTES = MIN_INTERVAL // 60
MAX_MINUTES = MAX_INTERVAL // 60
# failures that say the URL is not a feed we can follow, rather than a feed having a bad moment
PERMANENT_REASONS = frozenset({"not found", "not a feed", "too large", "blocked"})


class IntervalOutOfRange(FeedError):
    """A poll interval outside MIN_MINUTES..MAX_MINUTES: bad input, not clamped silently."""


def poll_interval(minutes: int | None) -> int | None:
    """Seconds between polls from typed minutes; None when not given (the feed's current pace stays)."""
    if minutes is None:
        return None
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise IntervalOutOfRange(
            f"the poll interval must be at least {MIN_MINUTES} minutes (at most {MAX_MINUTES}), not {minutes}"
        )
    return minutes * 60


@dataclass(slots=True)
class Followed:
    subscription: FeedSubscription
    created: bool
    changed: list[str] = field(default_factory=list)  # settings a re-add updated: channel, topic, interval
    interval_kept: bool = False  # the asked-for interval was slower than another follower's; not applied

    @property
    def interval_minutes(self) -> int | None:
        feed = self.subscription.feed
        return feed.interval_s // 60 if feed else None


async def follow_feed(
    store: ArticleStore,
    url: str,
    guild_id: int | None,
    *,
    minutes: int | None = None,
    channel_id: int | None = None,
    topic_id: int | None = None,
    added_by: str | None = None,
    sets_pace: bool = False,
    now: datetime,
) -> Followed:
    """Follow `url` for a server (None: the operator), or update an existing subscription's settings."""
    interval = poll_interval(minutes)
    before = next(
        (
            s
            for s in await store.list_feed_subscriptions(guild_id)
            if s.feed is not None and s.feed.url == url
        ),
        None,
    )
    sub, created = await store.add_feed_subscription(
        url,
        guild_id,
        channel_id=channel_id,
        topic_id=topic_id,
        added_by=added_by,
        interval_s=interval,
        now=now,
    )
    result = Followed(sub, created)
    feed = sub.feed
    if interval is not None and feed is not None and feed.interval_s != interval:
        followers = await store.feed_subscribers(feed.id)
        if sets_pace or all(s.id == sub.id for s in followers):
            await store.set_feed_interval(feed.id, interval, now + timedelta(seconds=interval))
            sub.feed = await store.get_feed(feed.id) or feed
        else:
            result.interval_kept = True
    if before is not None and not created:
        old, new = before, sub
        if old.channel_id != new.channel_id:
            result.changed.append("channel")
        if old.topic_id != new.topic_id:
            result.changed.append("topic")
        if old.feed and new.feed and old.feed.interval_s != new.feed.interval_s:
            result.changed.append("interval")
    return result
