"""Topic digests through the Discord emulator, with the bot run as an operator runs it (`newsbot run`):
local time across a daylight-saving change, exactly once after SIGKILL, one catch-up after three days
down, and 500 topics due in the same minute while Discord answers with 429s."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio

from tests.emulator import DiscordEmulator
from tests.topics.e2e import OperatedBot, digests, story


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    emulator = DiscordEmulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()
    emulator.assert_no_violations()


@pytest_asyncio.fixture
async def operated(emu: DiscordEmulator, tmp_path: Path) -> AsyncIterator[OperatedBot]:
    bot = OperatedBot(tmp_path, emu)
    try:
        yield bot
    finally:
        if bot.proc is not None and bot.proc.returncode is None:
            code = await bot.stop()
            assert code == 0, f"newsbot run exited {code} on SIGTERM:\n{bot.log_text()[-3000:]}"


def _instant(text: str | None) -> datetime:
    assert text, "no time recorded"
    return datetime.fromisoformat(text).astimezone(UTC)


async def test_daily_topic_fires_at_local_time_across_dst(emu: DiscordEmulator, operated: OperatedBot) -> None:
    guild = emu.create_guild("Newsroom")
    general = next(iter(guild.channels.values()))
    operated.set_clock(datetime(2024, 3, 29, 12, 0, tzinfo=UTC))
    await operated.start()
    _, answer = await operated.ask(
        "topic follow",
        {"query": "ferry terminal", "channel": general, "every": "daily", "at": "08:00", "timezone": "Europe/Berlin"},
        guild=guild,
    )
    assert "Following" in answer, answer
    [topic] = await operated.topics()
    assert _instant(topic["next_run_at"]) == datetime(2024, 3, 30, 7, 0, tzinfo=UTC)  # 08:00 CET

    first = await operated.ingest("Harbour ferry terminal approved", story("ferry terminal", "Mayor Jane Holt", 1))
    operated.set_clock(datetime(2024, 3, 30, 6, 59, 58, 500000, tzinfo=UTC))
    msg = await emu.wait_message(general, lambda m: "📰" in m["content"], timeout=15)
    assert f"(#{first})" in msg["content"]
    [topic] = await operated.topics()
    fired = _instant(topic["last_run_at"])
    assert datetime(2024, 3, 30, 7, 0, tzinfo=UTC) <= fired < datetime(2024, 3, 30, 7, 0, 30, tzinfo=UTC)
    assert _instant(topic["next_run_at"]) == datetime(2024, 3, 31, 6, 0, tzinfo=UTC)  # 08:00 CEST

    second = await operated.ingest("Ferry terminal costs published", story("ferry terminal", "Mayor Jane Holt", 2))
    operated.set_clock(datetime(2024, 3, 31, 5, 59, 58, 500000, tzinfo=UTC))
    await emu.wait_until(lambda: len(digests(emu.messages(general))) == 2, 15, "the second digest")
    posts = digests(emu.messages(general))
    assert f"(#{second})" in posts[1]["content"] and f"(#{first})" not in posts[1]["content"]
    [topic] = await operated.topics()
    fired = _instant(topic["last_run_at"])
    assert datetime(2024, 3, 31, 6, 0, tzinfo=UTC) <= fired < datetime(2024, 3, 31, 6, 0, 30, tzinfo=UTC)
    assert _instant(topic["next_run_at"]) == datetime(2024, 4, 1, 6, 0, tzinfo=UTC)
    assert operated.problems() == []
