"""Editing a followed feed from the panel: its announcement channel and topic are set when they belong to
this server, and another channel or topic id is a 404 that changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from bot.topics.manage import new_topic
from tests.panel.conftest import World
from tests.panel.test_security import _logged_in


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def test_edit_a_feed(world: World, client: aiohttp.ClientSession) -> None:
    store, now = world.bot.store, datetime.now(UTC)
    sub, _ = await store.add_feed_subscription("https://example.org/feed.xml", world.guild.id, now=now)
    topic = await new_topic(
        store, guild_id=world.guild.id, channel_id=world.channel.id, query="port", now=now
    )
    theirs = await new_topic(store, guild_id=world.other.id, channel_id=1, query="port", now=now)
    csrf = await _logged_in(world, world.admin, client)
    url = world.base + f"/s/{world.guild.id}/feeds/{sub.id}/edit"
    headers = {"Origin": world.base}

    async def post(data: dict[str, str]) -> int:
        async with client.post(
            url, data={"csrf": csrf, **data}, headers=headers, allow_redirects=False
        ) as resp:
            return resp.status

    assert await post({"channel": "999"}) == 404
    assert await post({"channel": str(world.channel.id), "topic": str(theirs.id)}) == 404
    [before] = await store.list_feed_subscriptions(world.guild.id)
    assert (before.channel_id, before.topic_id) == (None, None)

    assert await post({"channel": str(world.channel.id), "topic": str(topic.id)}) in (302, 303)
    [after] = await store.list_feed_subscriptions(world.guild.id)
    assert (after.channel_id, after.topic_id) == (world.channel.id, topic.id)
    actions = [e.action for e in await store.list_audit(world.guild.id)]
    assert actions[0] == "feed.update"
