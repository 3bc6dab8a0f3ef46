"""`newsbot run`: start the Discord bot (until SIGINT/SIGTERM)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket

import aiohttp
import yarl

from bot.cli.common import Context, UsageError
from bot.errors import ConfigError, NewsbotError

log = logging.getLogger(__name__)

# View Channels, Send Messages, Embed Links, Attach Files, Read Message History, Create Public Threads
# (digests in a thread), Send Messages in Threads
INVITE_PERMISSIONS = sum(1 << bit for bit in (10, 11, 14, 15, 16, 35, 38))
NO_TOKEN = (
    "newsbot run: no Discord bot token. Set DISCORD_TOKEN in the environment or in a .env file beside "
    "newsbot (see deploy/.env.example). To get one, create an application at "
    "https://discord.com/developers/applications, open its Bot page and press Reset Token; no privileged "
    "intents are needed. Invite the bot with the OAuth2 URL generator using the scopes "
    "`bot applications.commands` and the permissions View Channels, Send Messages, Create Public "
    "Threads, Send Messages in Threads, Embed Links, Attach Files and Read Message History (permissions "
    f"integer {INVITE_PERMISSIONS}), e.g. "
    "https://discord.com/oauth2/authorize?client_id=YOUR_APPLICATION_ID&scope=bot+applications.commands"
    f"&permissions={INVITE_PERMISSIONS} . Set NEWSBOT_SYNC_GUILD to a server id to make new commands appear there at "
    "once while testing."
)


class TokenRejected(NewsbotError):
    exit_code = 2


class DiscordUnreachable(NewsbotError):
    """No connection to Discord's API at start-up (later outages are retried by discord.py)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run the Discord bot (DISCORD_TOKEN; stops cleanly on SIGINT/SIGTERM); without a token, the web "
        "panel in local mode",
    )
    p.add_argument(
        "--shards",
        metavar="IDS",
        help="run only these shard ids (`0-3` or `0,2,5`; needs --shard-count and PostgreSQL); "
        "feed polls and digests are then left to `newsbot worker`",
    )
    p.add_argument("--shard-count", type=int, metavar="N", help="how many shards the whole bot has")
    p.set_defaults(handler=cmd_run, needs_store=False)


def parse_shards(text: str, count: int | None) -> list[int]:
    """`0-3`, `4,6,7` or a mix, each id below `count`; a usage error otherwise."""
    if count is None:
        raise UsageError("--shards needs --shard-count (how many shards the whole bot has)")
    if count < 1:
        raise UsageError("--shard-count must be at least 1")
    ids: set[int] = set()
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            lo = int(first)
            hi = int(last) if dash else lo
        except ValueError:
            raise UsageError(f"--shards: {part.strip()!r} is not a shard id or range like 0-3") from None
        if lo > hi or lo < 0 or hi >= count:
            raise UsageError(f"--shards: {part.strip()!r} is outside 0-{count - 1}")
        ids.update(range(lo, hi + 1))
    return sorted(ids)


def shared_database(location: str) -> bool:
    """Whether several processes may share the store: PostgreSQL, not a SQLite file."""
    from bot.store import is_postgres_url

    return is_postgres_url(location)


async def cmd_run(args: argparse.Namespace, ctx: Context) -> int:
    settings = ctx.settings
    shard_ids: list[int] | None = None
    if args.shards is not None or args.shard_count is not None:
        shard_ids = parse_shards(args.shards or f"0-{(args.shard_count or 1) - 1}", args.shard_count)
        if not shared_database(ctx.db_path):
            raise ConfigError(
                "newsbot run --shards needs a PostgreSQL database (--db postgresql://... or NEWSBOT_DB): "
                "several processes cannot share a SQLite file; one `newsbot run` without --shards serves "
                "every shard"
            )
    if not settings.token:
        from bot.cli.panel import run_local

        return await run_local(ctx, NO_TOKEN)
    if settings.panel_url:
        from bot.panel import check_settings

        check_settings(settings)
    import discord
    import discord.ext.commands

    from bot.client import make_bot
    from bot.discord_endpoints import apply_endpoint_overrides

    apply_endpoint_overrides(settings.discord_api, settings.discord_gateway)
    bot = make_bot(settings, db_path=ctx.db_path, shard_ids=shard_ids, shard_count=args.shard_count)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with bot:
            runner = asyncio.create_task(bot.start(settings.token), name="newsbot:gateway")
            waiter = asyncio.create_task(stop.wait(), name="newsbot:signals")
            done, _ = await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if waiter in done:
                log.info("signal received, stopping")
            else:
                waiter.cancel()
            await bot.close()
            if runner in done:
                runner.result()  # re-raise why the bot stopped
            else:
                runner.cancel()
                await asyncio.gather(runner, return_exceptions=True)
    except discord.LoginFailure as exc:
        raise TokenRejected(f"Discord rejected the token ({exc}); check DISCORD_TOKEN") from exc
    except (aiohttp.ClientError, TimeoutError, ConnectionError, socket.gaierror) as exc:
        raise DiscordUnreachable(f"cannot reach Discord at {_where(exc)}: {_why(exc)}") from exc
    except discord.DiscordServerError as exc:
        raise DiscordUnreachable(
            f"Discord at {discord.http.Route.BASE} is failing ({_one_line(exc)})"
        ) from exc
    except discord.PrivilegedIntentsRequired as exc:  # pragma: no cover - newsbot asks for none
        raise ConfigError(str(exc)) from exc
    except discord.app_commands.CommandSyncFailure as exc:
        raise NewsbotError(f"Discord refused the slash command definitions: {exc}") from exc
    except discord.ext.commands.ExtensionError as exc:
        raise NewsbotError(f"a cog failed to load: {exc}") from exc
    except discord.HTTPException as exc:
        raise NewsbotError(f"Discord refused a start-up request ({_one_line(exc)})") from exc
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return 0


def _where(exc: BaseException) -> str:
    """The API base URL discord.py was talking to, or the host the failed connection was for."""
    import discord.http

    base = discord.http.Route.BASE
    host = getattr(exc, "host", None)
    if host is None or yarl.URL(base).host == host:
        return base
    return f"{host}:{getattr(exc, 'port', '?')}"


def _why(exc: BaseException) -> str:
    """A few words for an operator: "connection refused", "host name not found", "timed out"."""
    cause = getattr(exc, "os_error", None) or exc
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, socket.gaierror) or isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "host name not found"
    if isinstance(cause, TimeoutError) or isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror.lower()
    return _one_line(exc)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__
