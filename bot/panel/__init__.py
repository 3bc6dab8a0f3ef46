"""The web panel (aiohttp + Jinja2): the archive to read, feeds, topics and ingestion to manage.

Three ways to serve it: beside the bot in `newsbot run` (NEWSBOT_PANEL_URL; the bot's gateway view,
see cogs/panel.py), alone with `newsbot panel` (Discord's REST API with the bot token), and local mode
(no token: the operator's global library on 127.0.0.1, a one-time login link, no Discord at all)."""

from __future__ import annotations

import secrets

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.errors import ConfigError
from bot.ingest.fetch import Fetcher
from bot.panel.app import Hooks, Panel, bound_port, build_app, serve
from bot.panel.discord_api import DiscordView, OAuthClient
from bot.panel.security import SessionCodec, cookie_key
from bot.services import NewsService
from bot.store import ArticleStore
from bot.timer import Clock

__all__ = ["Hooks", "Panel", "check_settings", "discord_panel", "local_panel", "start"]


def check_settings(settings: Settings) -> None:
    """A panel with Discord login needs its public URL and the OAuth2 secret."""
    if not settings.panel_url:
        raise ConfigError(
            "NEWSBOT_PANEL_URL is not set (the panel's public base URL, e.g. https://news.example.org)"
        )
    if not settings.oauth_secret:
        raise ConfigError(
            "NEWSBOT_OAUTH_SECRET is not set: copy the client secret from the application's OAuth2 page "
            "and add NEWSBOT_PANEL_URL/auth/callback as a redirect there"
        )


def discord_panel(
    settings: Settings,
    store: ArticleStore,
    news: NewsService,
    fetcher: Fetcher,
    view: DiscordView,
    session: aiohttp.ClientSession,
    *,
    hooks: Hooks | None = None,
    clock: Clock | None = None,
) -> Panel:
    check_settings(settings)
    assert settings.panel_url is not None and settings.oauth_secret is not None
    oauth = OAuthClient(
        session,
        api_base=settings.discord_api,
        client_id=view.application_id,
        client_secret=settings.oauth_secret,
        redirect_uri=settings.panel_url + "/auth/callback",
    )
    key = cookie_key(settings.panel_secret, settings.oauth_secret, settings.token)
    codec = SessionCodec(key, secure=settings.panel_url.startswith("https://"))
    return Panel(
        settings,
        store,
        news,
        fetcher,
        view=view,
        oauth=oauth,
        codec=codec,
        origin=settings.panel_url,
        hooks=hooks,
        clock=clock,
    )


def local_panel(
    settings: Settings,
    store: ArticleStore,
    news: NewsService,
    fetcher: Fetcher,
    *,
    origin: str,
    clock: Clock | None = None,
) -> Panel:
    """No Discord: one operator, a one-time login link (as Jupyter prints), a random cookie key."""
    codec = SessionCodec(cookie_key(None), secure=False)
    return Panel(
        settings,
        store,
        news,
        fetcher,
        view=None,
        oauth=None,
        codec=codec,
        origin=origin,
        clock=clock,
        local_token=secrets.token_urlsafe(24),
    )


async def start(panel: Panel, bind: str) -> tuple[web.AppRunner, int]:
    runner = await serve(build_app(panel), bind)
    return runner, bound_port(runner)
