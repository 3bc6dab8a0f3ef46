"""The poller against a local HTTP server: ingest once, GUID churn, 304s, pauses with one notice, bad input."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.feeds.poller import FeedPoller, NewItem
from bot.feeds.types import Feed, FeedSubscription
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import Ingestor
from bot.store.base import ArticleStore, Scope
from bot.timer import ManualClock

from .conftest import FEEDS, FeedServer, rss

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
BODY = "The council met on Tuesday to discuss the new budget for schools and roads in the district. " * 3
WORDS = "river bridge school budget mayor harbour train election storm museum hospital farm court".split()


def unique_text(n: int) -> str:
    """Distinct prose per n (near-duplicate detection would merge look-alike bodies)."""
    rng = random.Random(n)
    rnd = [rng.choice(WORDS) + str(rng.randrange(400)) for i in range(60)]
    return f"Report {n}: " + " ".join(
        f"The {a} and the {b} changed." for a, b in zip(rnd[::2], rnd[1::2], strict=True)
    )


class Notes:
    def __init__(self) -> None:
        self.paused: list[tuple[int, str]] = []
        self.items: list[tuple[int, list[NewItem]]] = []

    async def feed_paused(self, subscription: FeedSubscription, feed: Feed, reason: str) -> bool:
        self.paused.append((subscription.id, reason))
        return True

    async def new_items(self, subscription: FeedSubscription, feed: Feed, items: list[NewItem]) -> None:
        self.items.append((subscription.id, items))


def make(
    store: ArticleStore, fetcher: Fetcher, notes: Notes | None = None, *, fetch_articles: bool = False
) -> tuple[FeedPoller, ManualClock]:
    clock = ManualClock(T0)
    poller = FeedPoller(
        store,
        Ingestor(store, fetcher=fetcher),
        fetcher,
        clock=clock,
        notifier=notes,
        fetch_articles=fetch_articles,
        jitter=lambda _i: 0.0,
    )
    return poller, clock


def item(
    n: int, guid: str | None = None, text: str | None = None, base: str = "http://127.0.0.1"
) -> dict[str, str]:
    return {
        "title": f"Story number {n} about the council",
        "link": f"{base}/article/{n}",
        "guid": guid or f"guid-{n}",
        "description": text or unique_text(n),
    }


async def poll_all(poller: FeedPoller, clock: ManualClock) -> list:
    clock.advance(timedelta(minutes=16))
    return await poller.poll_due()


async def test_items_ingested_once_guid_churn_and_304(
    store: ArticleStore, feed_server: FeedServer, fetcher
) -> None:
    notes = Notes()
    poller, clock = make(store, fetcher, notes)
    feed_server.dynamic["news.xml"] = (rss([item(1), item(2)]), "application/rss+xml")
    sub, created = await store.add_feed_subscription(
        feed_server.url("dyn/news.xml"), 7, channel_id=70, now=T0
    )
    assert created
    (first,) = await poller.poll_due()
    assert (first.status, first.stored) == ("ok", 2)
    assert notes.items == []  # the first poll announces nothing
    assert await store.count_articles(Scope.guild(7)) == 2

    (again,) = await poll_all(poller, clock)
    assert again.status == "not modified"
    assert feed_server.statuses("dyn/news.xml") == [200, 304]

    # the same two articles under new GUIDs, plus one really new item
    feed_server.dynamic["news.xml"] = (
        rss([item(1, "churn-1"), item(2, "churn-2"), item(3)]),
        "application/rss+xml",
    )
    (third,) = await poll_all(poller, clock)
    assert (third.new, third.stored) == (1, 1)
    assert await store.count_articles(Scope.guild(7)) == 3
    assert [[i.title for i in items] for _, items in notes.items] == [["Story number 3 about the council"]]

    # same article text under a new GUID *and* a new link: content dedupe keeps it from reposting
    moved = item(1, "moved-1")
    moved["link"] = "http://127.0.0.1/article/1-moved"
    feed_server.dynamic["news.xml"] = (rss([moved, item(2, "churn-2"), item(3)]), "application/rss+xml")
    (fourth,) = await poll_all(poller, clock)
    assert fourth.stored == 0 and await store.count_articles(Scope.guild(7)) == 3
    assert len(notes.items) == 1


async def test_one_fetch_per_url_for_many_servers(
    store: ArticleStore, feed_server: FeedServer, fetcher
) -> None:
    poller, clock = make(store, fetcher)
    feed_server.dynamic["shared.xml"] = (rss([item(1)]), "application/rss+xml")
    for guild in (1, 2, 3):
        await store.add_feed_subscription(
            feed_server.url("dyn/shared.xml"), guild, channel_id=guild * 10, now=T0
        )
    results = await poller.poll_due()
    assert len(results) == 1 and feed_server.statuses("dyn/shared.xml") == [200]
    for guild in (1, 2, 3):  # each server sees the article in its own library
        assert await store.count_articles(Scope.guild(guild)) == 1


async def test_full_article_fetched_with_fallback(
    store: ArticleStore, feed_server: FeedServer, fetcher
) -> None:
    poller, clock = make(store, fetcher, fetch_articles=True)
    paragraphs = "".join(f"<p>Paragraph {i}: {BODY}</p>" for i in range(6))
    feed_server.article_html["1"] = (
        f"<html><head><title>Full one</title></head><body><article><h1>Full one</h1>{paragraphs}</article></body></html>"
    )
    feed_server.dynamic["full.xml"] = (
        rss([item(1, base=feed_server.base), item(2, base=feed_server.base)]),
        "application/rss+xml",
    )  # /article/2 is a 404
    await store.add_feed_subscription(feed_server.url("dyn/full.xml"), None, now=T0)
    (result,) = await poller.poll_due()
    assert result.stored == 2
    stored = {a.url: a for a in [a async for a in store.iter_articles(Scope.all())]}
    full = stored[feed_server.url("article/1")]
    assert "Paragraph 5" in full.body  # from the page
    assert stored[feed_server.url("article/2")].body.startswith("Report 2:")  # the item's own text


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("dyn/missing.xml", "not found"),
        ("shared/node-feedparser_test_feeds/notafeed.html", "not a feed"),
        ("bomb.xml", "too large"),
    ],
)
async def test_failing_feed_paused_with_reason_and_one_notice(
    store: ArticleStore, feed_server: FeedServer, fetcher, path: str, reason: str
) -> None:
    notes = Notes()
    poller, clock = make(store, fetcher, notes)
    sub, _ = await store.add_feed_subscription(feed_server.url(path), 5, channel_id=55, now=T0)
    statuses = []
    for _ in range(6):
        statuses += [r.status for r in await poller.poll_due()]
        clock.advance(timedelta(hours=7))
    assert statuses[-1] == "paused" and statuses.count("paused") == 1  # then it is no longer polled
    assert notes.paused == [(sub.id, reason)]
    (listed,) = await store.list_feed_subscriptions(5)
    assert listed.to_dict()["paused_reason"] == reason and listed.to_dict()["last_error"]
    # resuming clears the pause and polls again
    await store.set_subscription_paused(sub.id, 5, None, now=clock.now())
    assert [r.status for r in await poller.poll_due()] == ["failed"]  # failures start again from 0


async def test_blocked_address_pauses_at_once(store: ArticleStore, fetcher) -> None:
    notes = Notes()
    poller, _ = make(store, fetcher, notes)
    await store.add_feed_subscription("http://10.1.2.3/feed.xml", 9, channel_id=90, now=T0)
    (result,) = await poller.poll_due()
    assert result.status == "paused" and notes.paused[0][1] == "blocked"


async def test_unreachable_feed_backs_off(store: ArticleStore, fetcher) -> None:
    poller, clock = make(store, fetcher)
    await store.add_feed_subscription("http://127.0.0.1:9/feed.xml", None, now=T0)
    (result,) = await poller.poll_due()
    assert result.status == "failed"
    (sub,) = await store.list_feed_subscriptions(None)
    assert sub.feed and sub.feed.next_poll_at and sub.feed.next_poll_at > T0 + timedelta(minutes=14)


async def test_flood_items_without_links_and_bad_dates(
    store: ArticleStore, feed_server: FeedServer, fetcher
) -> None:
    poller, clock = make(store, fetcher)
    flood = [
        {
            "title": f"Flood item {i}",
            "guid": f"f{i}",
            "description": unique_text(i),
            "pubDate": "31 Foo 99999",
        }
        for i in range(3000)
    ]
    feed_server.dynamic["flood.xml"] = (rss(flood), "application/rss+xml")
    await store.add_feed_subscription(feed_server.url("dyn/flood.xml"), None, now=T0)
    (result,) = await poller.poll_due()
    assert result.status == "ok" and result.stored == 50 and result.skipped == 1950
    (again,) = await poll_all(poller, clock)
    assert again.status == "not modified"
    feed_server.dynamic["flood.xml"] = (
        rss([{"title": "Fresh", "guid": "new", "description": unique_text(99999)}, *flood]),
        "application/rss+xml",
    )  # newest first, as feeds are
    (third,) = await poll_all(poller, clock)
    assert (third.new, third.stored) == (1, 1)  # skipped items were remembered, not re-offered


# A parsing sweep over 2,210 files: its store writes are the ones the other tests make on both backends,
# so it runs on SQLite only (on PostgreSQL it doubled the suite's longest test).
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_every_shared_feed_file_over_http(
    store: ArticleStore, feed_server: FeedServer, fetcher
) -> None:
    if not FEEDS.is_dir():
        pytest.skip("../shared/data/feeds missing")
    rows = [json.loads(line) for line in (FEEDS / "manifest.jsonl").read_text().splitlines()]
    poller, clock = make(store, fetcher)
    poller.concurrency = 32
    poller.per_host = 32
    for row in rows:
        await store.add_feed_subscription(feed_server.url("shared/" + row["path"]), None, now=T0)
    results = []
    while True:
        batch = await poller.poll_due(limit=1000)
        if not batch:
            break
        results += batch
        if len(results) >= len(rows):
            break
    assert len(results) == len(rows)
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r.status] = by_status.get(r.status, 0) + 1
        assert r.status in ("ok", "failed", "paused")
        assert r.status == "ok" or r.error
    assert by_status["ok"] > 2100
    assert await store.count_articles(Scope.all()) > 800  # many synthetic test feeds share their text
    # nothing stuck: every feed has a next poll time or a pause reason
    for sub in await store.list_feed_subscriptions(None):
        assert sub.feed and (sub.feed.paused_reason or sub.feed.next_poll_at and sub.feed.next_poll_at > T0)
