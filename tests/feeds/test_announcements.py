"""Announcements survive a crash: recorded with the items, sent once after a restart, dropped when stale."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.feeds.poller import FeedPoller, NewItem
from bot.feeds.types import Feed, FeedSubscription
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import Ingestor, IngestResult
from bot.store import ArticleStore, Scope, create_store
from bot.timer import ManualClock

from .conftest import FeedServer, rss
from .test_poller import T0, Notes, item

FEED = "dyn/news.xml"


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after the raise runs (no `except Exception` catches it)."""


class KilledWhileAnnouncing(Notes):
    async def new_items(self, subscription: FeedSubscription, feed: Feed, items: list[NewItem]) -> None:
        raise Killed


class FailsOnce(Notes):
    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def new_items(self, subscription: FeedSubscription, feed: Feed, items: list[NewItem]) -> None:
        if not self.failed:
            self.failed = True
            raise ConnectionResetError("Discord went away")
        await super().new_items(subscription, feed, items)


def poller_for(store: ArticleStore, fetcher: Fetcher, notes: Notes, clock: ManualClock) -> FeedPoller:
    return FeedPoller(
        store,
        Ingestor(store, fetcher=fetcher),
        fetcher,
        clock=clock,
        notifier=notes,
        jitter=lambda _i: 0.0,
        fetch_articles=False,
    )


async def pending(store: ArticleStore, now: datetime) -> list[tuple[int, int]]:
    rows = await store.pending_feed_announcements(None, since=now - timedelta(days=30))  # type: ignore[attr-defined]
    return [(r.subscription_id, r.article_id) for r in rows]


async def killed_mid_poll(path: Path, feed_server: FeedServer, fetcher: Fetcher) -> tuple[int, ManualClock]:
    """Prime a feed, then die while announcing two new items; the subscription id and the clock."""
    store = create_store(path)
    await store.open()
    clock = ManualClock(T0)
    try:
        feed_server.dynamic["news.xml"] = (rss([item(1), item(2)]), "application/rss+xml")
        sub, _ = await store.add_feed_subscription(feed_server.url(FEED), 7, channel_id=70, now=T0)
        notes = Notes()
        await poller_for(store, fetcher, notes, clock).poll_due()  # first poll: stored, silent
        assert notes.items == [] and await pending(store, clock.now()) == []

        feed_server.dynamic["news.xml"] = (rss([item(1), item(2), item(3), item(4)]), "application/rss+xml")
        clock.advance(timedelta(minutes=16))
        crashing = poller_for(store, fetcher, KilledWhileAnnouncing(), clock)
        try:
            await crashing.poll_due()
        except Killed:
            pass
        else:
            raise AssertionError("the notifier should have been reached")
        assert await store.count_articles(Scope.guild(7)) == 4  # stored (and marked seen) before the kill
        assert len(await pending(store, clock.now())) == 2
    finally:
        await store.close()
    return sub.id, clock


async def test_killed_while_announcing_restart_announces_once(
    db_location: str, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    path = db_location
    sub_id, clock = await killed_mid_poll(path, feed_server, fetcher)

    store = create_store(path)  # the restarted bot: a new connection and a new poller
    await store.open()
    try:
        notes = Notes()
        poller = poller_for(store, fetcher, notes, clock)
        task = asyncio.create_task(poller.run())  # start-up announces what is owed before polling
        for _ in range(200):
            if notes.items:
                break
            await asyncio.sleep(0.01)
        poller.stop()
        await asyncio.wait_for(task, 5)
        assert [(s, [i.title for i in items]) for s, items in notes.items] == [
            (sub_id, ["Story number 3 about the council", "Story number 4 about the council"])
        ]
        assert await pending(store, clock.now()) == []

        clock.advance(timedelta(minutes=16))
        await poller.poll_due()  # the feed is unchanged: nothing is new, nothing owed
        assert await poller.announce_pending() == 0
        assert len(notes.items) == 1
        assert await store.count_articles(Scope.guild(7)) == 4
    finally:
        await store.close()


async def test_killed_then_next_poll_announces_once(
    db_location: str, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    path = db_location
    sub_id, clock = await killed_mid_poll(path, feed_server, fetcher)
    store = create_store(path)
    await store.open()
    try:
        notes = Notes()
        poller = poller_for(store, fetcher, notes, clock)
        feed_server.dynamic["news.xml"] = (rss([item(n) for n in range(1, 6)]), "application/rss+xml")
        for _ in range(2):
            clock.advance(timedelta(minutes=16))
            await poller.poll_due()
        # the owed items and the new one, in one message; the second poll adds nothing
        (announced,) = notes.items
        assert announced[0] == sub_id
        assert [i.title.split()[2] for i in announced[1]] == ["3", "4", "5"]
        stored = {a.title: a.id for a in await store.list_articles(Scope.all(), limit=50)}
        assert [i.article_id for i in announced[1]] == [stored[i.title] for i in announced[1]]
        assert await pending(store, clock.now()) == []
    finally:
        await store.close()


async def test_owed_announcements_older_than_a_day_are_dropped(
    db_location: str, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    path = db_location
    _, clock = await killed_mid_poll(path, feed_server, fetcher)
    store = create_store(path)
    await store.open()
    try:
        clock.advance(timedelta(days=2))  # a long outage: no flood of stale news
        notes = Notes()
        assert await poller_for(store, fetcher, notes, clock).announce_pending() == 0
        assert notes.items == []
        assert await pending(store, clock.now()) == []
    finally:
        await store.close()


async def test_successful_poll_leaves_nothing_owed_and_a_failed_send_is_retried_once(
    store: ArticleStore, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    clock = ManualClock(T0)
    notes = FailsOnce()
    poller = poller_for(store, fetcher, notes, clock)
    feed_server.dynamic["news.xml"] = (rss([item(1)]), "application/rss+xml")
    sub, _ = await store.add_feed_subscription(feed_server.url(FEED), 7, channel_id=70, now=T0)
    await poller.poll_due()

    feed_server.dynamic["news.xml"] = (rss([item(1), item(2)]), "application/rss+xml")
    clock.advance(timedelta(minutes=16))
    await poller.poll_due()  # the send fails: the item stays owed
    assert notes.failed and notes.items == []
    assert len(await pending(store, clock.now())) == 1

    clock.advance(timedelta(minutes=16))
    (result,) = await poller.poll_due()  # 304, but what is owed goes out
    assert result.status == "not modified"
    assert [(s, [i.title for i in items]) for s, items in notes.items] == [
        (sub.id, ["Story number 2 about the council"])
    ]
    assert await pending(store, clock.now()) == []

    feed_server.dynamic["news.xml"] = (rss([item(1), item(2), item(3)]), "application/rss+xml")
    clock.advance(timedelta(minutes=16))
    await poller.poll_due()  # a plain successful poll: announced and nothing left owed
    assert len(notes.items) == 2 and notes.items[1][1][0].title == "Story number 3 about the council"
    assert await pending(store, clock.now()) == []


StoreExtracted = Callable[..., Awaitable[IngestResult]]


async def killed_while_storing(
    path: Path,
    feed_server: FeedServer,
    fetcher: Fetcher,
    clock: ManualClock,
    dying: Callable[[StoreExtracted], StoreExtracted],
) -> int:
    """Prime a feed with item 1, then poll items 1-3 with `store_extracted` wrapped by `dying` (which
    raises Killed at some point); the subscription id."""
    store = create_store(path)
    await store.open()
    try:
        feed_server.dynamic["news.xml"] = (rss([item(1)]), "application/rss+xml")
        sub, _ = await store.add_feed_subscription(feed_server.url(FEED), 7, channel_id=70, now=T0)
        poller = poller_for(store, fetcher, Notes(), clock)
        await poller.poll_due()
        feed_server.dynamic["news.xml"] = (rss([item(1), item(2), item(3)]), "application/rss+xml")
        poller.ingestor.store_extracted = dying(poller.ingestor.store_extracted)  # type: ignore[method-assign]
        clock.advance(timedelta(minutes=16))
        try:
            await poller.poll_due()
        except Killed:
            pass
        else:
            raise AssertionError("the poll should have been killed")
        assert await store.count_articles(Scope.guild(7)) == 2
        return sub.id
    finally:
        await store.close()


async def test_killed_between_two_items_neither_is_lost_nor_repeated(
    db_location: str, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    def dies_on_second(real: StoreExtracted) -> StoreExtracted:
        calls = 0

        async def store_extracted(*args: Any, **kwargs: Any) -> IngestResult:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise Killed
            return await real(*args, **kwargs)

        return store_extracted

    path = db_location
    clock = ManualClock(T0)
    sub_id = await killed_while_storing(path, feed_server, fetcher, clock, dies_on_second)

    store = create_store(path)
    await store.open()
    try:
        notes = Notes()
        restarted = poller_for(store, fetcher, notes, clock)
        assert await restarted.announce_pending() == 1  # what start-up does first
        for _ in range(2):
            clock.advance(timedelta(minutes=16))
            await restarted.poll_due()
        titles = [i.title.split()[2] for _, items in notes.items for i in items]
        assert titles == ["2", "3"] and {s for s, _ in notes.items} == {sub_id}
        assert await store.count_articles(Scope.guild(7)) == 3
        assert await pending(store, clock.now()) == []
    finally:
        await store.close()


async def test_killed_right_after_storing_an_item_it_is_still_announced_once(
    db_location: str, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    def dies_after_storing(real: StoreExtracted) -> StoreExtracted:
        async def store_extracted(*args: Any, **kwargs: Any) -> IngestResult:
            await real(*args, **kwargs)  # the article row is committed...
            raise Killed  # ...and the process dies before the item or its announcement is recorded

        return store_extracted

    path = db_location
    clock = ManualClock(T0)
    sub_id = await killed_while_storing(path, feed_server, fetcher, clock, dies_after_storing)

    store = create_store(path)
    await store.open()
    try:
        assert await pending(store, clock.now()) == []
        notes = Notes()
        restarted = poller_for(store, fetcher, notes, clock)
        for _ in range(3):
            clock.advance(timedelta(minutes=16))
            await restarted.poll_due()
        titles = sorted(i.title.split()[2] for _, items in notes.items for i in items)
        assert titles == ["2", "3"] and {s for s, _ in notes.items} == {sub_id}
        assert await store.count_articles(Scope.guild(7)) == 3
        # a copy of an already recorded item under a new GUID and link is still not announced again
        moved = {**item(2), "guid": "g2b", "link": "http://127.0.0.1/article/2-moved"}
        feed_server.dynamic["news.xml"] = (rss([item(1), moved, item(3)]), "application/rss+xml")
        clock.advance(timedelta(minutes=16))
        await restarted.poll_due()
        assert sorted(i.title.split()[2] for _, items in notes.items for i in items) == ["2", "3"]
    finally:
        await store.close()
