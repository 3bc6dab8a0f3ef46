"""The invalid-request budget: refusals counted over a sliding window, senders slowed and then held back
well before Discord's 10,000, and every REST answer counted through aiohttp's trace hook."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web

from bot.discord_budget import BudgetExhausted, InvalidRequestBudget
from tests.support.http import local_site


class Tick:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_counts_only_refusals_within_the_window() -> None:
    tick = Tick()
    budget = InvalidRequestBudget(soft=10, hard=20, window=600, monotonic=tick)
    for status in (200, 204, 400, 404, 500, 401, 403, 429, 429):
        budget.record(status)
    assert budget.count() == 4 and budget.by_status == {401: 1, 403: 1, 429: 2}
    tick.now += 599
    assert budget.count() == 4
    tick.now += 2
    assert budget.count() == 0
    assert budget.total == 4  # the lifetime total stays


async def test_pace_is_free_below_soft_slows_between_and_refuses_at_hard() -> None:
    tick = Tick()
    budget = InvalidRequestBudget(soft=4, hard=8, max_pause=0.05, monotonic=tick)
    for _ in range(3):
        budget.record(403)
    assert budget.delay() == 0.0
    await budget.pace()
    budget.record(403)
    budget.record(403)
    assert 0.0 < budget.delay() < 0.05
    for _ in range(3):
        budget.record(429)
    assert budget.delay() == 0.05
    with pytest.raises(BudgetExhausted, match="8 refused Discord requests"):
        await budget.pace()
    tick.now += 601  # the window drained
    await budget.pace()


def test_limits_must_stay_below_discords() -> None:
    with pytest.raises(ValueError):
        InvalidRequestBudget(soft=5000, hard=10_000)
    with pytest.raises(ValueError):
        InvalidRequestBudget(soft=10, hard=5)


async def test_trace_hook_counts_what_a_real_server_answers() -> None:
    statuses = iter([200, 403, 429, 404, 401])

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=next(statuses))

    app = web.Application()
    app.router.add_get("/", handler)
    budget = InvalidRequestBudget()
    async with local_site(app) as base, aiohttp.ClientSession(trace_configs=[budget.trace_config()]) as s:
        for _ in range(5):
            async with s.get(base + "/") as resp:
                await resp.read()
    await asyncio.sleep(0)
    assert budget.total == 3 and budget.by_status == {403: 1, 429: 1, 401: 1}
