"""/feed and /topic management end to end (`newsbot run` against the Discord emulator): remove, pause and
resume change the store and answer privately; unknown ids, another server's ids and members without
Manage Server are refused without touching anything; listing and previewing are open to everyone; the
option definitions Discord enforces (interval range, thread yes/no) are what the bot syncs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from bot.feeds.types import FeedSubscription
from bot.store import create_store
from bot.topics.types import Topic
from tests.cogs.conftest import SHARED, World
from tests.support.http import local_site

pytestmark = pytest.mark.asyncio(loop_scope="module")

EPHEMERAL = 64
HERALD = SHARED / "data" / "feeds" / "rss-parser_test_input" / "heraldsun.rss"
REFUSED = "Manage Server"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def feeds() -> AsyncIterator[str]:
    """A local server with shared feed files (item links pointed back at it: nothing leaves the machine)."""
    if not HERALD.is_file():
        pytest.skip("../shared/data/feeds missing")
    base: list[str] = []

    async def feed(request: web.Request) -> web.Response:
        body = HERALD.read_bytes().replace(b"http://www.oreilly.com", base[0].encode())
        return web.Response(body=body, content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/feeds/{name}", feed)
    async with local_site(app) as url:
        base.append(url)
        yield url


async def subscriptions(world: World, guild_id: int) -> list[FeedSubscription]:
    store = create_store(world.db)
    await store.open()
    try:
        return await store.list_feed_subscriptions(guild_id)
    finally:
        await store.close()


async def topics(world: World, guild_id: int) -> list[Topic]:
    store = create_store(world.db)
    await store.open()
    try:
        return await store.list_topics(guild_id)
    finally:
        await store.close()


def private(msg: dict[str, Any]) -> str:
    assert int(msg.get("flags") or 0) & EPHEMERAL, msg
    return str(msg.get("content") or "")


def general(world: World) -> Any:
    return next(iter(world.newsroom.channels.values()))


def options(world: World, group: str, sub: str) -> dict[str, dict[str, Any]]:
    [command] = [c for c in world.emu.commands() if c["name"] == group]
    [subcommand] = [o for o in command["options"] if o["name"] == sub]
    return {o["name"]: o for o in subcommand.get("options") or []}


async def test_feed_pause_resume_remove(world: World, feeds: str) -> None:
    guild, admin = world.newsroom, world.admin
    other_admin = world.emu.users[world.other.owner_id]
    _, added = await world.ask(
        "feed add", {"url": f"{feeds}/feeds/a.xml", "channel": general(world)}, user=admin
    )
    assert "Following feed" in private(added)
    [sub] = [
        s for s in await subscriptions(world, guild.id) if s.feed and s.feed.url == f"{feeds}/feeds/a.xml"
    ]
    fid = {"feed": sub.id}

    for name in ("feed pause", "feed resume", "feed remove"):
        _, refused = await world.ask(name, fid, user=world.member, guild=guild)
        assert REFUSED in private(refused), name
        _, unknown = await world.ask(name, {"feed": 999_999}, user=admin, guild=guild)
        assert "No feed #999999 in this server" in private(unknown), name
        _, elsewhere = await world.ask(
            name, fid, user=other_admin, guild=world.other
        )  # another server's feed
        assert f"No feed #{sub.id} in this server" in private(elsewhere), name
    [still] = [s for s in await subscriptions(world, guild.id) if s.id == sub.id]
    assert still.paused_reason is None  # nothing above touched it

    _, paused = await world.ask("feed pause", fid, user=admin, guild=guild)
    assert private(paused) == f"Feed #{sub.id} paused."
    [now] = [s for s in await subscriptions(world, guild.id) if s.id == sub.id]
    assert now.paused_reason == "paused by a moderator"
    _, listing = await world.ask("feed list", user=world.member, guild=guild)  # read-only: open to everyone
    assert f"**#{sub.id}**" in private(listing) and "⏸️ paused by a moderator" in private(listing)

    _, resumed = await world.ask("feed resume", fid, user=world.editor, guild=guild)  # an admin-role holder
    assert private(resumed) == f"Feed #{sub.id} resumed."
    [now] = [s for s in await subscriptions(world, guild.id) if s.id == sub.id]
    assert now.paused_reason is None and now.feed is not None and now.feed.paused_reason is None

    _, removed = await world.ask("feed remove", fid, user=admin, guild=guild)
    assert private(removed) == f"Feed #{sub.id} removed."
    assert sub.id not in [s.id for s in await subscriptions(world, guild.id)]
    _, again = await world.ask("feed remove", fid, user=admin, guild=guild)
    assert f"No feed #{sub.id} in this server" in private(again)


async def test_feed_readded_with_new_settings_is_updated(world: World, feeds: str) -> None:
    guild, admin, url = world.newsroom, world.admin, f"{feeds}/feeds/b.xml"
    alerts = world.emu.create_channel(guild, "alerts")
    _, first = await world.ask("feed add", {"url": url}, user=admin, guild=guild)
    assert "Following feed" in private(first)
    _, same = await world.ask("feed add", {"url": url}, user=admin, guild=guild)
    assert "Already following" in private(same) and "nothing changed" in private(same)
    _, updated = await world.ask(
        "feed add", {"url": url, "channel": alerts, "minutes": 45}, user=admin, guild=guild
    )
    assert "Updated feed" in private(updated) and "(channel, interval)" in private(updated)
    [sub] = [s for s in await subscriptions(world, guild.id) if s.feed and s.feed.url == url]
    assert sub.channel_id == alerts.id and sub.feed is not None and sub.feed.interval_s == 45 * 60

    minutes = options(world, "feed", "add")["minutes"]  # Discord enforces the range before the bot sees it
    assert (minutes["type"], minutes["min_value"], minutes["max_value"]) == (4, 5, 1440)


async def test_topic_pause_resume_remove(world: World) -> None:
    guild, admin = world.newsroom, world.admin
    other_admin = world.emu.users[world.other.owner_id]
    _, followed = await world.ask(
        "topic follow", {"query": "lighthouse quarry", "channel": general(world), "thread": "yes"}, user=admin
    )
    assert "Following" in private(followed) and "· thread" in private(followed)
    [topic] = [t for t in await topics(world, guild.id) if t.query == "lighthouse quarry"]
    assert topic.thread is True and topic.next_run_at is not None
    tid = {"topic": topic.id}

    for name in ("topic pause", "topic resume", "topic remove"):
        _, refused = await world.ask(name, tid, user=world.member, guild=guild)
        assert REFUSED in private(refused), name
        _, unknown = await world.ask(name, {"topic": 999_999}, user=admin, guild=guild)
        assert "No topic #999999 in this server" in private(unknown), name
        _, elsewhere = await world.ask(name, tid, user=other_admin, guild=world.other)
        assert f"No topic #{topic.id} in this server" in private(elsewhere), name
    [still] = [t for t in await topics(world, guild.id) if t.id == topic.id]
    assert still.paused_reason is None and still.next_run_at == topic.next_run_at

    _, paused = await world.ask("topic pause", tid, user=admin, guild=guild)
    assert private(paused) == f"Topic #{topic.id} paused."
    [now] = [t for t in await topics(world, guild.id) if t.id == topic.id]
    assert now.paused_reason and now.paused_reason.startswith("paused by") and now.next_run_at is None
    _, listing = await world.ask("topic list", user=world.member, guild=guild)  # read-only: open to everyone
    assert f"**#{topic.id}**" in private(listing) and "⏸️ paused: paused by" in private(listing)

    _, resumed = await world.ask("topic resume", tid, user=admin, guild=guild)
    assert private(resumed).startswith("Resumed: ") and f"**#{topic.id}**" in private(resumed)
    [now] = [t for t in await topics(world, guild.id) if t.id == topic.id]
    assert now.paused_reason is None and now.next_run_at is not None

    _, removed = await world.ask("topic remove", tid, user=admin, guild=guild)
    assert private(removed) == f"Topic #{topic.id} removed."
    assert topic.id not in [t.id for t in await topics(world, guild.id)]
    _, again = await world.ask("topic remove", tid, user=admin, guild=guild)
    assert f"No topic #{topic.id} in this server" in private(again)


async def test_topic_preview_is_open_to_everyone_and_thread_is_yes_no(world: World) -> None:
    _, preview = await world.ask(
        "topic preview", {"query": "ferry terminal"}, user=world.member, guild=world.newsroom
    )
    assert REFUSED not in private(preview)
    _, followed = await world.ask(
        "topic follow",
        {"query": "ferry terminal", "channel": general(world), "thread": "no"},
        user=world.admin,
    )
    assert "Following" in private(followed) and "· thread" not in private(followed)
    [topic] = [t for t in await topics(world, world.newsroom.id) if t.query == "ferry terminal"]
    assert topic.thread is False
    thread = options(world, "topic", "follow")["thread"]
    assert thread["type"] == 3 and [c["value"] for c in thread["choices"]] == ["yes", "no"]
    assert not thread.get("required")


async def test_slash_command_changes_are_in_the_activity_log(world: World) -> None:
    guild, admin = world.newsroom, world.admin
    await world.ask("topic follow", {"query": "audit trail words", "channel": general(world)}, user=admin)
    [topic] = [t for t in await topics(world, guild.id) if t.query == "audit trail words"]
    await world.ask("topic pause", {"topic": topic.id}, user=admin, guild=guild)
    await world.ask("topic remove", {"topic": topic.id}, user=admin, guild=guild)
    store = create_store(world.db)
    async with store:
        entries = [e for e in await store.list_audit(guild.id) if f"#{topic.id}" in e.detail]
    assert [e.action for e in entries] == ["topic.remove", "topic.pause", "topic.create"]
    assert {(e.actor, e.via) for e in entries} == {(f"discord:{admin.id}", "discord")}
    assert entries[-1].detail.startswith(f"#{topic.id} audit trail words · daily at")
    assert all(e.created_at is not None for e in entries)
