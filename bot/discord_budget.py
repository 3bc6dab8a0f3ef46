"""Discord's invalid-request budget: 10,000 answers of 401, 403 or 429 within 10 minutes ban the bot's IP
for an hour. Every REST answer the bot receives is counted here (an aiohttp trace hook on discord.py's
session, so the 429s discord.py retries by itself count too), and senders ask `pace()` before a message:
nothing while the window holds few refusals, then a growing pause, and past `hard` a refusal of their
own (`BudgetExhausted`, a transient failure: the work is retried later) until the window drains. The
limits stay far below Discord's so a storm of refused sends cannot spiral into a ban."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import aiohttp

from bot.errors import NewsbotError

log = logging.getLogger(__name__)

WINDOW = 600.0  # seconds: Discord's window
DISCORD_LIMIT = 10_000
INVALID_STATUSES = frozenset({401, 403, 429})


class BudgetExhausted(NewsbotError):
    """Too many refused requests lately: sending is held back until the window drains."""


class InvalidRequestBudget:
    """Refusals (401/403/429) in the last `window` seconds. `soft` starts slowing senders down, `hard`
    stops them; both default to a small fraction of Discord's 10,000."""

    def __init__(
        self,
        *,
        soft: int = 500,
        hard: int = 2_500,
        window: float = WINDOW,
        max_pause: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < soft < hard < DISCORD_LIMIT:
            raise ValueError("need 0 < soft < hard < 10,000")
        self.soft = soft
        self.hard = hard
        self.window = window
        self.max_pause = max_pause
        self._monotonic = monotonic
        self._times: deque[float] = deque()
        self.total = 0  # refusals since start (for logs and tests)
        self.by_status: dict[int, int] = {}
        self._warned = False

    def record(self, status: int) -> None:
        if status not in INVALID_STATUSES:
            return
        self.total += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1
        self._times.append(self._monotonic())
        count = self.count()
        if count >= self.soft and not self._warned:
            self._warned = True
            log.warning(
                "many refused Discord requests: slowing down",
                extra={"refused_10min": count, "soft": self.soft, "hard": self.hard},
            )
        elif count < self.soft // 2:
            self._warned = False

    def count(self) -> int:
        """Refusals within the window."""
        cutoff = self._monotonic() - self.window
        while self._times and self._times[0] <= cutoff:
            self._times.popleft()
        return len(self._times)

    def delay(self) -> float:
        """Seconds a sender should wait now: 0 below `soft`, rising to `max_pause` at `hard`."""
        count = self.count()
        if count < self.soft:
            return 0.0
        return min(self.max_pause, self.max_pause * (count - self.soft + 1) / (self.hard - self.soft))

    async def pace(self) -> None:
        """Call before a send: waits while refusals pile up; raises `BudgetExhausted` past `hard`."""
        if self.count() >= self.hard:
            raise BudgetExhausted(
                f"{self.count()} refused Discord requests in the last {self.window / 60:.0f} minutes; "
                "holding sends back"
            )
        pause = self.delay()
        if pause:
            await asyncio.sleep(pause)

    def trace_config(self) -> aiohttp.TraceConfig:
        """Hook for `discord.Client(http_trace=...)`: every REST answer's status passes through `record`."""
        trace = aiohttp.TraceConfig()

        async def on_end(
            session: aiohttp.ClientSession, ctx: SimpleNamespace, params: aiohttp.TraceRequestEndParams
        ) -> None:
            self.record(params.response.status)

        trace.on_request_end.append(on_end)
        return trace

    def snapshot(self) -> dict[str, Any]:
        return {"refused_10min": self.count(), "refused_total": self.total, "by_status": dict(self.by_status)}
