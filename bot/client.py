"""The `commands.Bot` subclass (the one module in bot/ that imports discord): wiring only.

RoboDanny-style: `setup_hook` opens the store and one aiohttp session, builds the services, loads the
cogs from a list (missing optional modules are skipped) and syncs the command tree. Background work
(feed polling, scheduled posts) registers through `start_background`, and `close` stops it, waits
briefly for in-flight commands, then closes the session and the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from bot.config import Settings
from bot.ingest.fetch import Fetcher, FetchPolicy, create_session
from bot.ingest.pipeline import Ingestor, default_analyzer
from bot.services import NewsService
from bot.store import ArticleStore, create_store

log = logging.getLogger(__name__)

COGS: tuple[str, ...] = (
    "cogs.errors",
    "cogs.formatting",
    "cogs.search",
    "cogs.ingestion",
    "cogs.topics",
    "cogs.panel",
)
DRAIN_SECONDS = 5.0

CloseCallback = Callable[[], Awaitable[None]]


class NewsBot(commands.Bot):
    """newsbot's Discord client. Attributes set in `setup_hook`: store, http_session, fetcher, ingestor,
    news (the NewsService)."""

    store: ArticleStore
    http_session: aiohttp.ClientSession
    fetcher: Fetcher
    ingestor: Ingestor
    news: NewsService

    def __init__(
        self,
        settings: Settings,
        *,
        db_path: str | None = None,
        cogs: tuple[str, ...] = COGS,
    ) -> None:
        # newsbot never joins voice: don't warn operators about voice libraries it does not need.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # guild and role cache for permission checks; nothing privileged
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
        )
        self.settings = settings
        self.db_path = db_path or settings.db_path
        self.cog_modules = cogs
        self.page_timeout = settings.page_timeout
        self.started_at = time.monotonic()
        self._background: dict[str, asyncio.Task[None]] = {}
        self._close_callbacks: list[CloseCallback] = []
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False

    # --- startup -----------------------------------------------------------------------------------------
    async def setup_hook(self) -> None:
        policy = FetchPolicy.from_setting(self.settings.fetch_allow)
        self.store = create_store(self.db_path)
        await self.store.open()
        self.http_session = create_session(policy)
        self.fetcher = Fetcher(policy, session=self.http_session)
        self.ingestor = Ingestor(self.store, fetcher=self.fetcher, analyzer=default_analyzer())
        self.news = NewsService(self.store, self.ingestor, admin_roles=self.settings.admin_roles)
        for name in self.cog_modules:
            if importlib.util.find_spec(name) is None:
                log.debug("cog module not present, skipped", extra={"cog": name})
                continue
            await self.load_extension(name)
            log.info("cog loaded", extra={"cog": name})
        await self.sync_commands()

    async def sync_commands(self) -> list[discord.app_commands.AppCommand]:
        """Globally, or to NEWSBOT_SYNC_GUILD (instant, for development).

        Admin commands are hidden from members without Manage Server by default; when NEWSBOT_ADMIN_ROLES
        names roles, that default is lifted so those roles see them too (the run-time check still applies).
        """
        if self.settings.admin_roles:
            manage = discord.Permissions(manage_guild=True)
            for command in self.tree.get_commands():
                if command.default_permissions == manage:
                    command.default_permissions = None
        if self.settings.sync_guild:
            guild = discord.Object(self.settings.sync_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info(
            "commands synced",
            extra={"count": len(synced), "guild": self.settings.sync_guild or "global"},
        )
        return synced

    async def on_ready(self) -> None:
        log.info("connected", extra={"user": str(self.user), "guilds": len(self.guilds)})

    # --- background services and in-flight work ------------------------------------------------------------
    def start_background(
        self, name: str, factory: Callable[[], Coroutine[Any, Any, None]]
    ) -> asyncio.Task[None]:
        """Run a long-lived service (feed poller, scheduler); it is cancelled on close. A crash is logged."""
        if name in self._background and not self._background[name].done():
            raise RuntimeError(f"background service {name!r} is already running")
        task = asyncio.create_task(factory(), name=f"newsbot:{name}")
        task.add_done_callback(lambda t: _report_end(name, t))
        self._background[name] = task
        return task

    def add_close_callback(self, callback: CloseCallback) -> None:
        """Called on close, after background tasks stop and before the store closes."""
        self._close_callbacks.append(callback)

    @contextlib.asynccontextmanager
    async def tracked(self) -> AsyncIterator[None]:
        """Marks command work in flight, so shutdown lets it finish before closing the store."""
        self._inflight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._inflight -= 1
            if self._inflight == 0:
                self._idle.set()

    @property
    def closing(self) -> bool:
        return self._closing

    # --- shutdown ----------------------------------------------------------------------------------------
    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        log.info("shutting down", extra={"in_flight": self._inflight})
        for task in self._background.values():
            task.cancel()
        if self._background:
            await asyncio.gather(*self._background.values(), return_exceptions=True)
        try:
            await asyncio.wait_for(self._idle.wait(), DRAIN_SECONDS)
        except TimeoutError:
            log.warning("in-flight work abandoned at shutdown", extra={"in_flight": self._inflight})
        for callback in self._close_callbacks:
            try:
                await callback()
            except Exception:
                log.exception("close callback failed")
        await super().close()
        if getattr(self, "http_session", None) is not None:
            await self.http_session.close()
        if getattr(self, "store", None) is not None:
            await self.store.close()
        log.info("closed")


def _report_end(name: str, task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("background service crashed", exc_info=exc, extra={"service": name})
