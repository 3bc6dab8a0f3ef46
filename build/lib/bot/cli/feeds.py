"""Feed and topic commands: `newsbot feeds add|list|remove|poll`, `newsbot topics list|add|remove`."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.cli.common import Context, UsageError, emit_json, whole_number
from bot.errors import FeedError, TopicError
from bot.feeds.manage import MAX_MINUTES, MIN_MINUTES, PERMANENT_REASONS, IntervalOutOfRange, follow_feed
from bot.feeds.poller import FeedPoller, PollResult
from bot.ingest.netguard import validate_url
from bot.ingest.pipeline import Ingestor, default_analyzer
from bot.timer import clock_from_env
from bot.topics.manage import new_topic
from bot.topics.schedule import TopicOptionError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("feeds", help="follow RSS/Atom/JSON feeds (polled by `newsbot run`)")
    fsub = p.add_subparsers(dest="feeds_command", metavar="ACTION")
    fsub.required = True
    a = fsub.add_parser("add", help="follow a feed and store its current items now")
    a.add_argument("url")
    a.add_argument(
        "--guild", type=whole_number, metavar="ID", help="for one Discord server (default: global library)"
    )
    a.add_argument(
        "--every",
        type=int,
        metavar="MIN",
        help=f"poll interval in minutes (default 15, {MIN_MINUTES}-{MAX_MINUTES}); on a feed already followed, "
        "changes its interval",
    )
    a.add_argument(
        "--no-poll",
        action="store_true",
        help="only record it (the URL is not checked); the bot polls it later",
    )
    a.set_defaults(handler=cmd_add)
    ls = fsub.add_parser("list", help="followed feeds with their state")
    ls.add_argument("--guild", type=whole_number, metavar="ID")
    ls.add_argument("--all", action="store_true", help="every server's feeds")
    ls.set_defaults(handler=cmd_list)
    rm = fsub.add_parser("remove", help="stop following (by subscription id from `feeds list`)")
    rm.add_argument("id", type=whole_number)
    rm.set_defaults(handler=cmd_remove)
    po = fsub.add_parser("poll", help="poll every due feed once, now")
    po.set_defaults(handler=cmd_poll)

    t = sub.add_parser("topics", help="scheduled topic digests")
    tsub = t.add_subparsers(dest="topics_command", metavar="ACTION")
    tsub.required = True
    tl = tsub.add_parser("list", help="every topic with its schedule and state")
    tl.set_defaults(handler=cmd_topics_list)
    ta = tsub.add_parser("add", help="add a topic (posting needs the bot: `newsbot run`)")
    ta.add_argument("query")
    ta.add_argument("--guild", type=whole_number, required=True)
    ta.add_argument("--channel", type=whole_number, required=True)
    ta.add_argument("--every", default="daily", choices=["hourly", "daily", "weekly"])
    ta.add_argument("--at")
    ta.add_argument("--timezone")
    ta.add_argument("--day")
    ta.add_argument("--role", type=whole_number, help="role id to mention")
    ta.add_argument("--thread", action="store_true")
    ta.set_defaults(handler=cmd_topics_add)
    tr = tsub.add_parser("remove", help="delete a topic")
    tr.add_argument("id", type=whole_number)
    tr.set_defaults(handler=cmd_topics_remove)


def _poller(ctx: Context) -> FeedPoller:
    from bot.cli.articles import make_fetcher

    fetcher = make_fetcher(ctx)
    ingestor = Ingestor(ctx.store, fetcher=fetcher, analyzer=default_analyzer())
    return FeedPoller(ctx.store, ingestor, fetcher, clock=clock_from_env())


def _quiet_logs(args: argparse.Namespace) -> None:
    """These commands report every failing feed in one line of their own; without -v, log warnings
    (ours and the libraries') would only repeat it on stderr."""
    if not args.verbose:
        for handler in logging.getLogger().handlers:
            handler.setLevel(logging.ERROR)


async def cmd_add(args: argparse.Namespace, ctx: Context) -> int:
    """Follow a feed, checking it once: a URL that is clearly no feed is not kept; a transient failure is."""
    url = validate_url(args.url)
    _quiet_logs(args)
    poller = _poller(ctx)
    try:
        followed = await follow_feed(
            ctx.store, url, args.guild, minutes=args.every, added_by="cli", sets_pace=True, now=poller._now()
        )
    except IntervalOutOfRange as exc:
        raise UsageError(f"--every: {exc}") from None
    sub = followed.subscription
    out: dict[str, object] = {
        "subscription": sub.id,
        "feed": sub.feed_id,
        "url": url,
        "created": followed.created,
        "updated": followed.changed,
        "interval_minutes": followed.interval_minutes,
    }
    if args.no_poll or sub.feed is None:
        emit_json(out)
        return 0
    try:
        result = await poller.poll_feed(sub.feed)
    finally:
        await poller.fetcher.close()
    out.update(status=result.status, stored=result.stored, duplicates=result.duplicates, error=result.error)
    if result.status not in ("failed", "paused"):
        emit_json(out)
        return 0
    if result.reason in PERMANENT_REASONS and followed.created:
        await ctx.store.remove_feed_subscription(sub.id, None, everything=True)
        out["followed"] = False
        emit_json(out)
        raise FeedError(f"{url}: {result.reason} ({result.error}); not followed")
    emit_json(out)
    if result.reason in PERMANENT_REASONS:
        raise FeedError(f"{url}: {result.reason} ({result.error}); still followed as #{sub.id}")
    print(f"newsbot: warning: {url}: {result.error}; followed anyway, the bot retries it", file=sys.stderr)
    return 0


async def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    for sub in await ctx.store.list_feed_subscriptions(args.guild, everything=args.all):
        emit_json(sub.to_dict())
    return 0


async def cmd_remove(args: argparse.Namespace, ctx: Context) -> int:
    if not await ctx.store.remove_feed_subscription(args.id, None, everything=True):
        raise FeedError(f"no feed subscription {args.id}")
    emit_json({"removed": args.id})
    return 0


async def cmd_poll(args: argparse.Namespace, ctx: Context) -> int:
    """Exit 1 when any feed failed in this poll, one stderr line per failing feed."""
    _quiet_logs(args)
    poller = _poller(ctx)
    failed: list[PollResult] = []
    try:
        for r in await poller.poll_due():
            emit_json(
                {"feed": r.feed_id, "status": r.status, "new": r.new, "stored": r.stored, "error": r.error}
            )
            if r.status in ("failed", "paused"):
                failed.append(r)
    finally:
        await poller.fetcher.close()
    for r in failed:
        state = "paused: " if r.status == "paused" else ""
        print(f"newsbot: feed {r.feed_id} {r.url}: {state}{r.error}", file=sys.stderr)
    return 1 if failed else 0


async def cmd_topics_list(args: argparse.Namespace, ctx: Context) -> int:
    for topic in await ctx.store.list_topics(None, everything=True):
        emit_json(topic.to_dict())
    return 0


async def cmd_topics_add(args: argparse.Namespace, ctx: Context) -> int:
    try:
        topic = await new_topic(
            ctx.store,
            guild_id=args.guild,
            channel_id=args.channel,
            query=args.query,
            every=args.every,
            at=args.at,
            timezone=args.timezone,
            day=args.day,
            mention_role_id=args.role,
            thread=args.thread,
            created_by="cli",
            now=clock_from_env().now(),
        )
    except TopicOptionError as exc:
        name = "QUERY" if exc.option == "query" else f"--{exc.option}"
        raise UsageError(f"{name}: {exc}") from None
    emit_json(topic.to_dict())
    return 0


async def cmd_topics_remove(args: argparse.Namespace, ctx: Context) -> int:
    if not await ctx.store.delete_topic(args.id, None, everything=True):
        raise TopicError(f"no topic {args.id}")
    emit_json({"removed": args.id})
    return 0
