"""Schedules across DST, digests, and the scheduler's exactly-once / catch-up / pause behaviour (fake poster)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import TopicError
from bot.ingest.pipeline import Ingestor
from bot.models import ExtractedArticle, Paragraph
from bot.scheduler import ManualClock, TopicScheduler
from bot.store.base import ArticleStore
from bot.topics.digest import MESSAGE_LIMIT, Digest, DigestItem, render_digest
from bot.topics.manage import new_topic
from bot.topics.poster import PostFailed, TargetGone
from bot.topics.schedule import build_schedule, next_run_after
from bot.topics.types import Topic

BERLIN = ZoneInfo("Europe/Berlin")


def test_daily_local_time_across_dst() -> None:
    s = build_schedule("daily", "08:00", "Europe/Berlin")
    t = datetime(2024, 3, 29, 12, tzinfo=UTC)
    runs = []
    for _ in range(4):
        t = next_run_after(s, t)
        runs.append(t)
    assert [r.astimezone(BERLIN).hour for r in runs] == [8, 8, 8, 8]
    assert [r.hour for r in runs] == [7, 6, 6, 6]  # 30 March CET, then CEST from 31 March
    fall = next_run_after(
        build_schedule("daily", "02:30", "Europe/Berlin"), datetime(2024, 10, 27, 0, tzinfo=UTC)
    )
    assert fall == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)  # the repeated 02:30 fires once, the first time
    assert next_run_after(build_schedule("daily", "02:30", "Europe/Berlin"), fall).day == 28


def test_hourly_weekly_and_bad_input() -> None:
    kolkata = build_schedule("hourly", "15", "Asia/Kolkata")
    assert next_run_after(kolkata, datetime(2024, 1, 1, 0, 50, tzinfo=UTC)) == datetime(
        2024, 1, 1, 1, 45, tzinfo=UTC
    )
    weekly = build_schedule("weekly", "9:30", "America/New_York", "fri")
    assert next_run_after(weekly, datetime(2024, 1, 1, tzinfo=UTC)) == datetime(
        2024, 1, 5, 14, 30, tzinfo=UTC
    )
    for args in (
        ("monthly", None, None, None),
        ("daily", "25:00", None, None),
        ("daily", "8", "Mars/Base", None),
        ("weekly", "8", None, "someday"),
    ):
        with pytest.raises(TopicError):
            build_schedule(*args)


def test_render_splits_under_limit_and_mentions_role_first() -> None:
    topic = Topic(id=1, guild_id=1, channel_id=2, query="ukraine", mention_role_id=99)
    items = [
        DigestItem(i, f"Title [{i}] " + "x" * 150, f"https://e.org/{i}", "Source", "Summary. " * 30, 1.0)
        for i in range(40)
    ]
    chunks = render_digest(topic, Digest(items, 40))
    assert len(chunks) > 3 and all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert chunks[0].startswith("<@&99>") and sum(c.count("<@&99>") for c in chunks) == 1
    assert all(f"https://e.org/{i}>" in "".join(chunks) for i in range(40))


class FakePoster:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str, str]] = []
        self.by_nonce: dict[str, int] = {}
        self.gone: set[int] = set()
        self.crash_after_send = False
        self.fail_every = 0
        self.calls = 0
        self.sending = asyncio.Event()  # set when a send starts
        self.release: asyncio.Event | None = None  # when given, a send waits for it (a slow Discord)

    async def channel_kind(self, channel_id: int) -> str:
        if channel_id in self.gone:
            raise TargetGone("channel not found")
        return "text"

    async def send(self, channel_id: int, content: str, *, nonce: str, role_id: int | None = None) -> int:
        self.calls += 1
        self.sending.set()
        if self.release is not None:
            await self.release.wait()
        if self.fail_every and self.calls % self.fail_every == 0:
            raise PostFailed("HTTP 503")
        if nonce in self.by_nonce:  # enforce_nonce: the same message comes back
            return self.by_nonce[nonce]
        mid = len(self.sent) + 1000
        self.sent.append((channel_id, content, nonce))
        self.by_nonce[nonce] = mid
        if self.crash_after_send:
            self.crash_after_send = False
            raise asyncio.CancelledError  # the process dies right after Discord created the message
        return mid

    async def find_sent(self, channel_id: int, content: str, after: datetime) -> int | None:
        return None

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        return message_id

    async def create_forum_post(
        self, forum_id: int, name: str, content: str, *, role_id: int | None = None
    ) -> tuple[int, int]:
        raise AssertionError("not a forum")

    async def find_forum_post(self, forum_id: int, name: str) -> int | None:
        return None


async def add_article(store: ArticleStore, n: int, word: str, guild: int | None = 1) -> None:
    text = f"{word} report {n}: " + " ".join(
        f"sentence {n}-{i} about {word} and event{n * 31 + i}." for i in range(20)
    )
    await Ingestor(store).store_extracted(
        ExtractedArticle(
            paragraphs=[Paragraph("text", text)],
            title=f"{word.title()} story {n}",
            url=f"https://news.test/{word}/{n}",
        ),
        origin="text",
        source="t",
        guild_id=guild,
    )


START = datetime(2024, 3, 30, 6, 0, tzinfo=UTC)


async def test_digest_once_then_nothing_new(store: ArticleStore) -> None:
    clock, poster = ManualClock(START), FakePoster()
    topic = await new_topic(
        store,
        guild_id=1,
        channel_id=10,
        query="ukraine",
        at="08:00",
        timezone="Europe/Berlin",
        now=clock.now(),
    )
    await add_article(store, 1, "ukraine")
    await add_article(store, 2, "weather")
    sched = TopicScheduler(store, poster, clock=clock)  # type: ignore[arg-type]
    assert await sched.run_due() == 0
    clock.current = topic.next_run_at  # 08:00 Berlin
    assert await sched.run_due() == 1
    assert (
        len(poster.sent) == 1
        and "Ukraine story 1" in poster.sent[0][1]
        and "Weather" not in poster.sent[0][1]
    )
    clock.current = datetime(2024, 3, 31, 6, 0, tzinfo=UTC)  # next day, after DST: 08:00 local = 06:00 UTC
    assert await sched.run_due() == 1
    assert len(poster.sent) == 1  # nothing new: nothing posted
    stored = await store.get_topic(topic.id, 1)
    assert stored and stored.next_run_at == datetime(2024, 4, 1, 6, 0, tzinfo=UTC)


async def test_crash_after_send_posts_exactly_once(store: ArticleStore) -> None:
    clock, poster = ManualClock(START), FakePoster()
    topic = await new_topic(store, guild_id=1, channel_id=10, query="ukraine", now=clock.now())
    await add_article(store, 1, "ukraine")
    clock.current = topic.next_run_at
    poster.crash_after_send = True
    sched = TopicScheduler(store, poster, clock=clock)  # type: ignore[arg-type]
    with pytest.raises(asyncio.CancelledError):
        await sched.run_due()
    stored = await store.get_topic(topic.id, 1)
    assert stored and stored.pending is not None  # the intent survived the crash
    clock.advance(timedelta(seconds=30))  # "restart"
    await TopicScheduler(store, poster, clock=clock).run_due()  # type: ignore[arg-type]
    assert len(poster.sent) == 1
    stored = await store.get_topic(topic.id, 1)
    assert stored and stored.pending is None and stored.last_article_id >= 1


async def test_stopping_lets_a_digest_in_flight_finish(store: ArticleStore) -> None:
    clock, poster = ManualClock(START), FakePoster()
    topic = await new_topic(store, guild_id=1, channel_id=10, query="ukraine", now=clock.now())
    await add_article(store, 1, "ukraine")
    clock.current = topic.next_run_at
    poster.release = asyncio.Event()
    sched = TopicScheduler(store, poster, clock=clock)  # type: ignore[arg-type]
    running = asyncio.create_task(sched.run_due())
    await asyncio.wait_for(poster.sending.wait(), 5)
    running.cancel()  # SIGTERM while Discord is still answering
    await asyncio.sleep(0.05)
    poster.release.set()
    with pytest.raises(asyncio.CancelledError):
        await running
    stored = await store.get_topic(topic.id, 1)
    assert stored and stored.pending is None and stored.last_run_at == clock.now() and len(poster.sent) == 1


async def test_recovered_digest_from_an_earlier_slot_is_followed_by_one_catch_up(store: ArticleStore) -> None:
    clock, poster = ManualClock(START), FakePoster()
    topic = await new_topic(store, guild_id=1, channel_id=10, query="ukraine", now=clock.now())
    await add_article(store, 1, "ukraine")
    clock.current = topic.next_run_at
    poster.crash_after_send = True
    with pytest.raises(asyncio.CancelledError):
        await TopicScheduler(store, poster, clock=clock).run_due()  # type: ignore[arg-type]
    for n in range(2, 4):  # arrive while the bot is down for three days
        await add_article(store, n, "ukraine")
    clock.advance(timedelta(days=3, hours=2))
    sched = TopicScheduler(store, poster, clock=clock)  # type: ignore[arg-type]
    assert await sched.run_due() == 1  # the recovered digest; the topic is due again at once
    assert await sched.run_due() == 1
    assert await sched.run_due() == 0
    assert len(poster.sent) == 2  # the interrupted digest once, then one catch-up with what came since
    assert "story 1" in poster.sent[0][1] and "story 1" not in poster.sent[1][1]
    assert "story 2" in poster.sent[1][1] and "story 3" in poster.sent[1][1]
    stored = await store.get_topic(topic.id, 1)
    assert stored and stored.pending is None and stored.next_run_at and stored.next_run_at > clock.now()


async def test_three_days_down_gives_one_catch_up(store: ArticleStore) -> None:
    clock, poster = ManualClock(START), FakePoster()
    topic = await new_topic(store, guild_id=1, channel_id=10, query="ukraine", now=clock.now())
    for n in range(3):
        await add_article(store, n, "ukraine")
    clock.current = topic.next_run_at + timedelta(days=3, hours=1)
    sched = TopicScheduler(store, poster, clock=clock)  # type: ignore[arg-type]
    await sched.run_due()
    await sched.run_due()
    assert len(poster.sent) == 1 and poster.sent[0][1].count("Ukraine story") == 3
    stored = await store.get_topic(topic.id, 1)
    assert stored and stored.next_run_at and stored.next_run_at > clock.now()


async def test_missing_channel_pauses_with_reason(store: ArticleStore) -> None:
    clock, poster = ManualClock(START), FakePoster()
    poster.gone.add(10)
    topic = await new_topic(store, guild_id=1, channel_id=10, query="ukraine", now=clock.now())
    await add_article(store, 1, "ukraine")
    clock.current = topic.next_run_at
    await TopicScheduler(store, poster, clock=clock).run_due()  # type: ignore[arg-type]
    (listed,) = await store.list_topics(1)
    assert listed.paused_reason == "channel not found" and listed.next_run_at is None
    assert listed.to_dict()["paused_reason"] == "channel not found"


async def test_500_topics_due_at_once_with_transient_errors(store: ArticleStore) -> None:
    clock, poster = ManualClock(START), FakePoster()
    poster.fail_every = 7
    await add_article(store, 1, "ukraine", guild=None)
    topics = []
    for i in range(500):
        topics.append(
            Topic(
                id=0,
                guild_id=i % 100,
                channel_id=10_000 + i,
                query="ukraine",
                next_run_at=START,
                created_at=START,
            )
        )
    await store.add_topics(topics)
    sched = TopicScheduler(store, poster, clock=clock, concurrency=32)  # type: ignore[arg-type]
    await sched.run_due()
    for _ in range(5):  # retries come a minute or two later
        clock.advance(timedelta(minutes=3))
        await sched.run_due()
    assert len({c for c, _, _ in poster.sent}) == 500 and len(poster.sent) == 500
