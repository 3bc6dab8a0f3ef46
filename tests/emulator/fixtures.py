"""Pytest fixtures for the Discord emulator; load them from ``tests/conftest.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from .server import DiscordEmulator


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    """A started emulator; the test fails at teardown if anything the bot sent broke Discord's rules."""
    emu = DiscordEmulator()
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()
    emu.assert_no_violations()


@pytest.fixture
def discord_pointed_at(emulator: DiscordEmulator) -> Iterator[DiscordEmulator]:
    """discord.py in this process talks to ``emulator``; the real endpoints are restored afterwards."""
    import discord.gateway
    import discord.http

    from bot.discord_endpoints import apply_endpoint_overrides

    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    apply_endpoint_overrides(emulator.api_base, emulator.gateway_url)
    try:
        yield emulator
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
