"""The archive: search (the CLI's grammar and filters, paged), an article page, deleting an article,
and local mode's offer to ingest the reference page."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from markupsafe import Markup, escape

from bot.errors import InvalidQuery
from bot.guild_settings import SUMMARY_LENGTHS
from bot.models import Article
from bot.panel.app import PANEL, Panel
from bot.panel.auth import redirect
from bot.search.search import build_filters, search
from bot.store import Scope

PAGE = 20
MARK = ("\x02", "\x03")  # snippet markers, turned into <mark> after escaping
FILTERS = ("source", "author", "section", "language", "since", "until")
SEED_NAME = "000_8b27f7ba246c2cdc.txt"


def marked(snippet: str) -> Markup:
    """The snippet escaped, then its match markers as <mark> (never the other way round)."""
    text = str(escape(snippet))
    return Markup(text.replace(MARK[0], "<mark>").replace(MARK[1], "</mark>"))


def safe_link(url: str | None) -> str | None:
    """Only http(s) links become links: a `javascript:` or `data:` URL stays text."""
    if url and url.strip().lower().startswith(("http://", "https://")) and not any(c in url for c in "\r\n"):
        return url.strip()
    return None


def _page(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return max(1, min(int(raw), 500)) if raw.isdigit() else 1


async def archive(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request)
    q = request.query.get("q", "").strip()[:500]
    values = {k: request.query.get(k, "").strip()[:100] for k in FILTERS}
    page = _page(request)
    error = None
    hits: list[object] = []
    listing: list[object] = []
    more = False
    if q:
        try:
            filters = build_filters(now=panel.now(), **{k: v or None for k, v in values.items()})
            found = await search(
                panel.store, q, server.scope, filters, limit=PAGE + 1, offset=(page - 1) * PAGE, marker=MARK
            )
            more = len(found) > PAGE
            hits = list(found[:PAGE])
        except InvalidQuery as exc:
            error = str(exc)
    else:
        rows = await panel.store.list_articles(server.scope, limit=PAGE + 1, offset=(page - 1) * PAGE)
        more = len(rows) > PAGE
        listing = list(rows[:PAGE])
    seed = None
    if panel.local and not q and page == 1 and not listing:
        seed = seed_path()
    return panel.render(
        request,
        "archive.html",
        server=server,
        q=q,
        values=values,
        hits=hits,
        listing=listing,
        page=page,
        more=more,
        error=error,
        marked=marked,
        seed=seed,
    )


async def article(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request)
    found = await _article(request, panel, server.scope)
    settings = await panel.news.guild_settings(server.guild_id)
    length = request.query.get("length", settings.summary_length)
    if length not in SUMMARY_LENGTHS:
        length = settings.summary_length
    summary = await panel.news.summary(found, length)
    quotes = await panel.news.quotes(found, limit=8)
    analysis = await panel.news.analysis_of(found)
    return panel.render(
        request,
        "article.html",
        server=server,
        article=found,
        summary=summary,
        lengths=SUMMARY_LENGTHS,
        quotes=quotes,
        analysis=analysis,
        link=safe_link(found.url),
        image=safe_link(found.image) if settings.show_images else None,
        accent=f"#{settings.accent_colour:06x}",
    )


async def related(request: web.Request) -> web.StreamResponse:
    """Related pieces, the one slow part of an article (tens of ms at scale): the article page shows at
    once and its script fetches this fragment; without script it is a page of its own, one link away."""
    panel: Panel = request.app[PANEL]
    server = await panel.server(request)
    found = await _article(request, panel, server.scope)
    result = await panel.related(found, server.scope, count=5)
    template = "related_items.html" if request.headers.get("X-Fragment") == "1" else "related.html"
    return panel.render(request, template, server=server, article=found, related=result)


async def _article(request: web.Request, panel: Panel, scope: Scope) -> Article:
    raw = request.match_info.get("aid", "")
    if not raw.isdigit() or len(raw) > 18:
        raise web.HTTPNotFound()
    found = await panel.store.get_article(int(raw), scope)
    if found is None:
        raise web.HTTPNotFound()
    return found


async def delete(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    raw = request.match_info.get("aid", "")
    found = (
        await panel.store.get_article(int(raw), server.scope) if raw.isdigit() and len(raw) <= 18 else None
    )
    if found is None or found.guild_id != server.guild_id:
        raise web.HTTPNotFound()  # the global library is the operator's, not a server's
    if await panel.news.delete(found.id, server.guild_id):
        await panel.audit(request, server, "article.delete", f"#{found.id} {found.title}")
    return redirect(f"/s/{server.id}/")


def seed_path() -> Path | None:
    """The reference page shipped beside a checkout (../shared/seed), when present."""
    here = Path(__file__).resolve().parents[2]
    for base in (Path.cwd(), here):
        candidate = base.parent / "shared" / "seed" / SEED_NAME
        if candidate.is_file():
            return candidate
    return None


async def seed(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    path = seed_path()
    if not panel.local or path is None:
        raise web.HTTPNotFound()
    outcome = await panel.news.ingest_upload(path.name, path.read_bytes(), None, "local")
    await panel.audit(request, server, "ingest.file", f"{path.name}: {len(outcome.created)} stored")
    return panel.render(request, "ingest.html", server=server, outcome=outcome, upload_limit=0)


def routes(app: web.Application) -> None:
    app.router.add_get("/s/{sid}/", archive)
    app.router.add_get("/s/{sid}/a/{aid}", article)
    app.router.add_get("/s/{sid}/a/{aid}/related", related)
    app.router.add_post("/s/{sid}/a/{aid}/delete", delete)
    app.router.add_post("/s/{sid}/seed", seed)
