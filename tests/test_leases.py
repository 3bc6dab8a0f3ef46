"""Leases on due work (bot/leases.py), on both backends: two schedulers over one database post every
digest once; a dead holder's lease runs out and the work is taken over; a living holder's heartbeat
keeps it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.leases import LeaseKeeper
from bot.scheduler import ManualClock, TopicScheduler
from bot.store import ArticleStore, create_store
from bot.topics.types import Topic
from tests.topics.test_topics import FakePoster, add_article

START = datetime(2024, 3, 30, 6, 0, tzinfo=UTC)


async def _topics(store: ArticleStore, n: int) -> None:
    await store.add_topics(
        [
            Topic(
                id=0,
                guild_id=None,
                channel_id=10_000 + i,
                query="ukraine",
                next_run_at=START,
                created_at=START,
            )
            for i in range(n)
        ]
    )


async def test_two_schedulers_over_one_database_post_each_digest_once(
    store: ArticleStore, db_location: str, backend: str
) -> None:
    """On PostgreSQL the second scheduler has a pool of its own (as another process would); SQLite is one
    process's database, so there both share the store."""
    await add_article(store, 1, "ukraine", guild=None)
    await _topics(store, 120)
    other = create_store(db_location) if backend == "postgres" else store
    await other.open()
    try:
        clock, poster = ManualClock(START), FakePoster()
        first = TopicScheduler(
            store, poster, clock=clock, concurrency=4, leases=LeaseKeeper(store, clock, owner="first")
        )  # type: ignore[arg-type]
        second = TopicScheduler(
            other, poster, clock=clock, concurrency=4, leases=LeaseKeeper(other, clock, owner="second")
        )  # type: ignore[arg-type]
        done = await asyncio.gather(first.run_due(), second.run_due())
    finally:
        if other is not store:
            await other.close()
    channels = [c for c, _, _ in poster.sent]
    assert sorted(channels) == [10_000 + i for i in range(120)]  # every digest, none twice
    assert sum(done) == 120
    assert await store.due_topics(START) == []


async def test_a_dead_holders_lease_runs_out_and_a_living_one_is_renewed(store: ArticleStore) -> None:
    await _topics(store, 3)
    clock = ManualClock(START)
    dead = LeaseKeeper(store, clock, owner="dead", seconds=30)
    alive = LeaseKeeper(store, clock, owner="alive", seconds=30)
    other = LeaseKeeper(store, clock, owner="other", seconds=30)
    taken = await dead.claim_due("topic", 2)
    assert len(taken) == 2
    (third,) = await alive.claim_due("topic", 10)
    assert third not in taken
    assert await other.claim_due("topic", 10) == []  # nobody's lease ran out
    assert not await other.claim("topic", taken[0])

    clock.advance(timedelta(seconds=31))  # "dead" never renewed; "alive" renews its lease
    assert await store.renew_claims("alive", alive.until()) == 1
    assert await other.claim_due("topic", 10) == taken
    clock.advance(timedelta(seconds=20))
    assert await dead.claim_due("topic", 10) == []  # taken over, and renewed leases hold

    await alive.release("topic", third)
    assert await dead.claim_due("topic", 10) == [third]
    assert await dead.claim("announce", 0) and not await alive.claim("announce", 0)


async def test_a_restarted_process_with_the_same_name_takes_its_leases_back_at_once(
    store: ArticleStore,
) -> None:
    """SQLite has one working process, named the same across restarts: a crash does not hold its digests
    back for a lease's length. On PostgreSQL every process has a name of its own."""
    await _topics(store, 2)
    clock = ManualClock(START)
    before = LeaseKeeper(store, clock)
    assert await before.claim_due("topic", 10) == [1, 2]
    after = LeaseKeeper(store, clock)  # the restarted process
    if store.shared:
        assert after.owner != before.owner and await after.claim_due("topic", 10) == []
    else:
        assert after.owner == before.owner and await after.claim_due("topic", 10) == [1, 2]
