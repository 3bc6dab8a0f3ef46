"""An operator changing a feed's pace while a poll is in flight keeps the new pace."""

from __future__ import annotations

from datetime import timedelta

from bot.feeds.manage import follow_feed
from bot.store import create_store

from .test_poller import T0


async def test_interval_set_during_a_poll_survives_the_polls_save(db_location: str) -> None:
    store = create_store(db_location)
    await store.open()
    try:
        sub, _ = await store.add_feed_subscription("https://example.org/feed.xml", None, now=T0)
        assert sub.feed is not None
        in_flight = await store.get_feed(sub.feed.id)  # the poller's copy, read before the change
        assert in_flight is not None and in_flight.interval_s == 900

        followed = await follow_feed(store, "https://example.org/feed.xml", None, minutes=60, now=T0)
        assert followed.changed == ["interval"]

        in_flight.etag = '"v2"'
        in_flight.next_poll_at = T0 + timedelta(minutes=15)
        await store.update_feed(in_flight)  # the poll finishes with its stale copy

        saved = await store.get_feed(sub.feed.id)
        assert saved is not None
        assert saved.interval_s == 3600 and saved.etag == '"v2"'
        await store.set_feed_interval(sub.feed.id, 300, T0 + timedelta(minutes=5))
        sooner = await store.get_feed(sub.feed.id)
        assert sooner is not None and sooner.next_poll_at == T0 + timedelta(minutes=5)
        await store.set_feed_interval(sub.feed.id, 1800, T0 + timedelta(minutes=30))
        later = await store.get_feed(sub.feed.id)
        assert (
            later is not None and later.interval_s == 1800 and later.next_poll_at == T0 + timedelta(minutes=5)
        )
    finally:
        await store.close()
