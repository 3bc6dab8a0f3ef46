"""`newsbot search` and `newsbot related`: full-text hits and related pieces, as text or JSON lines."""

from __future__ import annotations

import argparse

from bot.cli.common import Context, UsageError, article_id, days, emit_json, whole_number
from bot.errors import InvalidQuery
from bot.search.related import related_to_article, related_to_topic
from bot.search.search import build_filters, search
from bot.search.types import RelatedResult
from bot.store import Scope


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search", help='full-text search ("phrases", word* prefixes, -word or NOT word to exclude, a OR b)'
    )
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--source", metavar="S", help="only this source (case-insensitive)")
    p.add_argument("--author", metavar="A", help="only articles by an author whose name contains A")
    p.add_argument("--section", metavar="X", help="only this section")
    p.add_argument("--language", metavar="L", help="only this language, e.g. en")
    p.add_argument("--since", metavar="D", help="published on or after D: 2022-06-01, 7d, 2w, 1m, 1y")
    p.add_argument("--until", metavar="D", help="published on or before D (a date includes that whole day)")
    p.add_argument(
        "--limit", type=int, default=10, metavar="K", help="hits to show (default 10, at most 100)"
    )
    p.add_argument("--offset", type=whole_number, default=0, metavar="N", help="skip the first N hits")
    _scope_option(p)
    p.add_argument("--json", action="store_true", help="one JSON object per hit")
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("related", help="articles about the same thing as an article or a topic")
    p.add_argument("ids", nargs="*", type=article_id, metavar="ID")
    p.add_argument(
        "--all", action="store_true", help="every stored article (copies are answered by their original)"
    )
    p.add_argument("--topic", metavar="TEXT", help="free text instead of an article")
    p.add_argument(
        "--limit", type=int, default=5, metavar="K", help="related pieces per article (default 5, at most 50)"
    )
    p.add_argument(
        "--recent", type=days, metavar="DAYS", help="prefer pieces published within about DAYS (a half-life)"
    )
    _scope_option(p)
    p.add_argument("--json", action="store_true", help="one JSON object per article asked about")
    p.set_defaults(handler=cmd_related)


def _scope_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--guild",
        type=whole_number,
        metavar="ID",
        help="see what this Discord server sees (its own articles plus the global library); default: everything",
    )


def _scope(args: argparse.Namespace) -> Scope:
    return Scope.all() if args.guild is None else Scope.guild(args.guild)


async def cmd_search(args: argparse.Namespace, ctx: Context) -> int:
    if not 1 <= args.limit <= 100:
        raise UsageError("--limit must be between 1 and 100")
    if args.offset < 0:
        raise UsageError("--offset must not be negative")
    for option in ("since", "until"):  # an unreadable date is a usage error: exit 2, naming the option
        value = getattr(args, option)
        if value is not None:
            try:
                build_filters(**{option: value})
            except InvalidQuery as exc:
                raise UsageError(f"--{option}: {exc}") from exc
    filters = build_filters(
        source=args.source,
        author=args.author,
        section=args.section,
        since=args.since,
        until=args.until,
        language=args.language,
    )
    hits = await search(
        ctx.store, " ".join(args.query), _scope(args), filters, limit=args.limit, offset=args.offset
    )
    for hit in hits:
        if args.json:
            emit_json(hit.to_dict())
        else:
            when = hit.published.date().isoformat() if hit.published else "undated"
            print(f"#{hit.id} {hit.title} ({hit.source or 'unknown source'}, {when})")
            print(f"    {hit.snippet}")
    if not hits and not args.json:
        print("no matches")
    return 0


async def cmd_related(args: argparse.Namespace, ctx: Context) -> int:
    chosen = sum([bool(args.ids), args.all, args.topic is not None])
    if chosen != 1:
        raise UsageError("give article ids, --all or --topic TEXT (exactly one)")
    if not 1 <= args.limit <= 50:
        raise UsageError("--limit must be between 1 and 50")
    if args.recent is not None and args.recent <= 0:
        raise UsageError("--recent must be a positive number of days")
    scope = _scope(args)
    if args.topic is not None:
        if not args.topic.strip():
            raise UsageError("--topic needs some text")
        _emit(
            await related_to_topic(
                ctx.store, args.topic, scope, limit=args.limit, recent_half_life_days=args.recent
            ),
            args.json,
        )
        return 0
    if args.all:
        async for article in ctx.store.iter_articles(scope):
            if article.duplicate_of is None:
                _emit(
                    await related_to_article(
                        ctx.store, article.id, scope, limit=args.limit, recent_half_life_days=args.recent
                    ),
                    args.json,
                )
        return 0
    for ref in args.ids:
        _emit(
            await related_to_article(
                ctx.store, ref, scope, limit=args.limit, recent_half_life_days=args.recent
            ),
            args.json,
        )
    return 0


def _emit(result: RelatedResult, as_json: bool) -> None:
    if as_json:
        emit_json(result.to_dict())
        return
    head = f"#{result.article_id}" if result.topic is None else f"topic {result.topic!r}"
    copies = (
        f" (also covered by {', '.join(f'#{c}' for c in result.also_covered_by)})"
        if result.also_covered_by
        else ""
    )
    print(f"{head}{copies}")
    if not result.items:
        print("    nothing related found")
    for item in result.items:
        also = (
            f" — also covered by {', '.join(f'#{c}' for c in item.also_covered_by)}"
            if item.also_covered_by
            else ""
        )
        print(f"    #{item.id} {item.title} [{item.score:.3f}]{also}")
