"""The panel end to end in a real Chromium against the Discord emulator: login, server lists, archive,
ingest, feeds, topics; and local mode from `newsbot run` without a token."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from bot.feeds.types import FeedSubscription
from tests.conftest import REPO, SEED
from tests.feeds.conftest import FeedServer, rss
from tests.panel.conftest import World, free_port, login


async def test_login_server_lists_and_logout(world: World, browser: Any) -> None:
    page = await login(browser, world, world.admin)
    servers = page.locator("ul.servers:not(.invite) li")
    assert sorted(await servers.all_inner_texts()) == ["Elsewhere manager", "Newsroom manager"]
    invite = page.locator("ul.invite li")
    assert await invite.all_inner_texts() == ["Botless — invite newsbot"]
    href = await invite.locator("a").get_attribute("href")
    assert href is not None and f"guild_id={world.botless.id}" in href and f"client_id={world.emu.application_id}" in href
    token = next(iter(world.oauth().tokens))
    await page.click("text=Log out")
    await page.wait_for_url(world.base + "/")
    assert await page.locator("text=Log in with Discord").count() == 1
    assert world.oauth().revoked == [token]
    world.oauth().login_as(None)  # logged out: the archive sends to Discord, where this time nobody agrees
    await page.goto(world.base + f"/s/{world.guild.id}/")
    assert await page.inner_text("h1") == "Login cancelled"
    assert await page.locator(".logout").count() == 0

    member = await login(browser, world, world.member)
    assert await member.locator("ul.servers li").all_inner_texts() == ["Newsroom"]
    assert await member.locator("ul.invite").count() == 0
    await member.click("text=Newsroom")
    assert await member.locator("header nav a").all_inner_texts() == ["Archive"]  # no manage pages

    outsider = await login(browser, world, world.outsider)
    assert "newsbot is in none of your servers" in await outsider.inner_text("main")
    response = await outsider.goto(world.base + f"/s/{world.guild.id}/")
    assert response is not None and response.status == 404
