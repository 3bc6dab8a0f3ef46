"""The accelerated clock soak runs inject into the scheduler and the feed poller."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.timer import ScaledClock


async def test_scaled_clock_runs_fast_and_sleeps_scaled() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = ScaledClock(start, rate=3600.0)
    wake = asyncio.Event()
    await clock.sleep_until(clock.now() + timedelta(minutes=3), wake)  # 3 minutes = 0.05 s
    assert clock.now() - start >= timedelta(minutes=3)
    clock.reset(start, 1.0)
    assert clock.now() - start < timedelta(seconds=5)
    with pytest.raises(ValueError):
        clock.reset(start, 0)
