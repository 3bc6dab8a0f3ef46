"""A feed server answering errors: Retry-After (seconds or a date) is honoured, 401/403/451 pause the
feed at once as blocked (one notice), 5xx backs off doubling until the feed pauses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web

from bot.store.base import ArticleStore
from tests.support.http import local_site

from .test_poller import T0, Notes, make


class Answers:
    """What the server says next for /feed.xml: (status, headers)."""

    def __init__(self) -> None:
        self.status = 503
        self.headers: dict[str, str] = {}
        self.hits = 0


@pytest.fixture
async def failing() -> AsyncIterator[tuple[str, Answers]]:
    answers = Answers()

    async def feed(request: web.Request) -> web.StreamResponse:
        answers.hits += 1
        return web.Response(status=answers.status, headers=answers.headers, text="no")

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    async with local_site(app) as base:
        yield f"{base}/feed.xml", answers


async def next_poll(store: ArticleStore, guild_id: int | None = None):  # type: ignore[no-untyped-def]
    (sub,) = await store.list_feed_subscriptions(guild_id)
    assert sub.feed is not None
    return sub.feed


async def test_retry_after_in_seconds_is_waited_out(store: ArticleStore, fetcher, failing) -> None:
    url, answers = failing
    answers.status, answers.headers = 503, {"Retry-After": "7200"}
    poller, _ = make(store, fetcher)
    await store.add_feed_subscription(url, None, now=T0)
    (result,) = await poller.poll_due()
    assert (result.status, result.reason) == ("failed", "too many failures")
    feed = await next_poll(store)
    assert feed.next_poll_at == T0 + timedelta(hours=2)  # not the 15-minute backoff


async def test_retry_after_as_a_date_is_waited_out(store: ArticleStore, fetcher, failing) -> None:
    url, answers = failing
    answers.status, answers.headers = (
        429,
        {"Retry-After": format_datetime(T0 + timedelta(hours=3), usegmt=True)},
    )
    poller, _ = make(store, fetcher)
    await store.add_feed_subscription(url, None, now=T0)
    (result,) = await poller.poll_due()
    assert result.status == "failed"
    assert (await next_poll(store)).next_poll_at == T0 + timedelta(hours=3)


@pytest.mark.parametrize("status", [401, 403, 451])
async def test_refused_access_pauses_at_once_with_one_notice(
    store: ArticleStore, fetcher, failing, status: int
) -> None:
    url, answers = failing
    answers.status = status
    notes = Notes()
    poller, clock = make(store, fetcher, notes)
    sub, _ = await store.add_feed_subscription(url, 5, channel_id=55, now=T0)
    (result,) = await poller.poll_due()
    assert (result.status, result.reason) == ("paused", "blocked")
    clock.advance(timedelta(days=1))
    assert await poller.poll_due() == []  # a paused feed is not polled again
    assert answers.hits == 1
    assert notes.paused == [(sub.id, "blocked")]


async def test_server_errors_back_off_doubling_then_pause(store: ArticleStore, fetcher, failing) -> None:
    url, answers = failing
    answers.status = 502
    notes = Notes()
    poller, clock = make(store, fetcher, notes)
    sub, _ = await store.add_feed_subscription(url, 5, channel_id=55, now=T0)
    waits = []
    statuses = []
    for _ in range(8):
        before = clock.now()
        statuses += [r.status for r in await poller.poll_due()]
        feed = await next_poll(store, 5)
        waits.append(feed.next_poll_at - before)
        clock.current = feed.next_poll_at
    assert statuses == ["failed"] * 7 + ["paused"]
    assert waits[:6] == [timedelta(minutes=15 * 2**i) for i in range(5)] + [timedelta(hours=6)]
    assert notes.paused == [(sub.id, "too many failures")]
