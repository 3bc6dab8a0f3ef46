"""The web panel: one aiohttp application in the bot's event loop, server-rendered with Jinja2.

`Panel` holds what every page needs (store, services, the bot's view of Discord, the session codec)
and answers the one question every route asks first: may this user see this server, and manage it?
A server id that the user cannot see answers 404, whatever is asked of it."""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.audit import record
from bot.config import Settings
from bot.errors import NewsbotError
from bot.ingest.fetch import Fetcher
from bot.models import Article
from bot.panel.discord_api import DiscordView, GuildInfo, OAuthClient, UserGuild
from bot.panel.security import (
    SAFE_METHODS,
    SESSION_KEY,
    RateLimiter,
    Session,
    SessionCodec,
    csrf_ok,
    same_origin,
    security_headers,
    session_of,
)
from bot.search.types import RelatedResult
from bot.services import MB, NewsService, may_manage
from bot.store import ArticleStore, Scope
from bot.timer import Clock, SystemClock

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
LOCAL_ID = 0  # the URL id of the operator's global library in local mode
GUILDS_TTL = 600.0  # the user's guild list (Discord rate-limits /users/@me/guilds)
MEMBER_TTL = 60.0  # the bot's view of a member, for pages; every write asks again
UPLOAD_LIMIT = 8 * 1024 * 1024  # read in the web process itself; archives larger than this go through Discord
PANEL: web.AppKey[Panel] = web.AppKey("panel")

PostTopic = Callable[[int], Awaitable[str]]


@dataclass(slots=True)
class Hooks:
    """What the running bot offers the panel (absent in `newsbot panel` and local mode)."""

    post_topic: PostTopic | None = None
    wake_feeds: Callable[[], None] | None = None
    wake_topics: Callable[[], None] | None = None


@dataclass(slots=True)
class Server:
    """The server a request is about, as this user may see it."""

    id: int  # URL id (LOCAL_ID in local mode)
    guild_id: int | None  # None: the global library
    name: str
    can_manage: bool

    @property
    def scope(self) -> Scope:
        return Scope.guild(self.guild_id)


class Panel:
    def __init__(
        self,
        settings: Settings,
        store: ArticleStore,
        news: NewsService,
        fetcher: Fetcher,
        *,
        view: DiscordView | None,
        oauth: OAuthClient | None,
        codec: SessionCodec,
        origin: str,
        hooks: Hooks | None = None,
        clock: Clock | None = None,
        local_token: str | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.news = news
        self.fetcher = fetcher
        self.view = view
        self.oauth = oauth
        self.codec = codec
        self.origin = origin.rstrip("/")
        self.hooks = hooks or Hooks()
        self.clock = clock or SystemClock()
        self.local_token = local_token
        self.login_limit = RateLimiter(limit=20, window=60.0)
        self._guilds: dict[str, tuple[float, list[UserGuild]]] = {}
        self._members: dict[tuple[int, int], tuple[float, bool | None]] = {}
        self._slow: SlowLane | None = None
        self.jinja = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.jinja.filters["when"] = _when
        self.jinja.filters["rel"] = _relative

    @property
    def local(self) -> bool:
        return self.view is None

    async def related(self, article: Article, scope: Scope, count: int = 5) -> RelatedResult:
        """Related pieces in a lane of their own (a thread with its own event loop and connection): their
        long full-text reads and scoring then never hold up search and article pages."""
        path = getattr(self.store, "path", None)
        if path is None:
            return await self.news.related(article, scope, count)
        if self._slow is None:
            self._slow = SlowLane(path)
        return await self._slow.related(article, scope, count)

    async def close(self) -> None:
        if self._slow is not None:
            slow, self._slow = self._slow, None
            await slow.close()

    def now(self) -> datetime:
        return self.clock.now()

    # --- who sees what ---------------------------------------------------------------------------
    async def user_guilds(self, session: Session, *, fresh: bool = False) -> list[UserGuild]:
        cached = self._guilds.get(session.sid)
        if cached and not fresh and time.monotonic() - cached[0] < GUILDS_TTL:
            return cached[1]
        if self.oauth is None:
            return []
        guilds = await self.oauth.guilds(session.token)
        self.remember_guilds(session, guilds)
        return guilds

    def remember_guilds(self, session: Session, guilds: list[UserGuild]) -> None:
        if len(self._guilds) > 5000:
            self._guilds.clear()
        self._guilds[session.sid] = (time.monotonic(), guilds)

    def forget(self, session: Session) -> None:
        self._guilds.pop(session.sid, None)

    async def servers(self, session: Session) -> tuple[list[tuple[UserGuild, GuildInfo]], list[UserGuild]]:
        """(servers the user and the bot share, servers the user manages without the bot)."""
        assert self.view is not None
        bot = await self.view.bot_guilds()
        shared, invite = [], []
        for g in await self.user_guilds(session):
            if g.id in bot:
                shared.append((g, bot[g.id]))
            elif g.manages:
                invite.append(g)
        return shared, invite

    async def may_manage(self, guild_id: int, user_id: int, *, fresh: bool) -> bool | None:
        """From the bot's current view of the member; None when the bot does not see them as a member."""
        assert self.view is not None
        key = (guild_id, user_id)
        hit = self._members.get(key)
        if hit and not fresh and time.monotonic() - hit[0] < MEMBER_TTL:
            return hit[1]
        member = await self.view.member(guild_id, user_id)
        allowed = (
            None
            if member is None
            else may_manage(
                member.permissions,
                member.role_ids,
                member.role_names,
                self.settings.admin_roles,
                is_owner=member.is_owner,
            )
        )
        if len(self._members) > 20_000:
            self._members.clear()
        self._members[key] = (time.monotonic(), allowed)
        return allowed

    async def server(self, request: web.Request, *, manage: bool = False) -> Server:
        """The server in the URL if this user may see it (404 otherwise); `manage` also requires the
        right to manage it, checked from the bot's current view on every write (403 otherwise)."""
        session = session_of(request)
        if not session.logged_in:
            raise _login_redirect(request)
        raw = request.match_info.get("sid", "")
        if not raw.isdigit() or len(raw) > 20:
            raise web.HTTPNotFound()
        sid = int(raw)
        if self.local:
            if sid != LOCAL_ID or not session.local:
                raise web.HTTPNotFound()
            return Server(LOCAL_ID, None, "Global library", True)
        if session.local:
            raise web.HTTPNotFound()
        guild = next((g for g in await self.user_guilds(session) if g.id == sid), None)
        bot = await self.view.bot_guilds() if self.view else {}
        if guild is None or sid not in bot:
            raise web.HTTPNotFound()
        write = request.method not in SAFE_METHODS
        allowed = await self.may_manage(sid, session.user_id, fresh=write)
        if allowed is None:
            raise web.HTTPNotFound()
        if manage and not allowed:
            raise web.HTTPForbidden(reason="managing this server needs Manage Server or an admin role")
        return Server(sid, sid, bot[sid].name, allowed)

    async def audit(self, request: web.Request, server: Server, action: str, detail: str = "") -> None:
        session = session_of(request)
        actor = "local" if session.local else f"discord:{session.user_id}"
        name = "operator" if session.local else session.name
        await record(self.store, server.guild_id, actor, name, "panel", action, detail)

    # --- rendering -------------------------------------------------------------------------------
    def render(
        self, request: web.Request, template: str, *, status: int = 200, **context: Any
    ) -> web.Response:
        session: Session | None = request.get(SESSION_KEY)
        html = self.jinja.get_template(template).render(
            session=session,
            csrf=session.csrf if session else "",
            local=self.local,
            server=context.pop("server", None),
            path=request.path_qs,
            **context,
        )
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


class SlowLane:
    """A thread running its own event loop over its own store connection, for related pieces."""

    def __init__(self, path: str | Path) -> None:
        self.path = path
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="panel-related", daemon=True)
        self.thread.start()
        self._store: ArticleStore | None = None

    async def _related(self, article: Article, scope: Scope, count: int) -> RelatedResult:
        from bot.search.related import related_to_article

        if self._store is None:
            from bot.store import create_store

            store = create_store(self.path)
            await store.open()
            self._store = store
        return await related_to_article(self._store, article, scope, limit=count)

    async def related(self, article: Article, scope: Scope, count: int) -> RelatedResult:
        future = asyncio.run_coroutine_threadsafe(self._related(article, scope, count), self.loop)
        return await asyncio.wrap_future(future)

    async def close(self) -> None:
        async def shut() -> None:
            if self._store is not None:
                await self._store.close()

        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(shut(), self.loop))
        self.loop.call_soon_threadsafe(self.loop.stop)
        await asyncio.to_thread(self.thread.join, 5)
        self.loop.close()


def _login_redirect(request: web.Request) -> web.HTTPException:
    if request.method not in SAFE_METHODS:
        return web.HTTPForbidden(reason="log in first")
    from urllib.parse import quote

    return web.HTTPFound("/auth/login?next=" + quote(request.path_qs, safe=""))


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _relative(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return "—"
    from datetime import UTC

    delta = (value - (now or datetime.now(UTC))).total_seconds()
    past = delta < 0
    s = abs(delta)
    unit = (
        f"{int(s)} s"
        if s < 60
        else f"{int(s // 60)} min"
        if s < 3600
        else f"{int(s // 3600)} h"
        if s < 86400
        else f"{int(s // 86400)} d"
    )
    return f"{unit} ago" if past else f"in {unit}"


# --- middlewares -----------------------------------------------------------------------------------
@web.middleware
async def session_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    session = panel.codec.load(request)
    request[SESSION_KEY] = session
    if request.method not in SAFE_METHODS:
        if not same_origin(request, panel.origin):
            return _refuse(panel, request, "cross-site request refused")
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            form = await request.post()
            value = form.get("csrf")
            sent = value if isinstance(value, str) else None
        if not csrf_ok(session, sent):
            return _refuse(panel, request, "the form expired or came from elsewhere; reload the page")
    response = await handler(request)
    current: Session = request[SESSION_KEY]
    if current.changed:
        panel.codec.save(response, current)
    return response


def _refuse(panel: Panel, request: web.Request, why: str) -> web.Response:
    return panel.render(request, "error.html", status=403, title="Refused", message=why)


@web.middleware
async def errors_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    try:
        response = await handler(request)
    except web.HTTPRedirection as exc:
        security_headers(exc)
        raise
    except web.HTTPException as exc:
        if exc.status in (404, 403, 405, 413, 429, 400):
            titles = {404: "Not found", 403: "Not allowed", 405: "Not allowed", 413: "Too large"}
            message = {
                404: "There is nothing here, or it is not yours to see.",
                413: f"Uploads here are limited to {UPLOAD_LIMIT // MB} MB; send a larger archive with /ingest file.",
            }.get(exc.status, exc.reason)
            response = panel.render(
                request,
                "error.html",
                status=exc.status,
                title=titles.get(exc.status, "Refused"),
                message=message,
            )
        else:
            raise
    except NewsbotError as exc:
        response = panel.render(
            request, "error.html", status=400, title="That did not work", message=str(exc)
        )
    except Exception:
        ref = secrets.token_hex(4)
        log.exception("panel error", extra={"ref": ref, "path": request.path})
        response = panel.render(
            request, "error.html", status=500, title="Internal error", message=f"Something broke (ref {ref})."
        )
    security_headers(response)
    return response


def build_app(panel: Panel) -> web.Application:
    from bot.panel import archive, auth, feeds, ingest, manage, topics

    app = web.Application(
        middlewares=[errors_middleware, session_middleware], client_max_size=UPLOAD_LIMIT + 256 * 1024
    )
    app[PANEL] = panel

    async def close(_: web.Application) -> None:
        await panel.close()

    app.on_cleanup.append(close)
    auth.routes(app)
    archive.routes(app)
    ingest.routes(app)
    feeds.routes(app)
    topics.routes(app)
    manage.routes(app)
    app.router.add_static("/static/", HERE / "static", append_version=True)
    return app


async def serve(app: web.Application, bind: str) -> web.AppRunner:
    """Listen on HOST:PORT (port 0: any free port; see `bound_port`)."""
    host, _, port = bind.rpartition(":")
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host.strip("[]"), int(port))
    await site.start()
    return runner


def bound_port(runner: web.AppRunner) -> int:
    for addr in runner.addresses:
        return int(addr[1])
    return 0
