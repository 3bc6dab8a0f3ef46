"""`newsbot worker`: feed polls and topic digests for a scaled-out deployment (PostgreSQL, REST only)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bot.cli.common import Context
from bot.cli.run import NO_TOKEN, DiscordUnreachable, TokenRejected, _one_line, _where, _why, shared_database
from bot.errors import ConfigError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "worker",
        help="poll feeds and post digests through Discord's REST API (PostgreSQL; run any number)",
    )
    p.set_defaults(handler=cmd_worker, needs_store=False)


async def cmd_worker(args: argparse.Namespace, ctx: Context) -> int:
    settings = ctx.settings
    if not shared_database(ctx.db_path):
        raise ConfigError(
            "newsbot worker needs a PostgreSQL database (--db postgresql://... or NEWSBOT_DB): with a "
            "SQLite file, `newsbot run` polls feeds and posts digests itself"
        )
    if not settings.token:
        print(NO_TOKEN.replace("newsbot run:", "newsbot worker:", 1), file=sys.stderr)
        return 2
    import aiohttp
    import discord

    from bot.client import RestWorker
    from bot.discord_endpoints import apply_endpoint_overrides

    apply_endpoint_overrides(settings.discord_api, settings.discord_gateway)
    worker = RestWorker(settings, db_path=ctx.db_path)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with worker:
            await worker.login(settings.token)
            await worker.work(stop)
    except discord.LoginFailure as exc:
        raise TokenRejected(f"Discord rejected the token ({exc}); check DISCORD_TOKEN") from exc
    except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
        raise DiscordUnreachable(f"cannot reach Discord at {_where(exc)}: {_why(exc)}") from exc
    except discord.HTTPException as exc:
        raise DiscordUnreachable(f"Discord refused a start-up request ({_one_line(exc)})") from exc
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return 0
