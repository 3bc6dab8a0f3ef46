"""The Discord side of the digest poster, against a stand-in client: what each refusal becomes (gone for
good, or worth a retry), rate-limited sends resent with the same nonce, and the admin notice's fallbacks."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.topics.poster import PostFailed, TargetGone
from cogs import topics
from cogs.topics import DiscordPoster, _gone


def _http(cls: type[discord.HTTPException], status: int, code: int, message: str = "refused") -> Any:
    response = SimpleNamespace(status=status, reason="Refused")
    return cls(response, {"code": code, "message": message})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "kind", "text"),
    [
        (_http(discord.NotFound, 404, 10003), TargetGone, "channel not found"),
        (
            _http(discord.Forbidden, 403, 50001),
            TargetGone,
            "I can't see the channel (View Channel permission missing)",
        ),
        (
            _http(discord.Forbidden, 403, 50013),
            TargetGone,
            "missing permission to post in the channel (Send Messages)",
        ),
        (
            _http(discord.HTTPException, 400, 50035, "Invalid Form Body"),
            PostFailed,
            "Discord error 400: Invalid Form Body",
        ),
    ],
)
def test_each_refusal_is_gone_or_failed(error: discord.HTTPException, kind: type, text: str) -> None:
    found = _gone(error)
    assert type(found) is kind and str(found) == text


class Target:
    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes
        self.calls: list[tuple[str, str]] = []
        self.history_items: list[Any] = []
        self.history_error: Exception | None = None

    async def send(self, content: str, *, nonce: str, allowed_mentions: Any) -> Any:
        self.calls.append((content, nonce))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return SimpleNamespace(id=outcome)

    async def history(self, **kwargs: Any) -> AsyncIterator[Any]:
        if self.history_error is not None:
            raise self.history_error
        for item in self.history_items:
            yield item


class Client:
    def __init__(self, target: Target | None = None) -> None:
        self.target = target
        self.user = SimpleNamespace(id=99)
        self.guilds: dict[int, Any] = {}
        self.users: dict[int, Any] = {}
        self.channels: dict[int, Any] = {}
        self.fetch_error: Exception | None = None

    def get_partial_messageable(self, channel_id: int) -> Target | None:
        return self.target

    def get_channel(self, channel_id: int) -> Any:
        return self.channels.get(channel_id)

    async def fetch_channel(self, channel_id: int) -> Any:
        assert self.fetch_error is not None
        raise self.fetch_error

    def get_guild(self, guild_id: int) -> Any:
        return self.guilds.get(guild_id)

    def get_user(self, user_id: int) -> Any:
        return self.users.get(user_id)

    async def fetch_user(self, user_id: int) -> Any:
        raise _http(discord.NotFound, 404, 10013)


@pytest.fixture(autouse=True)
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topics.random, "uniform", lambda a, b: 0.0)


async def test_a_rate_limited_send_is_resent_with_the_same_nonce() -> None:
    target = Target([_http(discord.HTTPException, 429, 0), 777])
    poster = DiscordPoster(Client(target))  # type: ignore[arg-type]
    assert await poster.send(5, "digest", nonce="n-1") == 777
    assert target.calls == [("digest", "n-1"), ("digest", "n-1")]


async def test_rate_limited_every_time_is_a_failure_after_three_resends() -> None:
    target = Target([_http(discord.HTTPException, 429, 0, "You are being rate limited.")] * 4)
    poster = DiscordPoster(Client(target))  # type: ignore[arg-type]
    with pytest.raises(PostFailed, match=r"^Discord error 429: You are being rate limited\.$"):
        await poster.send(5, "digest", nonce="n-1")
    assert len(target.calls) == 4


async def test_no_answer_is_a_failure_the_nonce_makes_safe_to_retry() -> None:
    target = Target([TimeoutError()])
    poster = DiscordPoster(Client(target))  # type: ignore[arg-type]
    with pytest.raises(PostFailed, match=r"^no answer from Discord \(TimeoutError\)$"):
        await poster.send(5, "digest", nonce="n-1")


async def test_a_channel_that_cannot_hold_digests_or_is_gone() -> None:
    client = Client()
    client.channels[5] = SimpleNamespace(id=5)  # neither text nor forum (a stage or category)
    poster = DiscordPoster(client)  # type: ignore[arg-type]
    with pytest.raises(TargetGone, match="not a text or forum channel"):
        await poster.channel_kind(5)
    with pytest.raises(TargetGone, match="threads can only be started in a text channel"):
        await poster.start_thread(5, 1, "Digest")
    client.fetch_error = _http(discord.NotFound, 404, 10003)
    with pytest.raises(TargetGone, match="^channel not found$"):
        await poster.channel_kind(6)


async def test_find_sent_matches_only_our_own_message_and_survives_a_refusal() -> None:
    target = Target([])
    target.history_items = [
        SimpleNamespace(id=1, author=SimpleNamespace(id=5), content="digest"),
        SimpleNamespace(id=2, author=SimpleNamespace(id=99), content="other"),
        SimpleNamespace(id=3, author=SimpleNamespace(id=99), content="digest"),
    ]
    poster = DiscordPoster(Client(target))  # type: ignore[arg-type]
    after = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert await poster.find_sent(5, "digest", after) == 3
    assert await poster.find_sent(5, "missing", after) is None
    target.history_error = _http(discord.Forbidden, 403, 50001)
    assert await poster.find_sent(5, "digest", after) is None


class Messageable:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.sent: list[str] = []

    async def send(self, text: str, *, allowed_mentions: Any) -> None:
        assert allowed_mentions.to_dict() == {"parse": []}
        if self.fail:
            raise _http(discord.Forbidden, 403, 50013)
        self.sent.append(text)


async def test_admin_notice_goes_to_the_system_channel_else_the_owner() -> None:
    client = Client()
    poster = DiscordPoster(client)  # type: ignore[arg-type]
    assert await poster.notify_admins(1, 5, "paused") is False  # the bot is not in that server

    system, owner = Messageable(), Messageable()
    client.users[7] = owner
    client.guilds[1] = SimpleNamespace(system_channel=SimpleNamespace(id=5), owner_id=7)
    assert await poster.notify_admins(1, 5, "paused") is True  # the system channel is the failing one
    assert (system.sent, owner.sent) == ([], ["paused"])

    refusing = Messageable(fail=True)
    refusing.id = 6  # type: ignore[attr-defined]
    client.guilds[1] = SimpleNamespace(system_channel=refusing, owner_id=7)
    assert await poster.notify_admins(1, 5, "again") is True
    assert owner.sent == ["paused", "again"]

    client.guilds[1] = SimpleNamespace(system_channel=refusing, owner_id=8)  # owner unknown: fetch 404
    assert await poster.notify_admins(1, 5, "lost") is False


class Forum:
    def __init__(self, threads: list[Any], active: list[Any] | Exception) -> None:
        self.threads = threads
        self._active = active
        self.guild = self

    async def active_threads(self) -> list[Any]:
        if isinstance(self._active, Exception):
            raise self._active
        return self._active

    async def create_thread(self, **kwargs: Any) -> Any:
        raise _http(discord.Forbidden, 403, 50001)


async def test_a_forum_post_is_found_by_name_in_the_forum_or_the_active_threads() -> None:
    client = Client()
    poster = DiscordPoster(client)  # type: ignore[arg-type]
    cached = SimpleNamespace(id=11, name="Digest 1 May", parent_id=5)
    active = [
        SimpleNamespace(id=12, name="Digest 2 May", parent_id=6),  # another forum's post
        SimpleNamespace(id=13, name="Digest 2 May", parent_id=5),
    ]
    client.channels[5] = Forum([cached], active)
    assert await poster.find_forum_post(5, "Digest 1 May") == 11
    assert await poster.find_forum_post(5, "Digest 2 May") == 13
    assert await poster.find_forum_post(5, "Digest 3 May") is None
    client.channels[5] = Forum([], _http(discord.Forbidden, 403, 50001))
    assert await poster.find_forum_post(5, "Digest 2 May") is None
    with pytest.raises(TargetGone, match="View Channel permission missing"):
        await poster.create_forum_post(5, "Digest 4 May", "items")
