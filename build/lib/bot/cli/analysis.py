"""Analysis commands: summary, quotes, keywords."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

from bot.analysis.access import analysis_of, select_quotes, summary_sentences
from bot.cli.common import Context, UsageError, article_id, emit_json
from bot.errors import ArticleNotFound
from bot.models import Article
from bot.store import Scope


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="extractive summary of articles")
    _targets(p)
    length = p.add_mutually_exclusive_group()
    length.add_argument("--sentences", type=int, metavar="N", help="number of sentences (default 3)")
    length.add_argument("--words", type=int, metavar="N", help="word budget instead of a sentence count")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_summary)

    p = sub.add_parser("quotes", help="key quotes with their speakers")
    _targets(p)
    p.add_argument(
        "--speaker", metavar="NAME", help="only quotes by this person (part of the name is enough)"
    )
    p.add_argument(
        "--limit",
        type=int,
        default=5,
        metavar="K",
        help="key quotes, best first (0 = every quote in article order)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_quotes)

    p = sub.add_parser("keywords", help="key phrases and named people, places, organisations")
    p.add_argument("id", type=article_id)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_keywords)


def _targets(p: argparse.ArgumentParser) -> None:
    p.add_argument("ids", nargs="*", type=article_id, metavar="ID")
    p.add_argument("--all", action="store_true", help="every stored article")


async def _articles(args: argparse.Namespace, ctx: Context) -> AsyncIterator[Article]:
    if args.all == bool(args.ids):
        raise UsageError("give article ids or --all (not both)")
    if args.all:
        async for article in ctx.store.iter_articles(Scope.all()):
            yield article
        return
    for ref in args.ids:
        found = await ctx.store.get_article(ref, Scope.all())
        if found is None:
            raise ArticleNotFound(ref)
        yield found


async def cmd_summary(args: argparse.Namespace, ctx: Context) -> int:
    if (args.sentences is not None and args.sentences <= 0) or (args.words is not None and args.words <= 0):
        raise UsageError("--sentences and --words must be positive")
    async for article in _articles(args, ctx):
        sentences = summary_sentences(article, args.sentences, args.words)
        if args.json:
            emit_json({"id": article.id, "sentences": sentences})
        else:
            print(f"#{article.id} {article.title}")
            for s in sentences:
                print(f"  - {s}")
    return 0


async def cmd_quotes(args: argparse.Namespace, ctx: Context) -> int:
    if args.limit < 0:
        raise UsageError("--limit must be 0 (all) or positive")
    async for article in _articles(args, ctx):
        quotes = select_quotes(analysis_of(article), args.speaker, args.limit)
        if args.json:
            emit_json({"id": article.id, "quotes": [q.to_dict() for q in quotes]})
        elif quotes or not args.all:
            print(f"#{article.id} {article.title}")
            for q in quotes:
                print(
                    f"  “{q.text}” — {q.speaker or 'unattributed'}"
                    + (" (partial)" if q.kind == "partial" else "")
                )
    return 0


async def cmd_keywords(args: argparse.Namespace, ctx: Context) -> int:
    article = await ctx.store.get_article(args.id, Scope.all())
    if article is None:
        raise ArticleNotFound(args.id)
    analysis = analysis_of(article)
    if args.json:
        emit_json({"id": article.id, "keywords": analysis.keywords, "entities": analysis.entities.to_dict()})
        return 0
    print(f"#{article.id} {article.title}")
    print("keywords:      " + ", ".join(analysis.keywords))
    print("people:        " + ", ".join(analysis.entities.people))
    print("places:        " + ", ".join(analysis.entities.places))
    print("organisations: " + ", ".join(analysis.entities.organizations))
    return 0
