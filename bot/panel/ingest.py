"""Ingesting from the panel: a URL, an uploaded file (HTML, text, Markdown, JSONL; capped as in Discord)
or pasted text, answered with the same per-item results as the CLI."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_request import FileField

from bot.errors import InvalidQuery
from bot.ingest.netguard import validate_url
from bot.panel.app import PANEL, UPLOAD_LIMIT, Panel
from bot.panel.security import SESSION_KEY
from bot.services import IngestOutcome, check_upload


async def page(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    return panel.render(request, "ingest.html", server=server, outcome=None, upload_limit=UPLOAD_LIMIT)


async def submit(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    form = await request.post()
    by = "local" if panel.local else f"discord:{request[SESSION_KEY].user_id}"
    kind = str(form.get("kind", ""))
    outcome: IngestOutcome
    if kind == "url":
        url = validate_url(str(form.get("url", "")).strip())
        outcome = await panel.news.ingest_url(url, server.guild_id, by)
        detail = url
    elif kind == "file":
        upload = form.get("file")
        if not isinstance(upload, FileField) or not upload.filename:
            raise InvalidQuery("choose a file to upload")
        data = upload.file.read(UPLOAD_LIMIT + 1)
        check_upload(upload.filename, len(data), UPLOAD_LIMIT)
        outcome = await panel.news.ingest_upload(upload.filename, data, server.guild_id, by)
        detail = upload.filename
    elif kind == "text":
        title = str(form.get("title", ""))[:300]
        outcome = await panel.news.ingest_text(
            title, str(form.get("body", ""))[:200_000], server.guild_id, by, source="panel text"
        )
        detail = title or "pasted text"
    else:
        raise InvalidQuery("choose a URL, a file or text to ingest")
    await panel.audit(
        request,
        server,
        f"ingest.{kind}",
        f"{detail}: {len(outcome.created)} stored, {len(outcome.failed)} failed of {len(outcome.results)}",
    )
    return panel.render(request, "ingest.html", server=server, outcome=outcome, upload_limit=UPLOAD_LIMIT)


def routes(app: web.Application) -> None:
    app.router.add_get("/s/{sid}/ingest", page)
    app.router.add_post("/s/{sid}/ingest", submit)
