"""`newsbot` command line. Each command module registers its subcommands; errors are turned into
one line on stderr here, once."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Sequence
from typing import NoReturn

from bot import __version__
from bot.cli import analysis, articles, brief, feeds, migrate, panel, run, search, worker
from bot.cli.common import Context, run_handler
from bot.config import Settings, setup_logging
from bot.errors import ConfigError, NewsbotError
from bot.store.sqlite.tx import describe_sqlite_error

log = logging.getLogger(__name__)

SERVICES = ("run", "worker", "panel")  # long-running: log at NEWSBOT_LOG_LEVEL, tracebacks in the log


class Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error (`newsbot: error: ... (see newsbot search --help)`), exit 2;
    subcommand parsers inherit the class."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        self.exit(2, f"newsbot: error: {text} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="newsbot",
        description="A Discord bot that answers questions about a stored body of news articles.",
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    parser.add_argument(
        "--db", metavar="PATH", help="article database (default: $NEWSBOT_DB, else ./newsbot.db)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in (articles, analysis, search, brief, feeds, run, worker, migrate, panel):
        module.register(sub)
    return parser


def _is_exclusion(arg: str) -> bool:
    """`-word` or `-"phrase"` typed after a search query (not an option: those start with `--`)."""
    return arg.startswith("-") and not arg.startswith("--") and len(arg) > 1 and not arg[1:2].isspace()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if getattr(args, "command", None) in ("search", "brief") and all(_is_exclusion(a) for a in extra):
            args.query = [*args.query, *extra]  # `search zebra -crossing`: the query's own syntax
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        settings = Settings.load()
    except NewsbotError as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 2
    verbose = args.verbose or settings.log_level == "DEBUG"
    setup_logging("DEBUG" if verbose else ("WARNING" if args.command not in SERVICES else settings.log_level))
    ctx = Context(settings=settings, db_path=args.db or settings.db_path)
    try:
        return asyncio.run(run_handler(args, ctx))
    except KeyboardInterrupt:
        print("newsbot: interrupted", file=sys.stderr)
        return 130
    except NewsbotError as exc:
        print(f"newsbot: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc_exit_code(exc)
    except BrokenPipeError:
        return 0
    except sqlite3.Error as exc:  # a read that met a locked, damaged or unreadable database
        print(f"newsbot: {' '.join(describe_sqlite_error(exc).split())}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: one line for the person; the traceback in the bot's log, or with -v
        if args.command in SERVICES or verbose:
            log.exception("internal error in %s", args.command)
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        hint = "" if verbose else "; rerun with -v for details"
        print(f"newsbot: internal error ({detail}){hint}", file=sys.stderr)
        return 1


def exc_exit_code(exc: NewsbotError) -> int:
    """2 for usage and configuration errors (as argparse does), else the error's own code or 1."""
    if isinstance(exc, ConfigError):
        return 2
    return int(getattr(exc, "exit_code", 1))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
