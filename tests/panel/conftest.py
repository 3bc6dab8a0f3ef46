"""The panel's test world: the bot in-process against the Discord emulator (which also plays Discord's
OAuth2), serving the panel on a free loopback port; and a real Chromium driven by async Playwright."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.client import NewsBot
from bot.config import Settings
from bot.services import MANAGE_GUILD
from tests.emulator import DiscordEmulator, Guild, User
from tests.emulator.state import Channel
from tests.feeds.conftest import feed_server  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class World:
    emu: DiscordEmulator
    bot: NewsBot
    base: str  # the panel's URL
    guild: Guild  # "Newsroom": the bot is in it
    channel: Channel  # its #general
    other: Guild  # "Elsewhere": the bot is in it too; only `admin` belongs there
    botless: Guild  # "Botless": admin owns it, the bot is not in it
    admin: User  # Manage Server in Newsroom (through a role), owner of Botless, member of Elsewhere
    member: User  # plain member of Newsroom
    outsider: User  # in no server the bot is in

    def oauth(self) -> Any:
        return self.emu.oauth  # type: ignore[attr-defined]


@pytest_asyncio.fixture
async def world(discord_pointed_at: DiscordEmulator, tmp_path: Path) -> AsyncIterator[World]:
    emu = discord_pointed_at
    admin = emu.create_user("ada")
    member = emu.create_user("max")
    outsider = emu.create_user("olga")
    guild = emu.create_guild("Newsroom")
    editors = emu.create_role(guild, "Editors", permissions=MANAGE_GUILD)
    emu.add_member(guild, admin, [editors])
    emu.add_member(guild, member)
    other = emu.create_guild("Elsewhere")
    emu.add_member(other, admin, [emu.create_role(other, "Editors", permissions=MANAGE_GUILD)])
    botless = emu.create_guild("Botless", owner=admin)
    del botless.members[emu.bot_user.id]
    port = free_port()
    settings = Settings(
        token=emu.token,
        db_path=str(tmp_path / "panel.db"),
        fetch_allow="127.0.0.1",
        discord_api=emu.api_base,
        discord_gateway=emu.gateway_url,
        panel_url=f"http://127.0.0.1:{port}",
        panel_bind=f"127.0.0.1:{port}",
        oauth_secret=emu.oauth.secret,  # type: ignore[attr-defined]
        discord_authorize_url=f"{emu.base_url}/oauth2/authorize",
    )
    bot = NewsBot(settings)
    await bot.login(emu.token)
    runner = asyncio.create_task(bot.connect())
    try:
        await emu.wait_ready(timeout=30)
        await emu.wait_until(lambda: bot.get_guild(guild.id) and bot.get_guild(other.id), 10, "guilds")
        await emu.dispatch("GUILD_DELETE", {"id": str(botless.id), "unavailable": False})
        await emu.wait_until(lambda: bot.get_guild(botless.id) is None, 10, "the bot to leave Botless")
        channel = next(iter(guild.channels.values()))
        yield World(
            emu, bot, settings.panel_url or "", guild, channel, other, botless, admin, member, outsider
        )
    finally:
        await bot.close()
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Any]:
    if not HAVE_CHROMIUM:
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def login(browser: Any, world: World, user: User) -> Any:
    """A new browser context logged in as `user` through the OAuth2 flow; returns its page."""
    context = await browser.new_context()
    context.set_default_timeout(15000)
    page = await context.new_page()
    world.oauth().login_as(user)
    await page.goto(world.base + "/auth/login")
    await page.wait_for_url(world.base + "/")
    return page


async def http_login(world: World, user: User, session: aiohttp.ClientSession, next_: str = "/") -> str:
    """The same flow without a browser (aiohttp follows the redirects); returns the final URL."""
    world.oauth().login_as(user)
    async with session.get(world.base + "/auth/login", params={"next": next_}) as resp:
        assert resp.status == 200, await resp.text()
        return str(resp.url)


def csrf_of(html: str) -> str:
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)
