"""Managing a topic from the panel over HTTP: edit (a bad channel re-shows the form with the reason; a
good edit keeps the watermark), pause, resume, remove, each reflected in the store."""

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


async def test_edit_pause_resume_remove(world: World, client: aiohttp.ClientSession) -> None:
    store = world.bot.store
    topic = await new_topic(
        store, guild_id=world.guild.id, channel_id=world.channel.id, query="harbour", now=datetime.now(UTC)
    )
    topic.last_article_id = 17
    await store.update_topic(topic)
    csrf = await _logged_in(world, world.admin, client)
    base = world.base + f"/s/{world.guild.id}/topics/{topic.id}"
    headers = {"Origin": world.base}

    async with client.get(base + "/edit") as resp:
        assert resp.status == 200 and 'value="harbour"' in await resp.text()

    bad = {"csrf": csrf, "q": "harbour bridge", "channel": "999", "every": "daily"}
    async with client.post(base + "/edit", data=bad, headers=headers, allow_redirects=False) as resp:
        assert resp.status == 400  # the form again, saying why
        assert "choose a channel the bot can post to" in await resp.text()
    unchanged = await store.get_topic(topic.id, world.guild.id)
    assert unchanged is not None and unchanged.query == "harbour"

    good = {
        "csrf": csrf,
        "q": "harbour bridge",
        "channel": str(world.channel.id),
        "every": "hourly",
        "at": "20",
    }
    async with client.post(base + "/edit", data=good, headers=headers, allow_redirects=False) as resp:
        assert resp.status in (302, 303) and resp.headers["Location"] == f"/s/{world.guild.id}/topics"
    edited = await store.get_topic(topic.id, world.guild.id)
    assert edited is not None
    assert (edited.query, edited.schedule.every, edited.last_article_id) == ("harbour bridge", "hourly", 17)

    async with client.post(
        base + "/pause", data={"csrf": csrf}, headers=headers, allow_redirects=False
    ) as resp:
        assert resp.status in (302, 303)
    paused = await store.get_topic(topic.id, world.guild.id)
    assert paused is not None and paused.paused_reason == "paused by Ada" and paused.next_run_at is None

    async with client.post(
        base + "/resume", data={"csrf": csrf}, headers=headers, allow_redirects=False
    ) as resp:
        assert resp.status in (302, 303)
    resumed = await store.get_topic(topic.id, world.guild.id)
    assert resumed is not None and resumed.paused_reason is None and resumed.next_run_at is not None

    async with client.post(
        base + "/remove", data={"csrf": csrf}, headers=headers, allow_redirects=False
    ) as resp:
        assert resp.status in (302, 303)
    assert await store.get_topic(topic.id, world.guild.id) is None
