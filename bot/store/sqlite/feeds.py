"""Feeds and subscriptions for the SQLite backend (mixed into SQLiteStore)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import aiosqlite

from bot.feeds.types import Feed, FeedSubscription, PendingAnnouncement
from bot.store.codec import (
    FEED_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    dt_from_db,
    dt_to_db,
    feed_from_row,
    now_utc,
    subscription_from_row,
)

if TYPE_CHECKING:
    from bot.store.sqlite.tx import Transaction

_MAX_IN = 400


def _guild_clause(guild_id: int | None) -> tuple[str, list[Any]]:
    return ("s.guild_id IS NULL", []) if guild_id is None else ("s.guild_id = ?", [guild_id])


class SQLiteFeedsMixin:
    @property
    def db(self) -> aiosqlite.Connection:  # provided by SQLiteStore
        raise NotImplementedError

    async def _transaction(self) -> Transaction:  # provided by SQLiteStore
        raise NotImplementedError

    async def add_feed_subscription(
        self,
        url: str,
        guild_id: int | None,
        *,
        channel_id: int | None = None,
        topic_id: int | None = None,
        added_by: str | None = None,
        interval_s: int | None = None,
        now: datetime | None = None,
    ) -> tuple[FeedSubscription, bool]:
        now = now or now_utc()
        async with await self._transaction():
            async with self.db.execute("SELECT id, interval_s FROM feeds WHERE url = ?", (url,)) as cur:
                row = await cur.fetchone()
            if row is None:
                cur2 = await self.db.execute(
                    "INSERT INTO feeds (url, interval_s, next_poll_at, created_at) VALUES (?,?,?,?)",
                    (url, interval_s or 900, dt_to_db(now), dt_to_db(now)),
                )
                feed_id = cast(int, cur2.lastrowid)
            else:
                feed_id = row["id"]
                if interval_s and interval_s < row["interval_s"]:  # the most eager follower sets the pace
                    await self.db.execute("UPDATE feeds SET interval_s=? WHERE id=?", (interval_s, feed_id))
            clause, params = _guild_clause(guild_id)
            async with self.db.execute(
                f"SELECT s.id FROM feed_subscriptions s WHERE s.feed_id = ? AND {clause}", [feed_id, *params]
            ) as cur:
                existing = await cur.fetchone()
            created = existing is None
            if created:
                await self.db.execute(
                    "INSERT INTO feed_subscriptions (feed_id, guild_id, channel_id, topic_id, added_by, created_at) "
                    "VALUES (?,?,?,?,?,?)",
                    (feed_id, guild_id, channel_id, topic_id, added_by, dt_to_db(now)),
                )
            elif existing is not None:
                await self.db.execute(
                    "UPDATE feed_subscriptions SET channel_id=coalesce(?, channel_id), "
                    "topic_id=coalesce(?, topic_id) WHERE id=?",
                    (channel_id, topic_id, existing["id"]),
                )
        clause, params = _guild_clause(guild_id)
        sql = (
            f"SELECT {SUBSCRIPTION_COLUMNS}, {FEED_COLUMNS} FROM feed_subscriptions s JOIN feeds f ON f.id = s.feed_id "
            f"WHERE s.feed_id = ? AND {clause}"
        )
        async with self.db.execute(sql, [feed_id, *params]) as cur:
            row = await cur.fetchone()
        assert row is not None
        return subscription_from_row(row), created

    async def list_feed_subscriptions(
        self, guild_id: int | None, *, everything: bool = False
    ) -> list[FeedSubscription]:
        clause, params = ("1=1", []) if everything else _guild_clause(guild_id)
        sql = (
            f"SELECT {SUBSCRIPTION_COLUMNS}, {FEED_COLUMNS} FROM feed_subscriptions s JOIN feeds f ON f.id = s.feed_id "
            f"WHERE {clause} ORDER BY s.id"
        )
        async with self.db.execute(sql, params) as cur:
            return [subscription_from_row(r) for r in await cur.fetchall()]

    async def feed_subscribers(self, feed_id: int) -> list[FeedSubscription]:
        sql = (
            f"SELECT {SUBSCRIPTION_COLUMNS}, {FEED_COLUMNS} FROM feed_subscriptions s JOIN feeds f ON f.id = s.feed_id "
            "WHERE s.feed_id = ? ORDER BY s.id"
        )
        async with self.db.execute(sql, (feed_id,)) as cur:
            return [subscription_from_row(r) for r in await cur.fetchall()]

    async def remove_feed_subscription(
        self, subscription_id: int, guild_id: int | None, *, everything: bool = False
    ) -> bool:
        clause, params = ("1=1", []) if everything else _guild_clause(guild_id)
        async with await self._transaction():
            async with self.db.execute(
                f"SELECT s.feed_id FROM feed_subscriptions s WHERE s.id = ? AND {clause}",
                [subscription_id, *params],
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return False
            await self.db.execute("DELETE FROM feed_subscriptions WHERE id = ?", (subscription_id,))
            # nobody follows it any more: forget the feed (and its seen items)
            await self.db.execute(
                "DELETE FROM feeds WHERE id = ? AND NOT EXISTS (SELECT 1 FROM feed_subscriptions WHERE feed_id = ?)",
                (row["feed_id"], row["feed_id"]),
            )
        return True

    async def set_subscription_paused(
        self,
        subscription_id: int,
        guild_id: int | None,
        reason: str | None,
        *,
        everything: bool = False,
        now: datetime | None = None,
    ) -> FeedSubscription | None:
        """Pause (reason) or resume (None) a subscription; resuming also clears the feed's own pause."""
        clause, params = ("1=1", []) if everything else _guild_clause(guild_id)
        async with await self._transaction():
            async with self.db.execute(
                f"SELECT s.feed_id FROM feed_subscriptions s WHERE s.id = ? AND {clause}",
                [subscription_id, *params],
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            await self.db.execute(
                "UPDATE feed_subscriptions SET paused_reason=?, pause_notified=0 WHERE id=?",
                (reason, subscription_id),
            )
            if reason is None:
                await self.db.execute(
                    "UPDATE feeds SET paused_reason=NULL, failures=0, next_poll_at=? WHERE id=?",
                    (dt_to_db(now or now_utc()), row["feed_id"]),
                )
                await self.db.execute(
                    "UPDATE feed_subscriptions SET pause_notified=0 WHERE feed_id=?", (row["feed_id"],)
                )
        subs = await self.feed_subscribers(row["feed_id"])
        return next((s for s in subs if s.id == subscription_id), None)

    async def due_feeds(self, now: datetime, limit: int = 100) -> list[Feed]:
        """Feeds due for a poll that are not paused and have at least one active follower."""
        sql = (
            f"SELECT {FEED_COLUMNS} FROM feeds f WHERE f.paused_reason IS NULL AND f.next_poll_at <= ? "
            "AND EXISTS (SELECT 1 FROM feed_subscriptions s WHERE s.feed_id = f.id AND s.paused_reason IS NULL) "
            "ORDER BY f.next_poll_at LIMIT ?"
        )
        async with self.db.execute(sql, (dt_to_db(now), limit)) as cur:
            return [feed_from_row(r) for r in await cur.fetchall()]

    async def next_feed_poll(self) -> datetime | None:
        sql = (
            "SELECT min(f.next_poll_at) FROM feeds f WHERE f.paused_reason IS NULL AND EXISTS "
            "(SELECT 1 FROM feed_subscriptions s WHERE s.feed_id = f.id AND s.paused_reason IS NULL)"
        )
        async with self.db.execute(sql) as cur:
            row = await cur.fetchone()
        return dt_from_db(row[0]) if row and row[0] else None

    async def get_feed(self, feed_id: int) -> Feed | None:
        async with self.db.execute(f"SELECT {FEED_COLUMNS} FROM feeds f WHERE f.id = ?", (feed_id,)) as cur:
            row = await cur.fetchone()
        return feed_from_row(row) if row else None

    async def update_feed(self, feed: Feed) -> None:
        async with await self._transaction():
            await self.db.execute(
                "UPDATE feeds SET title=?, etag=?, last_modified=?, next_poll_at=?, last_polled_at=?, "
                "last_ok_at=?, failures=?, last_error=?, paused_reason=?, primed=? WHERE id=?",
                (
                    feed.title,
                    feed.etag,
                    feed.last_modified,
                    dt_to_db(feed.next_poll_at),
                    dt_to_db(feed.last_polled_at),
                    dt_to_db(feed.last_ok_at),
                    feed.failures,
                    feed.last_error,
                    feed.paused_reason,
                    int(feed.primed),
                    feed.id,
                ),
            )

    async def set_feed_interval(self, feed_id: int, interval_s: int, next_poll_by: datetime) -> None:
        async with await self._transaction():
            await self.db.execute(
                "UPDATE feeds SET interval_s = ?, next_poll_at = CASE WHEN next_poll_at IS NULL "
                "OR next_poll_at > ? THEN ? ELSE next_poll_at END WHERE id = ?",
                (interval_s, dt_to_db(next_poll_by), dt_to_db(next_poll_by), feed_id),
            )

    async def mark_pause_notified(self, subscription_ids: Sequence[int]) -> None:
        if not subscription_ids:
            return
        async with await self._transaction():
            await self.db.executemany(
                "UPDATE feed_subscriptions SET pause_notified=1 WHERE id=?", [(i,) for i in subscription_ids]
            )

    async def feed_stored_unrecorded(self, feed_id: int, article_id: int, ingested_by: str) -> bool:
        async with self.db.execute(
            "SELECT 1 FROM articles a WHERE a.id = ? AND a.ingested_by = ? AND NOT EXISTS "
            "(SELECT 1 FROM feed_items i WHERE i.feed_id = ? AND i.article_id = a.id)",
            (article_id, ingested_by, feed_id),
        ) as cur:
            return await cur.fetchone() is not None

    async def seen_feed_keys(self, feed_id: int, keys: Sequence[str]) -> set[str]:
        seen: set[str] = set()
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _MAX_IN):
            part = unique[start : start + _MAX_IN]
            marks = ",".join("?" * len(part))
            async with self.db.execute(
                f"SELECT key FROM feed_items WHERE feed_id = ? AND key IN ({marks})", [feed_id, *part]
            ) as cur:
                seen.update(r[0] for r in await cur.fetchall())
        return seen

    async def add_feed_keys(self, feed_id: int, keys: Sequence[tuple[str, int | None]]) -> None:
        await self.record_feed_items(feed_id, keys, ())

    async def record_feed_items(
        self,
        feed_id: int,
        keys: Sequence[tuple[str, int | None]],
        announcements: Sequence[PendingAnnouncement],
    ) -> None:
        """Mark keys seen and record the announcements they owe in one transaction (both or neither)."""
        if not keys and not announcements:
            return
        now = dt_to_db(now_utc())
        async with await self._transaction():
            await self.db.executemany(
                "INSERT INTO feed_items (feed_id, key, article_id, seen_at) VALUES (?,?,?,?) "
                "ON CONFLICT(feed_id, key) DO UPDATE SET article_id=coalesce(excluded.article_id, article_id)",
                [(feed_id, k, a, now) for k, a in keys],
            )
            await self.db.executemany(
                "INSERT INTO feed_announcements (subscription_id, article_id, title, url, created_at) "
                "VALUES (?,?,?,?,?) ON CONFLICT(subscription_id, article_id) DO NOTHING",
                [
                    (a.subscription_id, a.article_id, a.title, a.url, dt_to_db(a.created_at))
                    for a in announcements
                ],
            )

    async def pending_feed_announcements(
        self, feed_id: int | None, *, since: datetime
    ) -> list[PendingAnnouncement]:
        """Unannounced items recorded at or after `since`, for one feed's subscriptions (None: all feeds)."""
        where, params = ("", []) if feed_id is None else (" AND s.feed_id = ?", [feed_id])
        sql = (
            "SELECT a.subscription_id, a.article_id, a.title, a.url, a.created_at FROM feed_announcements a "
            "JOIN feed_subscriptions s ON s.id = a.subscription_id "
            f"WHERE a.announced_at IS NULL AND a.created_at >= ?{where} "
            "ORDER BY a.subscription_id, a.created_at, a.article_id"
        )
        async with self.db.execute(sql, [dt_to_db(since), *params]) as cur:
            rows = await cur.fetchall()
        return [PendingAnnouncement(r[0], r[1], r[2], r[3], cast(datetime, dt_from_db(r[4]))) for r in rows]

    async def mark_feed_announced(
        self, subscription_id: int, article_ids: Sequence[int], now: datetime
    ) -> None:
        if not article_ids:
            return
        async with await self._transaction():
            await self.db.executemany(
                "UPDATE feed_announcements SET announced_at=? WHERE subscription_id=? AND article_id=?",
                [(dt_to_db(now), subscription_id, a) for a in article_ids],
            )

    async def feed_item_counts(self, feed_ids: Sequence[int]) -> dict[int, int]:
        ids = [int(i) for i in feed_ids][:500]
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        sql = (
            f"SELECT feed_id, count(DISTINCT article_id) FROM feed_items WHERE feed_id IN ({marks}) "
            "AND article_id IS NOT NULL GROUP BY feed_id"
        )
        async with self.db.execute(sql, ids) as cur:
            return {int(r[0]): int(r[1]) for r in await cur.fetchall()}

    async def prune_feed_announcements(self, before: datetime) -> int:
        """Forget announcements recorded before `before`; how many of them were never announced."""
        cutoff = dt_to_db(before)
        async with await self._transaction():
            async with self.db.execute(
                "SELECT count(*) FROM feed_announcements WHERE created_at < ? AND announced_at IS NULL",
                (cutoff,),
            ) as cur:
                row = await cur.fetchone()
            await self.db.execute("DELETE FROM feed_announcements WHERE created_at < ?", (cutoff,))
        return int(row[0]) if row else 0
