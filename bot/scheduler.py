"""One scheduler task for every topic, driven by the store's `next_run_at` (not one loop per topic).

Each wake-up asks the store for the topics due now, posts their digests with bounded concurrency and
sleeps until the earliest `next_run_at` (or until `wake()` is called after a topic changes). Because the
schedule lives in the store, a restart simply picks up where the last process stopped; a topic whose
slot passed while the bot was down runs once and is then scheduled from *now* (one catch-up digest).

Time comes from a `Clock`: the system clock, or — only when NEWSBOT_FAKE_NOW_FILE is set, for tests —
a file holding an ISO instant that then runs on in real time from the file's modification time, so a
test can jump the bot across a DST change or three days ahead by rewriting that file.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.store.base import ArticleStore
from bot.topics.digest import DigestRunner
from bot.topics.poster import Poster

log = logging.getLogger(__name__)

FAKE_NOW_ENV = "NEWSBOT_FAKE_NOW_FILE"  # test-only: see module docstring


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None: ...


class SystemClock:
    """Wall time; sleeps at most `max_sleep` so a changed system clock is noticed."""

    def __init__(self, max_sleep: float = 60.0) -> None:
        self.max_sleep = max_sleep

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        delay = min(max((when - self.now()).total_seconds(), 0.0), self.max_sleep)
        try:
            await asyncio.wait_for(wake.wait(), timeout=delay)
        except TimeoutError:
            pass


class FileClock(SystemClock):
    """Test clock: the instant written in `path`, advancing in real time since the file was written."""

    def __init__(self, path: str | Path, poll: float = 0.2) -> None:
        super().__init__(max_sleep=poll)
        self.path = Path(path)

    def now(self) -> datetime:
        try:
            stat = self.path.stat()
            text = self.path.read_text().strip()
            base = datetime.fromisoformat(text)
        except (OSError, ValueError):
            return datetime.now(UTC)
        if base.tzinfo is None:
            base = base.replace(tzinfo=UTC)
        return base.astimezone(UTC) + timedelta(seconds=max(time.time() - stat.st_mtime, 0.0))


class ManualClock(SystemClock):
    """In-process tests: time moves only when told to."""

    def __init__(self, start: datetime) -> None:
        super().__init__(max_sleep=0.01)
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


def clock_from_env(environ: dict[str, str] | None = None) -> Clock:
    env = os.environ if environ is None else environ
    path = env.get(FAKE_NOW_ENV)
    if path:
        log.warning("using the test clock from %s=%s", FAKE_NOW_ENV, path)
        return FileClock(path)
    return SystemClock()


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
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.runner = DigestRunner(store, poster, clock=self.clock)
        self.concurrency = concurrency
        self.batch = batch
        self.idle = idle
        self.drain = drain
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Recompute the next wake-up (a topic was added, resumed or rescheduled)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        log.info("topic scheduler started")
        while not self._stopping:
            try:
                await self.run_due()
                upcoming = await self.store.next_topic_run()
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must survive a bad row or a store hiccup
                log.exception("topic scheduler iteration failed")
                upcoming = None
            now = self.clock.now()
            until = min(upcoming, now + self.idle) if upcoming else now + self.idle
            self._wake.clear()
            if until > now:
                await self.clock.sleep_until(until, self._wake)
        log.info("topic scheduler stopped")

    async def run_due(self) -> int:
        """Post every digest due now; returns how many topics ran.

        Cancelled (the bot is stopping), it starts no new digest but lets those already being sent finish
        for up to `drain` seconds: a digest cut between sending and recording would only be recovered at
        the next start, and a SIGTERM is no crash."""
        total = 0
        sem = asyncio.Semaphore(self.concurrency)
        stopping = False

        async def one(topic_id: int) -> None:
            async with sem:
                if not stopping:
                    await self.runner.run_topic(topic_id)

        while True:
            now = self.clock.now()
            due = await self.store.due_topics(now, limit=self.batch)
            if not due:
                return total
            tasks = [asyncio.create_task(one(t.id), name=f"topic-{t.id}") for t in due]
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
            if len(due) < self.batch:
                return total
