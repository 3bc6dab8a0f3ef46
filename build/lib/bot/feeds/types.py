"""Feed domain objects: one `Feed` per URL (fetched once), one `FeedSubscription` per server following it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_INTERVAL = 15 * 60  # seconds
MIN_INTERVAL = 5 * 60
MAX_INTERVAL = 24 * 3600


@dataclass(slots=True)
class Feed:
    id: int
    url: str
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    interval_s: int = DEFAULT_INTERVAL
    next_poll_at: datetime | None = None
    last_polled_at: datetime | None = None
    last_ok_at: datetime | None = None
    failures: int = 0
    last_error: str | None = None
    paused_reason: str | None = None  # set by the poller after repeated failures; cleared by resume
    primed: bool = False  # the first poll stored its items without announcing them
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "interval_minutes": self.interval_s // 60,
            "next_poll_at": self.next_poll_at.isoformat() if self.next_poll_at else None,
            "last_ok_at": self.last_ok_at.isoformat() if self.last_ok_at else None,
            "failures": self.failures,
            "last_error": self.last_error,
            "paused_reason": self.paused_reason,
        }


@dataclass(slots=True)
class FeedSubscription:
    """A server (or the operator, guild_id None) following a feed; announcements go to `channel_id`."""

    id: int
    feed_id: int
    guild_id: int | None
    channel_id: int | None = None
    topic_id: int | None = None
    added_by: str | None = None
    paused_reason: str | None = None  # a person paused this subscription
    pause_notified: bool = False  # the channel was told the feed was paused by the poller
    created_at: datetime | None = None
    feed: Feed | None = None

    def to_dict(self) -> dict[str, object]:
        feed = self.feed
        return {
            "id": self.id,
            "feed_id": self.feed_id,
            "url": feed.url if feed else None,
            "title": feed.title if feed else None,
            "guild_id": self.guild_id,
            "channel_id": self.channel_id,
            "topic_id": self.topic_id,
            "paused": bool(self.paused_reason or (feed and feed.paused_reason)),
            "paused_reason": self.paused_reason or (feed.paused_reason if feed else None),
            "interval_minutes": feed.interval_s // 60 if feed else None,
            "last_error": feed.last_error if feed else None,
        }


@dataclass(slots=True)
class FeedEntry:
    """One item of a parsed feed, reduced to what ingestion needs."""

    guid: str | None
    link: str | None
    title: str | None
    content_html: str | None  # the fullest body the feed carries (content:encoded, atom content, ...)
    summary: str | None
    published: datetime | None
    authors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedFeed:
    kind: str  # feedparser's version string: rss20, atom10, json11, ...
    title: str | None
    link: str | None
    entries: list[FeedEntry]
    bozo: str | None = None  # the parser's complaint when it had to recover


@dataclass(slots=True)
class PendingAnnouncement:
    """A new item owed to a subscription's channel, recorded with the item so a crash cannot lose it."""

    subscription_id: int
    article_id: int
    title: str
    url: str | None
    created_at: datetime
