"""Article commands: ingest, show, list, delete, export, backup."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections import Counter
from pathlib import Path

from bot.cli.common import Context, UsageError, article_id, emit_json, whole_number
from bot.errors import ArticleNotFound
from bot.ingest.fetch import Fetcher, FetchPolicy
from bot.ingest.pipeline import Ingestor, IngestResult, default_analyzer
from bot.ingest.sources import is_url
from bot.store import Scope


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest", help="store articles from URLs, files, directories, JSONL archives or stdin (-)"
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    p.add_argument("--jsonl", action="store_true", help="treat every file (and stdin) as a JSONL archive")
    p.add_argument(
        "--guild",
        type=whole_number,
        metavar="ID",
        help="store for one Discord server instead of the global library",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per item on stdout")
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("show", help="print one article")
    p.add_argument("id", type=article_id)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("list", help="list stored articles, newest first")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("delete", help="delete an article")
    p.add_argument("id", type=article_id)
    p.set_defaults(handler=cmd_delete)

    p = sub.add_parser("export", help="every article as `show --json` prints it, one per line")
    p.add_argument("--jsonl", action="store_true", help="JSON lines (the default and only format)")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("backup", help="online copy of the database (safe while the bot runs)")
    p.add_argument("path", type=Path)
    p.set_defaults(handler=cmd_backup)


def make_fetcher(ctx: Context) -> Fetcher:
    return Fetcher(FetchPolicy.from_setting(ctx.settings.fetch_allow))


async def cmd_ingest(args: argparse.Namespace, ctx: Context) -> int:
    fetcher = make_fetcher(ctx) if any(is_url(s) for s in args.sources) else None
    ingestor = Ingestor(ctx.store, fetcher=fetcher, analyzer=default_analyzer())
    progress = _Progress(enabled=sys.stderr.isatty() and not args.json)
    counts: Counter[str] = Counter()
    try:
        async for result in ingestor.ingest_sources(
            args.sources, guild_id=args.guild, ingested_by=f"cli:{_user()}", jsonl=args.jsonl
        ):
            counts[result.status] += 1
            if args.json:
                emit_json(result.to_dict())
            else:
                progress.clear()
                _print_result(result)
            progress.update(counts)
    finally:
        progress.clear()
        if fetcher is not None:
            await fetcher.close()
    if not args.json:
        summary = ", ".join(
            f"{counts[s]} {s}" for s in ("created", "updated", "duplicate", "failed") if counts[s]
        )
        print(f"done: {summary or 'nothing to ingest'}", file=sys.stderr)
    return 1 if counts["failed"] else 0


def _print_result(result: IngestResult) -> None:
    if result.status == "failed":
        print(f"failed     {result.source}: {result.error}", file=sys.stderr)
    else:
        extra = f" (duplicate of #{result.duplicate_of})" if result.duplicate_of else ""
        print(f"{result.status:<10} #{result.id} {result.title}{extra}  [{result.source}]")


class _Progress:
    """A one-line counter on a terminal; silent when stderr is a file or pipe."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False

    def update(self, counts: Counter[str]) -> None:
        if not self.enabled:
            return
        total = sum(counts.values())
        sys.stderr.write(
            f"\r{total} items: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['duplicate']} duplicate, {counts['failed']} failed"
        )
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.enabled and self.shown:
            sys.stderr.write("\r\033[K")
            self.shown = False


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


async def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    article = await ctx.store.get_article(args.id, Scope.all())
    if article is None:
        raise ArticleNotFound(args.id)
    if args.json:
        emit_json(article.to_dict())
        return 0
    print(article.title)
    meta = [
        ", ".join(article.authors),
        article.source or "",
        article.section or "",
        article.published.date().isoformat() if article.published else "",
    ]
    print(" · ".join(m for m in meta if m))
    if article.url:
        print(article.url)
    if article.flags:
        print("flags: " + ", ".join(sorted(article.flags)))
    print()
    for p in article.paragraphs:
        print(f"## {p.text}\n" if p.kind == "heading" else f"{p.text}\n")
    return 0


async def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    if args.limit <= 0:
        raise UsageError("--limit must be positive")
    for row in await ctx.store.list_articles(Scope.all(), limit=args.limit):
        if args.json:
            emit_json(
                {
                    "id": row.id,
                    "title": row.title,
                    "source": row.source,
                    "published": row.published.isoformat() if row.published else None,
                    "guild": row.guild_id,
                    "url": row.url,
                }
            )
        else:
            date = row.published.date().isoformat() if row.published else "          "
            print(f"#{row.id:<7} {date}  {row.title}" + (f"  ({row.source})" if row.source else ""))
    return 0


async def cmd_delete(args: argparse.Namespace, ctx: Context) -> int:
    if not await ctx.store.delete_article(args.id, Scope.all()):
        raise ArticleNotFound(args.id)
    print(f"deleted #{args.id}", file=sys.stderr)
    return 0


async def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    async for article in ctx.store.iter_articles(Scope.all()):
        data = article.to_dict()
        data["guild"] = article.guild_id
        data["duplicate_of"] = article.duplicate_of
        data["external_id"] = article.external_id  # `ingest --jsonl` keeps it; "id" is this store's row
        if article.analysis is not None:
            data["summary"] = article.analysis.summary
            data["quotes"] = [q.to_dict() for q in article.analysis.quotes]
            data["keywords"] = article.analysis.keywords
            data["entities"] = article.analysis.entities.to_dict()
        emit_json(data)
    return 0


async def cmd_backup(args: argparse.Namespace, ctx: Context) -> int:
    await ctx.store.backup(args.path)
    print(f"backup written to {args.path}", file=sys.stderr)
    return 0
