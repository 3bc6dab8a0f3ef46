"""Feeds and subscriptions for the PostgreSQL backend (mixed into PostgresStore)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from bot.feeds.types import Feed, FeedSubscription, PendingAnnouncement
from bot.store.codec import (
    FEED_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    dt_from_db,
    dt_normal,
    feed_from_row,
    now_utc,
    subscription_from_row,
)
from bot.store.postgres.sql import Params, Pooled


def _guild(p: Params, guild_id: int | None, everything: bool = False) -> str:
    if everything:
        return "TRUE"
    return "s.guild_id IS NULL" if guild_id is None else f"s.guild_id = {p(guild_id)}"


_SUBS_JOIN = f"SELECT {SUBSCRIPTION_COLUMNS}, {FEED_COLUMNS} FROM feed_subscriptions s JOIN feeds f ON f.id = s.feed_id"


class PostgresFeedsMixin(Pooled):
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
        now = dt_normal(now or now_utc())
        async with self._tx("cannot follow feed") as con:
            # one row per URL, however many servers add it at once
            await con.execute(
                "INSERT INTO feeds (url, interval_s, next_poll_at, created_at) VALUES ($1,$2,$3,$3) "
                "ON CONFLICT (url) DO NOTHING",
                url,
                interval_s or 900,
                now,
            )
            row = await con.fetchrow("SELECT id, interval_s FROM feeds WHERE url = $1 FOR UPDATE", url)
            feed_id = row["id"]
            if interval_s and interval_s < row["interval_s"]:  # the most eager follower sets the pace
                await con.execute("UPDATE feeds SET interval_s=$1 WHERE id=$2", interval_s, feed_id)
            p = Params()
            existing = await con.fetchrow(
                f"SELECT s.id FROM feed_subscriptions s WHERE s.feed_id = {p(feed_id)} AND {_guild(p, guild_id)}",
                *p.args,
            )
            created = existing is None
            if existing is None:
                await con.execute(
                    "INSERT INTO feed_subscriptions (feed_id, guild_id, channel_id, topic_id, added_by, created_at) "
                    "VALUES ($1,$2,$3,$4,$5,$6)",
                    feed_id,
                    guild_id,
                    channel_id,
                    topic_id,
                    added_by,
                    now,
                )
            else:
                await con.execute(
                    "UPDATE feed_subscriptions SET channel_id=coalesce($1, channel_id), "
                    "topic_id=coalesce($2, topic_id) WHERE id=$3",
                    channel_id,
                    topic_id,
                    existing["id"],
                )
            p = Params()
            row = await con.fetchrow(
                f"{_SUBS_JOIN} WHERE s.feed_id = {p(feed_id)} AND {_guild(p, guild_id)}", *p.args
            )
        return subscription_from_row(row), created

    async def list_feed_subscriptions(
        self, guild_id: int | None, *, everything: bool = False
    ) -> list[FeedSubscription]:
        p = Params()
        async with self._conn() as con:
            rows = await con.fetch(
                f"{_SUBS_JOIN} WHERE {_guild(p, guild_id, everything)} ORDER BY s.id", *p.args
            )
        return [subscription_from_row(r) for r in rows]

    async def feed_subscribers(self, feed_id: int) -> list[FeedSubscription]:
        async with self._conn() as con:
            rows = await con.fetch(f"{_SUBS_JOIN} WHERE s.feed_id = $1 ORDER BY s.id", feed_id)
        return [subscription_from_row(r) for r in rows]

    async def remove_feed_subscription(
        self, subscription_id: int, guild_id: int | None, *, everything: bool = False
    ) -> bool:
        p = Params()
        async with self._tx("cannot unfollow feed") as con:
            feed_id = await con.fetchval(
                f"DELETE FROM feed_subscriptions s WHERE s.id = {p(subscription_id)} "
                f"AND {_guild(p, guild_id, everything)} RETURNING s.feed_id",
                *p.args,
            )
            if feed_id is None:
                return False
            # nobody follows it any more: forget the feed (and its seen items)
            await con.execute(
                "DELETE FROM feeds WHERE id = $1 AND NOT EXISTS "
                "(SELECT 1 FROM feed_subscriptions WHERE feed_id = $1)",
                feed_id,
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
        p = Params()
        async with self._tx("cannot pause feed") as con:
            feed_id = await con.fetchval(
                f"UPDATE feed_subscriptions s SET paused_reason={p(reason)}, pause_notified=FALSE "
                f"WHERE s.id = {p(subscription_id)} AND {_guild(p, guild_id, everything)} RETURNING s.feed_id",
                *p.args,
            )
            if feed_id is None:
                return None
            if reason is None:
                await con.execute(
                    "UPDATE feeds SET paused_reason=NULL, failures=0, next_poll_at=$1 WHERE id=$2",
                    dt_normal(now or now_utc()),
                    feed_id,
                )
                await con.execute(
                    "UPDATE feed_subscriptions SET pause_notified=FALSE WHERE feed_id=$1", feed_id
                )
        subs = await self.feed_subscribers(feed_id)
        return next((s for s in subs if s.id == subscription_id), None)

    async def due_feeds(self, now: datetime, limit: int = 100) -> list[Feed]:
        sql = (
            f"SELECT {FEED_COLUMNS} FROM feeds f WHERE f.paused_reason IS NULL AND f.next_poll_at <= $1 "
            "AND EXISTS (SELECT 1 FROM feed_subscriptions s WHERE s.feed_id = f.id AND s.paused_reason IS NULL) "
            "ORDER BY f.next_poll_at LIMIT $2"
        )
        async with self._conn() as con:
            rows = await con.fetch(sql, dt_normal(now), limit)
        return [feed_from_row(r) for r in rows]

    async def next_feed_poll(self) -> datetime | None:
        sql = (
            "SELECT min(f.next_poll_at) FROM feeds f WHERE f.paused_reason IS NULL AND EXISTS "
            "(SELECT 1 FROM feed_subscriptions s WHERE s.feed_id = f.id AND s.paused_reason IS NULL)"
        )
        async with self._conn() as con:
            return dt_from_db(await con.fetchval(sql))

    async def get_feed(self, feed_id: int) -> Feed | None:
        async with self._conn() as con:
            row = await con.fetchrow(f"SELECT {FEED_COLUMNS} FROM feeds f WHERE f.id = $1", feed_id)
        return feed_from_row(row) if row else None

    async def update_feed(self, feed: Feed) -> None:
        async with self._tx("cannot save feed") as con:
            await con.execute(
                "UPDATE feeds SET title=$1, etag=$2, last_modified=$3, next_poll_at=$4, last_polled_at=$5, "
                "last_ok_at=$6, failures=$7, last_error=$8, paused_reason=$9, primed=$10 WHERE id=$11",
                feed.title,
                feed.etag,
                feed.last_modified,
                dt_normal(feed.next_poll_at),
                dt_normal(feed.last_polled_at),
                dt_normal(feed.last_ok_at),
                feed.failures,
                feed.last_error,
                feed.paused_reason,
                bool(feed.primed),
                feed.id,
            )

    async def set_feed_interval(self, feed_id: int, interval_s: int, next_poll_by: datetime) -> None:
        async with self._tx("cannot save feed") as con:
            await con.execute(
                "UPDATE feeds SET interval_s = $1, next_poll_at = CASE WHEN next_poll_at IS NULL "
                "OR next_poll_at > $2 THEN $2 ELSE next_poll_at END WHERE id = $3",
                interval_s,
                dt_normal(next_poll_by),
                feed_id,
            )

    async def mark_pause_notified(self, subscription_ids: Sequence[int]) -> None:
        if not subscription_ids:
            return
        async with self._tx() as con:
            await con.execute(
                "UPDATE feed_subscriptions SET pause_notified=TRUE WHERE id = ANY($1::bigint[])",
                [int(i) for i in subscription_ids],
            )

    async def feed_stored_unrecorded(self, feed_id: int, article_id: int, ingested_by: str) -> bool:
        async with self._conn() as con:
            row = await con.fetchrow(
                "SELECT 1 FROM articles a WHERE a.id = $1 AND a.ingested_by = $2 AND NOT EXISTS "
                "(SELECT 1 FROM feed_items i WHERE i.feed_id = $3 AND i.article_id = a.id)",
                article_id,
                ingested_by,
                feed_id,
            )
        return row is not None

    async def seen_feed_keys(self, feed_id: int, keys: Sequence[str]) -> set[str]:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return set()
        async with self._conn() as con:
            rows = await con.fetch(
                "SELECT key FROM feed_items WHERE feed_id = $1 AND key = ANY($2::text[])", feed_id, unique
            )
        return {r[0] for r in rows}

    async def add_feed_keys(self, feed_id: int, keys: Sequence[tuple[str, int | None]]) -> None:
        await self.record_feed_items(feed_id, keys, ())

    async def record_feed_items(
        self,
        feed_id: int,
        keys: Sequence[tuple[str, int | None]],
        announcements: Sequence[PendingAnnouncement],
    ) -> None:
        if not keys and not announcements:
            return
        now = now_utc()
        merged: dict[str, int | None] = {}
        for key, article_id in keys:  # one row per key (a key twice in one statement would conflict)
            merged[key] = article_id if article_id is not None else merged.get(key)
        async with self._tx("cannot record feed items") as con:
            if merged:
                await con.execute(
                    "INSERT INTO feed_items (feed_id, key, article_id, seen_at) "
                    "SELECT $1, k, a, $4 FROM unnest($2::text[], $3::bigint[]) AS t(k, a) "
                    "ON CONFLICT (feed_id, key) DO UPDATE SET "
                    "article_id = coalesce(excluded.article_id, feed_items.article_id)",
                    feed_id,
                    list(merged),
                    list(merged.values()),
                    now,
                )
            if announcements:
                await con.executemany(
                    "INSERT INTO feed_announcements (subscription_id, article_id, title, url, created_at) "
                    "VALUES ($1,$2,$3,$4,$5) ON CONFLICT (subscription_id, article_id) DO NOTHING",
                    [
                        (a.subscription_id, a.article_id, a.title, a.url, dt_normal(a.created_at))
                        for a in announcements
                    ],
                )

    async def pending_feed_announcements(
        self, feed_id: int | None, *, since: datetime
    ) -> list[PendingAnnouncement]:
        p = Params()
        where = f"a.announced_at IS NULL AND a.created_at >= {p(dt_normal(since))}"
        if feed_id is not None:
            where += f" AND s.feed_id = {p(feed_id)}"
        sql = (
            "SELECT a.subscription_id, a.article_id, a.title, a.url, a.created_at FROM feed_announcements a "
            f"JOIN feed_subscriptions s ON s.id = a.subscription_id WHERE {where} "
            "ORDER BY a.subscription_id, a.created_at, a.article_id"
        )
        async with self._conn() as con:
            rows = await con.fetch(sql, *p.args)
        return [PendingAnnouncement(r[0], r[1], r[2], r[3], cast(datetime, dt_from_db(r[4]))) for r in rows]

    async def mark_feed_announced(
        self, subscription_id: int, article_ids: Sequence[int], now: datetime
    ) -> None:
        if not article_ids:
            return
        async with self._tx() as con:
            await con.execute(
                "UPDATE feed_announcements SET announced_at=$1 WHERE subscription_id=$2 "
                "AND article_id = ANY($3::bigint[])",
                dt_normal(now),
                subscription_id,
                [int(a) for a in article_ids],
            )

    async def prune_feed_announcements(self, before: datetime) -> int:
        cutoff = dt_normal(before)
        async with self._tx() as con:
            owed = await con.fetchval(
                "SELECT count(*) FROM feed_announcements WHERE created_at < $1 AND announced_at IS NULL",
                cutoff,
            )
            await con.execute("DELETE FROM feed_announcements WHERE created_at < $1", cutoff)
        return int(owed or 0)

    async def feed_item_counts(self, feed_ids: Sequence[int]) -> dict[int, int]:
        ids = [int(i) for i in feed_ids][:500]
        if not ids:
            return {}
        sql = (
            "SELECT feed_id, count(DISTINCT article_id) FROM feed_items WHERE feed_id = ANY($1::bigint[]) "
            "AND article_id IS NOT NULL GROUP BY feed_id"
        )
        async with self._conn() as con:
            rows = await con.fetch(sql, ids)
        return {int(r[0]): int(r[1]) for r in rows}
