"""`newsbot panel` (the web panel alone, beside a bot running elsewhere on the same store) and the local
mode `newsbot run` falls back to without a token (the panel over the operator's library, no Discord)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

import aiohttp

from bot.cli.common import Context
from bot.errors import ConfigError, NewsbotError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "panel",
        help="serve the web panel alone (NEWSBOT_PANEL_URL, NEWSBOT_OAUTH_SECRET, DISCORD_TOKEN for Discord's REST API)",
    )
    p.set_defaults(handler=cmd_panel, needs_store=False)


async def _until_signal() -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def cmd_panel(args: argparse.Namespace, ctx: Context) -> int:
    from bot import panel as web_panel
    from bot.ingest.fetch import Fetcher, FetchPolicy, create_session
    from bot.ingest.pipeline import Ingestor, default_analyzer
    from bot.panel.discord_api import DiscordUnavailable, RestDiscordView
    from bot.services import NewsService
    from bot.store import create_store

    settings = ctx.settings
    if not settings.token:
        raise ConfigError("newsbot panel needs DISCORD_TOKEN (it asks Discord's API what the bot sees)")
    web_panel.check_settings(settings)
    policy = FetchPolicy.from_setting(settings.fetch_allow)
    store = create_store(ctx.db_path)
    await store.open()
    session = create_session(policy)
    discord_session = aiohttp.ClientSession()  # Discord's API, not the guarded fetch session
    try:
        fetcher = Fetcher(policy, session=session)
        news = NewsService(
            store,
            Ingestor(store, fetcher=fetcher, analyzer=default_analyzer()),
            admin_roles=settings.admin_roles,
        )
        view = RestDiscordView(discord_session, settings.token, settings.discord_api)
        try:
            await view.start()
        except DiscordUnavailable as exc:
            raise NewsbotError(str(exc)) from exc
        panel = web_panel.discord_panel(settings, store, news, fetcher, view, discord_session)
        runner, port = await web_panel.start(panel, settings.panel_bind)
        stopped = asyncio.ensure_future(_until_signal())
        await asyncio.sleep(0)  # signal handlers in place before saying it is up
        print(f"newsbot panel: serving {settings.panel_url} on port {port}", file=sys.stderr, flush=True)
        try:
            await stopped
        finally:
            await runner.cleanup()
    finally:
        await discord_session.close()
        await session.close()
        await store.close()
    return 0


async def run_local(ctx: Context, guidance: str) -> int:
    """Local mode: the panel alone on 127.0.0.1 over this store, with a one-time login link."""
    from bot import panel as web_panel
    from bot.ingest.fetch import Fetcher, FetchPolicy, create_session
    from bot.ingest.pipeline import Ingestor, default_analyzer
    from bot.services import NewsService
    from bot.store import create_store

    settings = ctx.settings
    print(guidance, file=sys.stderr, flush=True)
    port = settings.panel_bind.rpartition(":")[2]
    policy = FetchPolicy.from_setting(settings.fetch_allow)
    store = create_store(ctx.db_path)
    await store.open()
    session = create_session(policy)
    try:
        fetcher = Fetcher(policy, session=session)
        news = NewsService(store, Ingestor(store, fetcher=fetcher, analyzer=default_analyzer()))
        panel = web_panel.local_panel(settings, store, news, fetcher, origin="http://127.0.0.1")
        try:
            runner, bound = await web_panel.start(panel, f"127.0.0.1:{port}")
        except OSError as exc:
            raise NewsbotError(
                f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); set NEWSBOT_PANEL_BIND"
            ) from exc
        panel.origin = f"http://127.0.0.1:{bound}"
        stopped = asyncio.ensure_future(_until_signal())
        await asyncio.sleep(0)  # signal handlers in place before anyone is told where to look
        print(
            "newsbot: no Discord token, so the web panel runs in local mode over "
            f"{ctx.db_path}. Open this one-time link to log in:\n"
            f"    {panel.origin}/auth/local?token={panel.local_token}",
            flush=True,
        )
        try:
            await stopped
        finally:
            await runner.cleanup()
    finally:
        await session.close()
        await store.close()
    return 0
