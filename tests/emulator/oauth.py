"""Discord OAuth2 for the emulator (the web panel's login): the authorize page, token exchange and revoke,
and the Bearer-token views ``/users/@me`` and ``/users/@me/guilds``.

The authorize page does not ask anyone: it redirects back at once with a code for the user the test chose
(``emu.oauth.login_as(user)``), or with ``error=access_denied`` when none was chosen. Codes are single use
and bound to the redirect URI; tokens are refused after revoke. Requests with a bot token on the same
paths go on to the ordinary REST handlers (``/users/@me/guilds`` lists the bot's own guilds).

Registered by ``DiscordEmulator.start`` (before the REST catch-all)."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web

from .http_util import RecordedRequest, json_response
from .state import User

if TYPE_CHECKING:
    from .server import DiscordEmulator


@dataclass
class OAuthState:
    secret: str = "emulator-oauth-secret"
    next_user: User | None = None
    codes: dict[str, tuple[int, str]] = field(default_factory=dict)  # code -> (user id, redirect uri)
    tokens: dict[str, int] = field(default_factory=dict)  # live access token -> user id
    revoked: list[str] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)

    def login_as(self, user: User | None) -> None:
        """Who "clicks Authorize" on the next visits to the authorize page (None: everybody cancels)."""
        self.next_user = user


def oauth_env(emu: DiscordEmulator) -> dict[str, str]:
    """Settings for a panel logging in against this emulator."""
    return {
        "NEWSBOT_DISCORD_AUTHORIZE_URL": f"{emu.base_url}/oauth2/authorize",
        "NEWSBOT_OAUTH_SECRET": emu.oauth.secret,
    }


def register(app: web.Application, emu: DiscordEmulator) -> None:
    emu.oauth = OAuthState()  # type: ignore[attr-defined]

    def bound(fn: Any) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            return await fn(emu, request)  # type: ignore[no-any-return]

        return handler

    app.router.add_get("/oauth2/authorize", bound(_authorize))
    # `tail` as the REST catch-all names it, so a bot-token request can be handed on unchanged
    app.router.add_post(r"/api/{tail:v(?:9|10)/oauth2/token}", bound(_token))
    app.router.add_post(r"/api/{tail:v(?:9|10)/oauth2/token/revoke}", bound(_revoke))
    app.router.add_get(r"/api/{tail:v(?:9|10)/users/@me}", bound(_me))
    app.router.add_get(r"/api/{tail:v(?:9|10)/users/@me/guilds}", bound(_guilds))


def _record(emu: DiscordEmulator, request: web.Request, status: int, body: Any = None) -> None:
    path = request.path.split("/", 3)[-1]
    entry = RecordedRequest(request.method, "/" + path, dict(request.query), body, [], time.time(), status)
    emu.requests.append(entry)


async def _authorize(emu: DiscordEmulator, request: web.Request) -> web.StreamResponse:
    q = dict(request.query)
    state: OAuthState = emu.oauth  # type: ignore[attr-defined]
    state.authorize_requests.append(q)
    redirect = q.get("redirect_uri", "")
    problems = []
    if q.get("client_id") != str(emu.application_id):
        problems.append(f"client_id {q.get('client_id')!r} is not the application's")
    if q.get("response_type") != "code":
        problems.append("response_type must be code")
    if set(q.get("scope", "").split()) != {"identify", "guilds"}:
        problems.append(f"scope {q.get('scope')!r} is not 'identify guilds'")
    if not q.get("state"):
        problems.append("no state")
    if not redirect.startswith(("http://", "https://")):
        problems.append("redirect_uri missing")
    if problems:
        for p in problems:
            emu._record_problem("oauth", "GET", "/oauth2/authorize", p)
        return web.Response(status=400, text="; ".join(problems))
    sep = "&" if "?" in redirect else "?"
    if state.next_user is None:
        back = {"error": "access_denied", "state": q["state"]}
    else:
        code = secrets.token_urlsafe(16)
        state.codes[code] = (state.next_user.id, redirect)
        back = {"code": code, "state": q["state"]}
    return web.Response(status=302, headers={"Location": redirect + sep + urlencode(back)})


def _client_ok(emu: DiscordEmulator, request: web.Request) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        cid, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return False
    return cid == str(emu.application_id) and secret == emu.oauth.secret  # type: ignore[attr-defined]


async def _token(emu: DiscordEmulator, request: web.Request) -> web.StreamResponse:
    state: OAuthState = emu.oauth  # type: ignore[attr-defined]
    if request.content_type != "application/x-www-form-urlencoded":
        emu._record_problem("oauth", "POST", "/oauth2/token", "body must be form-encoded")
        return json_response(400, {"error": "invalid_request"})
    form = await request.post()
    if not _client_ok(emu, request):
        _record(emu, request, 401)
        return json_response(401, {"error": "invalid_client"})
    found = state.codes.pop(str(form.get("code", "")), None)
    if (
        form.get("grant_type") != "authorization_code"
        or found is None
        or found[1] != form.get("redirect_uri")
    ):
        _record(emu, request, 400)
        return json_response(400, {"error": "invalid_grant"})
    token = secrets.token_urlsafe(24)
    state.tokens[token] = found[0]
    _record(emu, request, 200)
    return json_response(
        200,
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 604800,
            "refresh_token": secrets.token_urlsafe(24),
            "scope": "identify guilds",
        },
    )


async def _revoke(emu: DiscordEmulator, request: web.Request) -> web.StreamResponse:
    state: OAuthState = emu.oauth  # type: ignore[attr-defined]
    form = await request.post()
    if not _client_ok(emu, request):
        _record(emu, request, 401)
        return json_response(401, {"error": "invalid_client"})
    token = str(form.get("token", ""))
    if state.tokens.pop(token, None) is not None:
        state.revoked.append(token)
    _record(emu, request, 200)
    return json_response(200, {})


def _bearer_user(emu: DiscordEmulator, request: web.Request) -> int | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return emu.oauth.tokens.get(header[7:], -1)  # type: ignore[attr-defined,no-any-return]


async def _me(emu: DiscordEmulator, request: web.Request) -> web.StreamResponse:
    uid = _bearer_user(emu, request)
    if uid is None:
        return await emu._api(request)
    if uid == -1:
        _record(emu, request, 401)
        return json_response(401, {"message": "401: Unauthorized", "code": 0})
    _record(emu, request, 200)
    return json_response(200, emu.users[uid].payload())


async def _guilds(emu: DiscordEmulator, request: web.Request) -> web.StreamResponse:
    uid = _bearer_user(emu, request)
    authorized_bot = request.headers.get("Authorization") == f"Bot {emu.token}"
    if uid is None and not authorized_bot:
        _record(emu, request, 401)
        return json_response(401, {"message": "401: Unauthorized", "code": 0})
    if uid == -1:
        _record(emu, request, 401)
        return json_response(401, {"message": "401: Unauthorized", "code": 0})
    who = emu.bot_user.id if uid is None else uid
    out = []
    for guild in emu.guilds.values():
        if who in guild.members:
            out.append(
                {
                    "id": str(guild.id),
                    "name": guild.name,
                    "icon": None,
                    "banner": None,
                    "owner": guild.owner_id == who,
                    "permissions": str(guild.base_permissions(who)),
                    "features": [],
                }
            )
    _record(emu, request, 200)
    return json_response(200, out)
