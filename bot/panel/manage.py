"""Settings (summary length, accent colour, images) and the activity log."""

from __future__ import annotations

from aiohttp import web

from bot.guild_settings import SUMMARY_LENGTHS, colour_hex, parse_colour, parse_summary_length
from bot.panel.app import PANEL, Panel
from bot.panel.auth import redirect

ACTIVITY_PAGE = 50


async def settings_page(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    current = await panel.news.guild_settings(server.guild_id)
    return panel.render(
        request,
        "settings.html",
        server=server,
        current=current,
        colour=colour_hex(current.accent_colour),
        lengths=SUMMARY_LENGTHS,
        saved=request.query.get("saved") == "1",
    )


async def settings_save(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    if server.guild_id is None:
        raise web.HTTPNotFound()  # the global library has no server look
    form = await request.post()
    changed = await panel.news.update_guild_settings(
        server.guild_id,
        summary_length=parse_summary_length(str(form.get("summary_length", "medium"))),
        accent_colour=parse_colour(str(form.get("accent_colour", ""))),
        show_images=form.get("show_images") == "yes",
    )
    await panel.audit(
        request,
        server,
        "settings.update",
        f"summary {changed.summary_length}, colour {colour_hex(changed.accent_colour)}, "
        f"images {'on' if changed.show_images else 'off'}",
    )
    return redirect(f"/s/{server.id}/settings?saved=1")


async def activity(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    raw = request.query.get("page", "1")
    page = max(1, min(int(raw), 1000)) if raw.isdigit() else 1
    rows = await panel.store.list_audit(
        server.guild_id, limit=ACTIVITY_PAGE + 1, offset=(page - 1) * ACTIVITY_PAGE
    )
    return panel.render(
        request,
        "activity.html",
        server=server,
        rows=rows[:ACTIVITY_PAGE],
        page=page,
        more=len(rows) > ACTIVITY_PAGE,
    )


def routes(app: web.Application) -> None:
    app.router.add_get("/s/{sid}/settings", settings_page)
    app.router.add_post("/s/{sid}/settings", settings_save)
    app.router.add_get("/s/{sid}/activity", activity)
