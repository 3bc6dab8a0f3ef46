"""Topic digests through the Discord emulator, with the bot run as an operator runs it (`newsbot run`):
local time across a daylight-saving change, exactly once after SIGKILL, one catch-up after three days
down, and 500 topics due in the same minute while Discord answers with 429s."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.emulator import DiscordEmulator
from tests.topics.e2e import OperatedBot, digests, story


def _instant(text: str | None) -> datetime:
    assert text, "no time recorded"
    return datetime.fromisoformat(text).astimezone(UTC)


async def test_daily_topic_fires_at_local_time_across_dst(
    emulator: DiscordEmulator, operated: OperatedBot
) -> None:
    guild = emulator.create_guild("Newsroom")
    general = next(iter(guild.channels.values()))
    operated.set_clock(datetime(2024, 3, 29, 12, 0, tzinfo=UTC))
    await operated.start()
    _, answer = await operated.ask(
        "topic follow",
        {
            "query": "ferry terminal",
            "channel": general,
            "every": "daily",
            "at": "08:00",
            "timezone": "Europe/Berlin",
        },
        guild=guild,
    )
    assert "Following" in answer, answer
    [topic] = await operated.topics()
    assert _instant(topic["next_run_at"]) == datetime(2024, 3, 30, 7, 0, tzinfo=UTC)  # 08:00 CET

    first = await operated.ingest(
        "Harbour ferry terminal approved", story("ferry terminal", "Mayor Jane Holt", 1)
    )
    operated.set_clock(datetime(2024, 3, 30, 6, 59, 58, 500000, tzinfo=UTC))
    [msg] = await emulator.wait_until(lambda: digests(emulator.messages(general)), 120, "the first digest")
    assert f"(#{first})" in msg["content"]
    await operated.recorded(1)
    [topic] = await operated.topics()
    fired = _instant(topic["last_run_at"])
    assert datetime(2024, 3, 30, 7, 0, tzinfo=UTC) <= fired < datetime(2024, 3, 30, 7, 5, tzinfo=UTC)
    assert _instant(topic["next_run_at"]) == datetime(2024, 3, 31, 6, 0, tzinfo=UTC)  # 08:00 CEST

    second = await operated.ingest(
        "Ferry terminal costs published", story("ferry terminal", "Mayor Jane Holt", 2)
    )
    operated.set_clock(datetime(2024, 3, 31, 5, 59, 58, 500000, tzinfo=UTC))
    await emulator.wait_until(lambda: len(digests(emulator.messages(general))) == 2, 120, "the second digest")
    posts = digests(emulator.messages(general))
    assert f"(#{second})" in posts[1]["content"] and f"(#{first})" not in posts[1]["content"]
    await operated.recorded(2)
    [topic] = await operated.topics()
    fired = _instant(topic["last_run_at"])
    assert datetime(2024, 3, 31, 6, 0, tzinfo=UTC) <= fired < datetime(2024, 3, 31, 6, 5, tzinfo=UTC)
    assert _instant(topic["next_run_at"]) == datetime(2024, 4, 1, 6, 0, tzinfo=UTC)
    assert operated.problems() == []


def _kill_on_digest(emulator: DiscordEmulator, operated: OperatedBot) -> list[int]:
    """SIGKILL the bot the moment Discord has stored its digest message, before the reply reaches it (so
    the bot can never have recorded the message id). Returns the ids of the messages stored at the kill."""
    stored = emulator._store_message
    killed: list[int] = []

    def store_then_kill(channel: Any, msg: dict[str, Any]) -> None:
        stored(channel, msg)
        if not killed and "📰" in (msg.get("content") or ""):
            killed.append(int(msg["id"]))
            operated.kill_now()

    emulator._store_message = store_then_kill  # type: ignore[method-assign]
    return killed


@pytest.mark.parametrize("down_for", [timedelta(seconds=30), timedelta(minutes=10)], ids=["nonce", "history"])
async def test_sigkill_right_after_sending_posts_the_digest_once(
    emulator: DiscordEmulator, operated: OperatedBot, down_for: timedelta
) -> None:
    guild = emulator.create_guild("Newsroom")
    general = next(iter(guild.channels.values()))
    operated.set_clock(datetime(2024, 6, 3, 7, 0, tzinfo=UTC))
    await operated.start()
    _, answer = await operated.ask(
        "topic follow", {"query": "harbour tunnel", "channel": general, "at": "08:00"}, guild=guild
    )
    assert "Following" in answer, answer
    article = await operated.ingest("Harbour tunnel reopens", story("harbour tunnel", "Engineer Ruth Kim", 3))
    killed = _kill_on_digest(emulator, operated)
    operated.set_clock(datetime(2024, 6, 3, 7, 59, 59, tzinfo=UTC))
    await emulator.wait_until(
        lambda: killed and operated.proc and operated.proc.returncode is not None, 15, "the kill"
    )
    assert operated.proc is not None and operated.proc.returncode == -9
    [topic] = await operated.topics()
    assert topic["last_run_at"] is None  # the crash came before the bot could record the post
    sends = emulator.requests_to("POST", "/channels/{id}/messages")
    assert len(sends) == 1 and sends[0].json["enforce_nonce"] is True

    operated.set_clock(datetime(2024, 6, 3, 8, 0, tzinfo=UTC) + down_for)
    await operated.start()
    await emulator.wait_until(
        lambda: "digest posted" in operated.log_text(), 15, "the restarted bot to finish the digest"
    )
    posts = digests(emulator.messages(general))
    assert [int(p["id"]) for p in posts] == killed  # exactly once: the message from before the crash
    assert f"(#{article})" in posts[0]["content"]
    resent = emulator.requests_to("POST", "/channels/{id}/messages")[1:]
    if down_for < timedelta(
        minutes=4
    ):  # within Discord's nonce window: the same nonce, answered with the same message
        assert [r.json["nonce"] for r in resent] == [sends[0].json["nonce"]]
    else:  # past it: found in the channel's history, not sent again
        assert resent == [] and emulator.requests_to("GET", "/channels/{id}/messages")
    [topic] = await operated.topics()
    assert _instant(topic["next_run_at"]) == datetime(2024, 6, 4, 8, 0, tzinfo=UTC)
    assert topic["last_run_at"] is not None
    assert operated.problems() == []


async def test_three_days_down_posts_one_catch_up_digest(
    emulator: DiscordEmulator, operated: OperatedBot
) -> None:
    guild = emulator.create_guild("Newsroom")
    general = next(iter(guild.channels.values()))
    operated.set_clock(datetime(2024, 9, 2, 7, 0, tzinfo=UTC))
    await operated.start()
    _, answer = await operated.ask(
        "topic follow", {"query": "museum library", "channel": general, "at": "08:00"}, guild=guild
    )
    assert "Following" in answer, answer
    first = await operated.ingest("Museum library opens", story("museum library", "Curator Ana Diaz", 4))
    operated.set_clock(datetime(2024, 9, 2, 7, 59, 59, tzinfo=UTC))
    await emulator.wait_until(lambda: digests(emulator.messages(general)), 120, "the first digest")
    assert await operated.stop() == 0  # at once: SIGTERM lets the digest being sent be recorded
    [topic] = await operated.topics()
    assert _instant(topic["next_run_at"]) == datetime(2024, 9, 3, 8, 0, tzinfo=UTC)

    later = [
        await operated.ingest(
            f"Museum library update {n}", story("museum library", "Curator Ana Diaz", 10 + n)
        )
        for n in range(3)
    ]
    operated.set_clock(datetime(2024, 9, 5, 9, 30, tzinfo=UTC))  # the 3rd, 4th and 5th slots were missed
    await operated.start()
    await emulator.wait_until(
        lambda: len(digests(emulator.messages(general))) >= 2, 15, "the catch-up digest"
    )
    await operated.recorded(2)
    [topic] = await operated.topics()
    assert _instant(topic["next_run_at"]) == datetime(2024, 9, 6, 8, 0, tzinfo=UTC)
    posts = digests(emulator.messages(general))
    assert len(posts) == 2, [p["content"][:80] for p in posts]
    assert all(f"(#{a})" in posts[1]["content"] for a in later) and f"(#{first})" not in posts[1]["content"]
    assert "3 new articles" in posts[1]["content"]
    assert operated.problems() == []


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_500_topics_in_100_servers_due_at_once_all_posted_through_429s(
    emulator: DiscordEmulator, operated: OperatedBot
) -> None:
    channels = []
    for g in range(100):
        guild = emulator.create_guild(f"Server {g}", text_channels=tuple(f"news-{c}" for c in range(5)))
        channels.extend(guild.channels.values())
    operated.set_clock(datetime(2024, 5, 1, 7, 0, tzinfo=UTC))
    await operated.start()

    async def follow(channel: Any) -> None:
        _, answer = await operated.ask(
            "topic follow",
            {"query": "observatory depot", "channel": channel, "at": "08:00"},
            guild=emulator.guilds[channel.guild_id],
        )
        assert "Following" in answer, answer

    for start in range(0, len(channels), 50):
        await asyncio.gather(*(follow(c) for c in channels[start : start + 50]))
    assert len(await operated.topics()) == 500
    article = await operated.ingest(
        "Observatory depot plan", story("observatory depot", "Director Lee Park", 5)
    )

    emulator.ratelimit("POST /channels/{id}/messages", every_n=7)
    before = len(emulator.requests)
    operated.set_clock(datetime(2024, 5, 1, 7, 59, 59, tzinfo=UTC))
    due_at = time.monotonic() + 1.0

    def posted() -> int:
        return sum(1 for c in channels if digests(emulator.messages(c)))

    # how fast is bench material (printed below); the test asks that all 500 arrive, each once
    await emulator.wait_until(lambda: posted() == 500, 600, "500 digests")
    print(f"500 digests in {time.monotonic() - due_at:.1f} s after they were due")
    for channel in channels:
        [post] = digests(emulator.messages(channel))
        assert f"(#{article})" in post["content"]
    sends = [r for r in emulator.requests[before:] if r.method == "POST" and r.path.endswith("/messages")]
    assert sum(r.status == 429 for r in sends) >= 500 // 7 and sum(r.status == 200 for r in sends) == 500
    await operated.recorded(500)
    topics = await operated.topics()
    assert all(_instant(t["next_run_at"]) == datetime(2024, 5, 2, 8, 0, tzinfo=UTC) for t in topics)
    assert operated.problems() == []


async def test_threads_forum_posts_role_mention_post_now_and_pause_on_missing_permission(
    emulator: DiscordEmulator, operated: OperatedBot
) -> None:
    guild = emulator.create_guild("Newsroom")
    general = next(iter(guild.channels.values()))
    forum = emulator.create_forum(guild, "digests")
    readers = emulator.create_role(guild, "Readers")
    locked = emulator.create_guild(
        "Read only", bot_permissions=1 << 10, everyone_permissions=1 << 10
    )  # view only
    locked_channel = next(iter(locked.channels.values()))
    operated.set_clock(datetime(2024, 5, 1, 7, 0, tzinfo=UTC))
    await operated.start()
    follows = [
        ({"query": "canal airport", "channel": general, "thread": "yes", "mention": readers}, guild),
        ({"query": "canal airport", "channel": forum, "timezone": "Asia/Kolkata", "at": "13:30"}, guild),
        ({"query": "canal airport", "channel": locked_channel}, locked),
    ]
    for options, where in follows:
        _, answer = await operated.ask("topic follow", options, guild=where)
        assert "Following" in answer, answer
    article = await operated.ingest(
        "Canal airport link opens", story("canal airport", "Planner Omar Said", 6)
    )
    _, preview = await operated.ask("topic preview", {"query": "canal airport"}, guild=guild)
    assert f"(#{article})" in preview

    # /topic post: now, in #general, with the role mentioned and the items in a thread on the header
    _, answer = await operated.ask("topic post", {"topic": 1}, guild=guild)
    assert "posted" in answer, answer
    [header] = digests(emulator.messages(general))
    assert header["content"].startswith(f"<@&{readers.id}>") and f"(#{article})" not in header["content"]
    [send] = [
        r
        for r in emulator.requests_to("POST", "/channels/{id}/messages")
        if r.path.endswith(f"/{general.id}/messages")
    ]
    allowed = send.json["allowed_mentions"]  # only the named role may ping: no @everyone, no users
    assert allowed["parse"] == [] and [int(r) for r in allowed["roles"]] == [readers.id]
    thread_messages = emulator.messages(int(header["id"]))  # a thread started from a message shares its id
    assert len(thread_messages) == 1 and f"(#{article})" in thread_messages[0]["content"]
    assert "<@&" not in thread_messages[0]["content"]

    # the scheduled slot: 08:00 UTC = 13:30 in Kolkata for all three; #general has nothing new since /topic post
    operated.set_clock(datetime(2024, 5, 1, 7, 59, 59, tzinfo=UTC))
    post = await emulator.wait_until(
        lambda: next((c for c in emulator.channels.values() if c.parent_id == forum.id), None),
        15,
        "a forum post",
    )
    assert post.name.startswith("canal airport — 2024-05-01 08:00")
    [starter] = emulator.messages(post.id)
    assert f"(#{article})" in starter["content"] and "<@&" not in starter["content"]

    async def locked_paused() -> dict[str, Any] | None:
        return next((t for t in await operated.topics() if t["id"] == 3 and t["paused_reason"]), None)

    for _ in range(50):
        paused = await locked_paused()
        if paused:
            break
    assert paused and "permission" in paused["paused_reason"] and paused["next_run_at"] is None
    _, listing = await operated.ask("topic list", guild=locked)
    assert "paused: missing permission" in listing
    assert len(digests(emulator.messages(general))) == 1
    assert [p for p in operated.problems() if "topic paused" not in p] == []
