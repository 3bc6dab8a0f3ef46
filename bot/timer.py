"""Time for background work: an injectable clock, and the one-task loop driven by a due time.

Time comes from a `Clock`: the system clock, or — only when NEWSBOT_FAKE_NOW_FILE is set, for tests —
a file holding an ISO instant that then runs on in real time from the file's modification time, so a
test can jump the bot across a DST change or three days ahead by rewriting that file.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

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


class ScaledClock(SystemClock):
    """Accelerated time for soak runs: starts at `start` and runs `rate` times faster than the monotonic
    clock (rate 3600: an hour per second). Sleeps are scaled down the same way, so every loop driven by
    this clock sees a week of schedules in minutes."""

    def __init__(self, start: datetime, rate: float, max_sleep: float = 0.5) -> None:
        super().__init__(max_sleep=max_sleep)
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.start = start
        self.rate = rate
        self._origin = time.monotonic()

    def reset(self, start: datetime, rate: float) -> None:
        """Continue from `start` at a new `rate` (e.g. real time while setting up, then fast)."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.start, self.rate, self._origin = start, rate, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._origin) * self.rate)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        delay = min(max((when - self.now()).total_seconds() / self.rate, 0.0), self.max_sleep)
        try:
            await asyncio.wait_for(wake.wait(), timeout=delay)
        except TimeoutError:
            pass


def clock_from_env(environ: dict[str, str] | None = None) -> Clock:
    env = os.environ if environ is None else environ
    path = env.get(FAKE_NOW_ENV)
    if path:
        log.warning("using the test clock from %s=%s", FAKE_NOW_ENV, path)
        return FileClock(path)
    return SystemClock()


class DueLoop:
    """One task driven by the store's next due time (RoboDanny's timer): run what is due, sleep until the
    next due time or `idle`, wake early when told. Shared by the topic scheduler and the feed poller."""

    def __init__(
        self,
        name: str,
        clock: Clock,
        run_due: Callable[[], Awaitable[object]],
        next_due: Callable[[], Awaitable[datetime | None]],
        idle: timedelta = timedelta(minutes=5),
        busy_wait: timedelta = timedelta(seconds=1),
    ) -> None:
        self.name = name
        self.busy_wait = busy_wait
        self.clock = clock
        self.run_due = run_due
        self.next_due = next_due
        self.idle = idle
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Recompute the next wake-up (something was added, resumed or rescheduled)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        log.info("%s started", self.name)
        while not self._stopping:
            try:
                done = await self.run_due()
                upcoming = await self.next_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must survive a bad row or a store hiccup
                log.exception("%s iteration failed", self.name)
                upcoming = None
                done = None
            now = self.clock.now()
            until = min(upcoming, now + self.idle) if upcoming else now + self.idle
            if not done and until <= now:
                # due but nothing taken: another process holds it (a lease), or the store failed
                until = now + self.busy_wait
            self._wake.clear()
            if until > now:
                await self.clock.sleep_until(until, self._wake)
        log.info("%s stopped", self.name)
