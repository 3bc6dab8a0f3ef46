"""One scheduler task for every topic, driven by the store's `next_run_at` (not one loop per topic).

Each wake-up claims from the store the topics due now (a lease, bot/leases.py, so several processes
over one database post each digest once), posts their digests with bounded concurrency and
sleeps until the earliest `next_run_at` (or until `wake()` is called after a topic changes). Because the
schedule lives in the store, a restart simply picks up where the last process stopped; a topic whose
slot passed while the bot was down runs once and is then scheduled from *now* (one catch-up digest).

Time comes from a `Clock` (bot/timer.py), injectable so tests move it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.errors import StoreError
from bot.leases import LeaseKeeper
from bot.store.base import ArticleStore
from bot.timer import Clock, DueLoop, ManualClock, SystemClock, clock_from_env
from bot.topics.digest import DigestRunner
from bot.topics.poster import AdminNotifier, Poster

log = logging.getLogger(__name__)

__all__ = ["Clock", "ManualClock", "SystemClock", "TopicScheduler", "clock_from_env"]


class TopicScheduler:
    """The single scheduling loop. `concurrency` bounds digests in flight (Discord rate limits do the rest)."""

    def __init__(
        self,
        store: ArticleStore,
        poster: Poster,
        *,
        clock: Clock | None = None,
        concurrency: int = 16,
        batch: int = 500,
        idle: timedelta = timedelta(minutes=5),
        drain: float = 10.0,
        leases: LeaseKeeper | None = None,
        notices: AdminNotifier | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.leases = leases or LeaseKeeper(store, self.clock)
        self.runner = DigestRunner(store, poster, clock=self.clock, notices=notices)
        self.concurrency = concurrency
        self.batch = batch
        self.drain = drain
        self.loop = DueLoop("topic scheduler", self.clock, self.run_due, store.next_topic_run, idle)

    def wake(self) -> None:
        """Recompute the next wake-up (a topic was added, resumed or rescheduled)."""
        self.loop.wake()

    def stop(self) -> None:
        self.loop.stop()

    async def run(self) -> None:
        beat = asyncio.create_task(self.leases.heartbeat(), name="topic-leases")
        try:
            await self.loop.run()
        finally:
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)

    async def run_due(self) -> int:
        """Post every digest due now; returns how many topics ran.

        Cancelled (the bot is stopping), it starts no new digest but lets those already being sent finish
        for up to `drain` seconds: a digest cut between sending and recording would only be recovered at
        the next start, and a SIGTERM is no crash."""
        total = 0
        sem = asyncio.Semaphore(self.concurrency)
        stopping = False

        async def one(topic_id: int) -> None:
            try:
                async with sem:
                    if not stopping:
                        await self.runner.run_topic(topic_id)
            finally:
                await self.leases.release("topic", topic_id)

        # a few more than can be in flight: other processes over the same database take the rest
        chunk = min(self.batch, self.concurrency * 2)
        while True:
            # leased, not just read: another process over the same database never gets the same topic
            try:
                due = await self.leases.claim_due("topic", chunk)
            except StoreError as exc:  # a full disk, a lock held too long: the topics stay due, tried again
                log.warning("cannot claim due topics; trying again later", extra={"reason": str(exc)})
                return total
            if not due:
                return total
            tasks = [asyncio.create_task(one(t), name=f"topic-{t}") for t in due]
            try:
                await asyncio.gather(*(asyncio.shield(task) for task in tasks))
            except asyncio.CancelledError:
                stopping = True
                running = [task for task in tasks if not task.done()]
                if running:
                    log.info("stopping: finishing digests in flight", extra={"count": len(running)})
                    _, late = await asyncio.wait(running, timeout=self.drain)
                    for task in late:
                        task.cancel()
                raise
            total += len(due)
            if len(due) < chunk:
                return total
