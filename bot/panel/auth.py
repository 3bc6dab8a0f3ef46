"""Logging in: Discord OAuth2 (authorization code; state bound to the session and used once), the
one-time link of local mode, and logout (which revokes the Discord token)."""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlencode

from aiohttp import web

from bot.panel.app import LOCAL_ID, PANEL, Panel
from bot.panel.discord_api import DiscordUnavailable
from bot.panel.security import SESSION_KEY, Session, safe_next, session_of

log = logging.getLogger(__name__)


def redirect(location: str, status: int = 303) -> web.Response:
    """A redirect returned (not raised) so the session cookie set on the way out is kept."""
    return web.Response(status=status, headers={"Location": location})


def _client(request: web.Request) -> str:
    return request.remote or "?"


def new_session(request: web.Request, **fields: object) -> Session:
    """A fresh session (new id and CSRF token) at every login: no fixation."""
    session = Session(changed=True, **fields)  # type: ignore[arg-type]
    request[SESSION_KEY] = session
    return session


async def index(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    session = session_of(request)
    if panel.local:
        if session.local:
            return redirect(f"/s/{LOCAL_ID}/")
        return panel.render(
            request,
            "error.html",
            status=401,
            title="Local mode",
            message="Open the one-time login link newsbot printed when it started (restart it for a new one).",
        )
    if not session.logged_in:
        return panel.render(request, "login.html")
    shared, invite = await panel.servers(session)
    client_id = panel.view.application_id if panel.view else 0
    from bot.cli.run import INVITE_PERMISSIONS

    invite_url = (
        panel.settings.discord_authorize_url
        + "?"
        + urlencode(
            {"client_id": client_id, "scope": "bot applications.commands", "permissions": INVITE_PERMISSIONS}
        )
    )
    return panel.render(request, "servers.html", shared=shared, invite=invite, invite_url=invite_url)


async def login(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    if panel.local or panel.oauth is None:
        return redirect("/")
    if not panel.login_limit.allow(_client(request)):
        raise web.HTTPTooManyRequests(reason="too many logins from here; wait a minute")
    state = secrets.token_urlsafe(24)
    session = new_session(request, state=state, next=safe_next(request.query.get("next")))
    query = urlencode(
        {
            "client_id": panel.oauth.client_id,
            "response_type": "code",
            "scope": "identify guilds",
            "redirect_uri": panel.oauth.redirect_uri,
            "state": state,
        }
    )
    log.info("login started", extra={"sid": session.sid[:6]})
    return redirect(panel.settings.discord_authorize_url + "?" + query)


async def callback(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    session = session_of(request)
    if panel.oauth is None:
        return redirect("/")
    if not panel.login_limit.allow(_client(request)):
        raise web.HTTPTooManyRequests(reason="too many logins from here; wait a minute")
    state, code = request.query.get("state", ""), request.query.get("code", "")
    expected, target = session.state, safe_next(session.next)
    session.state, session.next, session.changed = "", "", True  # used once, whatever happens next
    if not expected or not hmac.compare_digest(expected, state):
        return panel.render(
            request,
            "error.html",
            status=400,
            title="Login refused",
            message="The login link expired; try again.",
        )
    if not code:
        return panel.render(
            request,
            "error.html",
            status=400,
            title="Login cancelled",
            message="Discord did not confirm the login.",
        )
    try:
        token = await panel.oauth.exchange(code)
        user = await panel.oauth.user(token)
    except DiscordUnavailable as exc:
        return panel.render(request, "error.html", status=502, title="Login failed", message=str(exc))
    fresh = new_session(request, user_id=user.id, name=user.name, token=token)
    panel.remember_guilds(fresh, user.guilds)
    log.info("logged in", extra={"user_id": user.id})
    return redirect(target)


async def local_login(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    if not panel.local:
        raise web.HTTPNotFound()
    if not panel.login_limit.allow(_client(request)):
        raise web.HTTPTooManyRequests(reason="too many logins from here; wait a minute")
    token = request.query.get("token", "")
    expected = panel.local_token
    if not expected or not token or not hmac.compare_digest(expected, token):
        return panel.render(
            request,
            "error.html",
            status=403,
            title="Link already used",
            message="This login link is used up or wrong. Restart newsbot for a new one.",
        )
    panel.local_token = None  # one time
    new_session(request, local=True, name="operator")
    return redirect(f"/s/{LOCAL_ID}/")


async def logout(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    session = session_of(request)
    if session.token and panel.oauth is not None:
        await panel.oauth.revoke(session.token)
    panel.forget(session)
    response = redirect("/")
    panel.codec.clear(response)
    request[SESSION_KEY] = Session()
    return response


def routes(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/auth/login", login)
    app.router.add_get("/auth/callback", callback)
    app.router.add_get("/auth/local", local_login)
    app.router.add_post("/auth/logout", logout)
