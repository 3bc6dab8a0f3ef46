"""`newsbot brief`: the story so far for a query, a saved topic or every article."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from bot.briefing import build_briefing, render_png
from bot.briefing.render import text_lines
from bot.cli.common import Context, UsageError, emit_json, whole_number
from bot.errors import InvalidQuery, TopicError
from bot.search.dates import parse_when
from bot.search.search import build_filters
from bot.store import Scope


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "brief", help="the story so far: timeline, key points, who said what, coverage (a query or --all)"
    )
    p.add_argument("query", nargs="*", metavar="QUERY", help="search query (same grammar as `search`)")
    p.add_argument("--all", action="store_true", help="every article in scope")
    p.add_argument("--topic", type=whole_number, metavar="ID", help="a saved topic's query and filters")
    p.add_argument("--since", metavar="D", help="published on or after D: 2022-06-01, 7d, 2w, 1m, 1y")
    p.add_argument("--until", metavar="D", help="published on or before D (inclusive)")
    p.add_argument("--source", metavar="S")
    p.add_argument("--author", metavar="A")
    p.add_argument("--section", metavar="X")
    p.add_argument("--language", metavar="L")
    p.add_argument("--dates", type=int, metavar="N", help="dates in the timeline (default: chosen)")
    p.add_argument("--per-date", type=int, metavar="K", help="sentences per date (default: chosen)")
    p.add_argument("--guild", type=whole_number, metavar="ID", help="what this Discord server sees")
    p.add_argument("--json", action="store_true", help="one JSON object (shape in README)")
    p.add_argument("--chart", type=Path, metavar="PATH", help="write the coverage chart (PNG) here")
    p.set_defaults(handler=cmd_brief)


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_when(value).date()
    except InvalidQuery as exc:
        raise UsageError(f"--{option}: {exc}") from exc


async def cmd_brief(args: argparse.Namespace, ctx: Context) -> int:
    chosen = sum([bool(args.query), args.all, args.topic is not None])
    if chosen != 1:
        raise UsageError("give a QUERY, --all or --topic ID (exactly one)")
    for option, value in (("dates", args.dates), ("per-date", args.per_date)):
        if value is not None and not 1 <= value <= 100:
            raise UsageError(f"--{option} must be between 1 and 100")
    since, until = _day("since", args.since), _day("until", args.until)
    if since and until and since > until:
        raise UsageError("--since is after --until")
    scope = Scope.all() if args.guild is None else Scope.guild(args.guild)
    query: str | None = " ".join(args.query) if args.query else None
    typed = {"source": args.source, "author": args.author, "section": args.section, "language": args.language}
    if args.topic is not None:
        topic = await ctx.store.get_topic(args.topic, None, everything=True)
        if topic is None:
            raise TopicError(f"no topic {args.topic}")
        query = topic.query
        typed = {
            **{k: v for k, v in topic.filters.items() if k in typed},
            **{k: v for k, v in typed.items() if v},
        }
    if query is not None and not query.strip():
        raise UsageError("the query is empty")
    briefing = await build_briefing(
        ctx.store,
        query,
        scope,
        filters=build_filters(**typed),
        since=since,
        until=until,
        n_dates=args.dates,
        per_date=args.per_date,
    )
    if args.chart is not None and briefing.coverage is not None:
        args.chart.write_bytes(render_png(briefing.coverage, title=f"Coverage: {query or 'all articles'}"))
    if args.json:
        emit_json(briefing.to_dict())
    else:
        print("\n".join(text_lines(briefing)))
    return 0
