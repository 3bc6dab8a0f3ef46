"""`newsbot panel`'s REST view of Discord and the OAuth2 client against a local stand-in API: what the bot
may post to and mention, and each refusal as the panel reports it."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.panel.discord_api import (
    MENTION_EVERYONE,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    ChannelInfo,
    DiscordUnavailable,
    OAuthClient,
    RestDiscordView,
    RoleInfo,
    SessionExpired,
)

GUILD, BOT = 1, 900


class FakeAPI:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], tuple[int, Any]] = {}
        self.base = ""

    async def handle(self, request: web.Request) -> web.Response:
        status, body = self.routes.get((request.method, request.path), (404, {"message": "Unknown"}))
        if body is None:
            return web.Response(status=status)
        return web.json_response(body, status=status)


@pytest.fixture
async def api() -> AsyncIterator[FakeAPI]:
    fake = FakeAPI()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    fake.base = f"http://127.0.0.1:{runner.addresses[0][1]}/api/v10"
    try:
        yield fake
    finally:
        await runner.cleanup()


def _guild(everyone_perms: int, bot_role_perms: int, owner: int = 5) -> dict[str, Any]:
    return {
        "id": str(GUILD),
        "owner_id": str(owner),
        "roles": [
            {"id": str(GUILD), "name": "@everyone", "permissions": str(everyone_perms)},
            {"id": "10", "name": "Bots", "permissions": str(bot_role_perms), "managed": True},
            {"id": "11", "name": "Readers", "permissions": "0", "mentionable": True},
            {"id": "12", "name": "Staff", "permissions": "0"},
        ],
    }


def _world(api: FakeAPI, everyone_perms: int, bot_role_perms: int, owner: int = 5) -> None:
    api.routes[("GET", "/api/v10/users/@me")] = (200, {"id": str(BOT)})
    api.routes[("GET", f"/api/v10/guilds/{GUILD}")] = (200, _guild(everyone_perms, bot_role_perms, owner))
    api.routes[("GET", f"/api/v10/guilds/{GUILD}/members/{BOT}")] = (200, {"roles": ["10"]})
    api.routes[("GET", f"/api/v10/guilds/{GUILD}/channels")] = (
        200,
        [
            {"id": "20", "type": 0, "name": "news-desk"},
            {"id": "21", "type": 5, "name": "announcements"},
            {"id": "22", "type": 15, "name": ""},
            {"id": "23", "type": 2, "name": "voice"},
        ],
    )


async def test_channels_and_roles_follow_the_bots_permissions(api: FakeAPI) -> None:
    async with aiohttp.ClientSession() as session:
        view = RestDiscordView(session, "t", api.base)
        _world(api, 0, 0)
        await view.start()
        assert (view.bot_user_id, view.application_id) == (BOT, BOT)  # no application answer: the bot's id
        assert await view.channels(GUILD) == []  # cannot see or send
        assert await view.roles(GUILD) == [RoleInfo(11, "Readers")]  # only the mentionable one

        _world(api, VIEW_CHANNEL, SEND_MESSAGES | MENTION_EVERYONE)
        assert await view.channels(GUILD) == [
            ChannelInfo(20, "news-desk", "text"),
            ChannelInfo(21, "announcements", "news"),
            ChannelInfo(22, "22", "forum"),
        ]
        assert await view.roles(GUILD) == [RoleInfo(11, "Readers"), RoleInfo(12, "Staff")]

        _world(api, 0, 0, owner=BOT)  # the owner may do everything
        assert len(await view.channels(GUILD)) == 3
        del api.routes[("GET", f"/api/v10/guilds/{GUILD}/members/{BOT}")]  # not a member (any more)
        assert await view.channels(GUILD) == []


async def test_refusals_are_named(api: FakeAPI) -> None:
    async with aiohttp.ClientSession() as session:
        view = RestDiscordView(session, "t", api.base)
        with pytest.raises(DiscordUnavailable, match="^Discord did not accept the bot token$"):
            await view.start()
        api.routes[("GET", "/api/v10/users/@me")] = (200, {"id": str(BOT)})
        api.routes[("GET", "/api/v10/oauth2/applications/@me")] = (200, {"id": "77"})
        await view.start()
        assert view.application_id == 77
        api.routes[("GET", "/api/v10/users/@me/guilds")] = (500, {"message": "oops"})
        with pytest.raises(DiscordUnavailable, match=r"^Discord answered 500 for /users/@me/guilds$"):
            await view.bot_guilds()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = s.getsockname()[1]
        gone = RestDiscordView(session, "t", f"http://127.0.0.1:{closed}/api/v10")
        with pytest.raises(DiscordUnavailable, match=r"^cannot reach Discord: ClientConnectorError$"):
            await gone.start()


async def test_oauth_refusals(api: FakeAPI, caplog: pytest.LogCaptureFixture) -> None:
    async with aiohttp.ClientSession() as session:
        oauth = OAuthClient(
            session, api_base=api.base, client_id=77, client_secret="s", redirect_uri="http://x/cb"
        )
        api.routes[("POST", "/api/v10/oauth2/token")] = (400, {"error": "invalid_grant"})
        with pytest.raises(DiscordUnavailable, match=r"^Discord refused the login \(400\)$"):
            await oauth.exchange("code")
        api.routes[("POST", "/api/v10/oauth2/token")] = (200, {"token_type": "Bearer"})
        with pytest.raises(DiscordUnavailable, match="^Discord did not return an access token$"):
            await oauth.exchange("code")
        api.routes[("POST", "/api/v10/oauth2/token")] = (200, {"access_token": "abc"})
        assert await oauth.exchange("code") == "abc"

        api.routes[("POST", "/api/v10/oauth2/token/revoke")] = (503, {"message": "busy"})
        with caplog.at_level(logging.INFO, logger="bot.panel.discord_api"):
            await oauth.revoke("abc")  # logged, not raised: the session ends anyway
        assert [r.getMessage() for r in caplog.records] == ["token revoke failed"]

        api.routes[("GET", "/api/v10/users/@me/guilds")] = (401, {"message": "401: Unauthorized"})
        with pytest.raises(SessionExpired, match="^your Discord login expired; log in again$"):
            await oauth.guilds("abc")
        api.routes[("GET", "/api/v10/users/@me/guilds")] = (502, {"message": "bad gateway"})
        with pytest.raises(DiscordUnavailable, match="^Discord answered 502$"):
            await oauth.guilds("abc")
