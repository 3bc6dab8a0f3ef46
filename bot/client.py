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
from bot.discord_budget import InvalidRequestBudget
from bot.ingest.fetch import Fetcher, FetchPolicy, create_session
from bot.ingest.pipeline import Ingestor, default_analyzer
from bot.services import MB, NewsService
from bot.store import ArticleStore, create_store
from bot.timer import Clock, clock_from_env

log = logging.getLogger(__name__)

COGS: tuple[str, ...] = (
    "cogs.errors",
    "cogs.formatting",
    "cogs.search",
    "cogs.ingestion",
    "cogs.topics",
    "cogs.brief",
    "cogs.panel",
)
DRAIN_SECONDS = 5.0
INTERACTION_TOKEN_TTL = 15 * 60.0  # seconds an interaction token accepts followups and edits

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
        background: bool = True,
        clock: Clock | None = None,
        **client_options: Any,
    ) -> None:
        # newsbot never joins voice: don't warn operators about voice libraries it does not need.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # guild and role cache for permission checks; nothing privileged
        self.budget = InvalidRequestBudget()
        super().__init__(
            http_trace=self.budget.trace_config(),
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            **client_options,
        )
        self.settings = settings
        self.background = background  # False: feed polls and digests are left to `newsbot worker`
        self.db_path = db_path or settings.db_path
        self.cog_modules = cogs
        self.page_timeout = settings.page_timeout
        self.clock: Clock = clock or clock_from_env()  # the scheduler's and feed poller's time
        # a long job stops using its interaction token this long after the command (a margin before
        # Discord's 15 minutes); tests shrink it
        self.interaction_ttl = INTERACTION_TOKEN_TTL - 60.0
        self.progress_every = 10.0  # seconds between progress updates of a long command
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
        self.news = NewsService(
            self.store,
            self.ingestor,
            admin_roles=self.settings.admin_roles,
            upload_max_items=self.settings.upload_max_items,
            upload_max_bytes=self.settings.upload_max_mb * MB,
        )
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
    ) -> asyncio.Task[None] | None:
        """Run a long-lived service (feed poller, scheduler); it is cancelled on close. A crash is logged.
        A gateway process of a scaled-out deployment (`background=False`) runs none: workers do."""
        if not self.background:
            log.info("background service left to workers", extra={"service": name})
            return None
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


class ShardedNewsBot(NewsBot, commands.AutoShardedBot):
    """`newsbot run --shards A-B --shard-count N`: one process holding some of the bot's shards."""


def make_bot(
    settings: Settings,
    *,
    db_path: str | None = None,
    shard_ids: list[int] | None = None,
    shard_count: int | None = None,
) -> NewsBot:
    """A plain bot (discord.py decides, as always), or a sharded one whose background work runs in workers."""
    if shard_ids is None:
        return NewsBot(settings, db_path=db_path)
    return ShardedNewsBot(
        settings, db_path=db_path, background=False, shard_ids=shard_ids, shard_count=shard_count
    )


class RestWorker(discord.Client):
    """`newsbot worker`: feed polls, digests, their announcements and queued uploads, through Discord's REST API only
    (it logs in, it never opens a gateway connection). Leases in the store share the due work with any
    number of other workers."""

    store: ArticleStore
    http_session: aiohttp.ClientSession

    def __init__(self, settings: Settings, *, db_path: str | None = None) -> None:
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # never connects; set so discord.py does not warn about its caches
        self.budget = InvalidRequestBudget()  # refusals counted and paced as in a gateway process
        super().__init__(
            http_trace=self.budget.trace_config(),
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.settings = settings
        self.db_path = db_path or settings.db_path
        self._tasks: list[asyncio.Task[None]] = []

    async def setup_hook(self) -> None:  # called by login()
        from bot.feeds.poller import FeedPoller
        from bot.jobs import JobRunner, downloader
        from bot.scheduler import TopicScheduler
        from bot.timer import clock_from_env
        from cogs.ingestion import DiscordFeedNotifier, DiscordJobReporter
        from cogs.topics import DiscordPoster

        policy = FetchPolicy.from_setting(self.settings.fetch_allow)
        self.store = create_store(self.db_path)
        await self.store.open()
        self.http_session = create_session(policy)
        fetcher = Fetcher(policy, session=self.http_session)
        ingestor = Ingestor(self.store, fetcher=fetcher, analyzer=default_analyzer())
        clock = clock_from_env()
        poster = DiscordPoster(self, self.budget)
        self.scheduler = TopicScheduler(self.store, poster, clock=clock, notices=poster)
        self.poller = FeedPoller(
            self.store, ingestor, fetcher, clock=clock, notifier=DiscordFeedNotifier(self)
        )
        # interaction webhooks go to Discord's API (or NEWSBOT_DISCORD_API), not through the fetch guard
        self.discord_session = aiohttp.ClientSession()
        news = NewsService(
            self.store,
            ingestor,
            admin_roles=self.settings.admin_roles,
            upload_max_items=self.settings.upload_max_items,
            upload_max_bytes=self.settings.upload_max_mb * MB,
        )
        self.jobs = JobRunner(
            self.store,
            news,
            downloader(self.http_session),
            DiscordJobReporter(self, self.discord_session),
            clock=clock,
        )

    async def work(self, stop: asyncio.Event) -> None:
        """Run the scheduler and the poller until `stop` is set; digests in flight get to finish."""
        self._tasks = [
            asyncio.create_task(self.scheduler.run(), name="worker:topics"),
            asyncio.create_task(self.poller.run(), name="worker:feeds"),
            asyncio.create_task(self.jobs.run(), name="worker:jobs"),
        ]
        for task in self._tasks:
            task.add_done_callback(lambda t: _report_end(t.get_name(), t))
        log.info("worker started", extra={"owner": self.scheduler.leases.owner})
        await stop.wait()
        log.info("worker stopping")

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks = []
        await super().close()
        for session in (getattr(self, "http_session", None), getattr(self, "discord_session", None)):
            if session is not None:
                await session.close()
        if getattr(self, "store", None) is not None:
            await self.store.close()


def _report_end(name: str, task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("background service crashed", exc_info=exc, extra={"service": name})
