"""Topics: every scheduled digest of the server; create and edit with a live preview of the next digest,
post now, pause, resume, remove. The rules are bot/topics/manage.py's."""

from __future__ import annotations

from aiohttp import web

from bot.errors import InvalidQuery, TopicError
from bot.panel.app import PANEL, Panel, Server
from bot.panel.auth import redirect
from bot.panel.pickers import channel_choices, form_int, role_choices
from bot.panel.security import SESSION_KEY
from bot.topics.digest import Digest, build_digest
from bot.topics.manage import edit_topic, new_topic, pause_topic, preview_digest, resume_topic
from bot.topics.types import EVERY_VALUES, WEEKDAYS, Topic


async def _own(panel: Panel, server: Server, request: web.Request) -> Topic:
    raw = request.match_info.get("tid", "")
    topic = (
        await panel.store.get_topic(int(raw), server.guild_id, everything=False)
        if raw.isdigit() and len(raw) <= 18
        else None
    )
    if topic is None:
        raise web.HTTPNotFound()
    return topic


async def listing(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    topics = await panel.store.list_topics(server.guild_id)
    channels = {c.id: c.name for c in await channel_choices(panel, server)}
    roles = {r.id: r.name for r in await role_choices(panel, server)}
    notice = request.query.get("posted", "")[:100]
    return panel.render(
        request, "topics.html", server=server, topics=topics, channels=channels, roles=roles, notice=notice
    )


async def _preview(panel: Panel, server: Server, query: str, topic: Topic | None) -> Digest | None:
    if not query.strip():
        return None
    if topic is not None and topic.query == query.strip():
        return await build_digest(panel.store, topic)  # exactly what its next digest would hold
    _, digest = await preview_digest(panel.store, server.guild_id, query[:300], now=panel.now())
    return digest


async def form_page(request: web.Request) -> web.StreamResponse:
    """New (or edit) form; `?q=` shows the preview without script (the script refreshes it as you type)."""
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    topic = await _own(panel, server, request) if "tid" in request.match_info else None
    q = request.query.get("q", topic.query if topic else "")[:300]
    return await _render_form(request, panel, server, topic, q, dict(request.query), None)


async def _render_form(
    request: web.Request,
    panel: Panel,
    server: Server,
    topic: Topic | None,
    q: str,
    values: dict[str, str],
    error: str | None,
) -> web.Response:
    digest = await _preview(panel, server, q, topic)
    return panel.render(
        request,
        "topic_form.html",
        status=400 if error else 200,
        server=server,
        topic=topic,
        q=q,
        values=values,
        error=error,
        digest=digest,
        channels=await channel_choices(panel, server),
        roles=await role_choices(panel, server),
        everies=EVERY_VALUES,
        weekdays=WEEKDAYS,
    )


async def preview(request: web.Request) -> web.StreamResponse:
    """The preview alone (an HTML fragment for the live preview script)."""
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    topic = None
    tid = request.query.get("topic", "")
    if tid.isdigit() and len(tid) <= 18:
        topic = await panel.store.get_topic(int(tid), server.guild_id, everything=False)
    q = request.query.get("q", "")[:300]
    digest = await _preview(panel, server, q, topic)
    return panel.render(request, "topic_preview.html", server=server, digest=digest, q=q)


async def save(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    topic = await _own(panel, server, request) if "tid" in request.match_info else None
    form = await request.post()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    q = values.get("q", "")[:300]
    try:
        channel = form_int(form, "channel")
        if channel is None or channel not in {c.id for c in await channel_choices(panel, server)}:
            raise InvalidQuery("choose a channel the bot can post to")
        role = form_int(form, "role")
        if role is not None and role not in {r.id for r in await role_choices(panel, server)}:
            raise InvalidQuery("choose a role the bot can mention")
        every, at = values.get("every") or None, values.get("at") or None
        timezone, day = values.get("timezone") or None, values.get("day") or None
        if topic is None:
            saved = await new_topic(
                panel.store,
                guild_id=server.guild_id,
                channel_id=channel,
                query=q,
                mention_role_id=role,
                thread=values.get("thread") == "yes",
                created_by=f"discord:{request[SESSION_KEY].user_id}",
                now=panel.now(),
                every=every,
                at=at,
                timezone=timezone,
                day=day,
            )
        else:
            saved = await edit_topic(
                panel.store,
                topic,
                channel_id=channel,
                query=q,
                mention_role_id=role,
                thread=values.get("thread") == "yes",
                now=panel.now(),
                every=every,
                at=at,
                timezone=timezone,
                day=day,
            )
    except (InvalidQuery, TopicError) as exc:
        return await _render_form(request, panel, server, topic, q, values, str(exc))
    if panel.hooks.wake_topics:
        panel.hooks.wake_topics()
    action = "topic.create" if topic is None else "topic.update"
    await panel.audit(request, server, action, f"#{saved.id} {saved.query} · {saved.schedule.describe()}")
    return redirect(f"/s/{server.id}/topics")


async def post_now(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    topic = await _own(panel, server, request)
    if panel.hooks.post_topic is not None:
        outcome = await panel.hooks.post_topic(topic.id)
    else:  # `newsbot panel` alone: the bot's scheduler posts it at its next look (within a minute)
        topic.next_run_at = panel.now()
        await panel.store.update_topic(topic)
        outcome = "queued"
    await panel.audit(request, server, "topic.post", f"#{topic.id}: {outcome}")
    from urllib.parse import quote

    return redirect(f"/s/{server.id}/topics?posted={quote(f'#{topic.id}: {outcome}')}")


async def pause(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    topic = await _own(panel, server, request)
    await pause_topic(panel.store, topic, f"paused by {request[SESSION_KEY].name or 'the operator'}")
    await panel.audit(request, server, "topic.pause", f"#{topic.id}")
    return redirect(f"/s/{server.id}/topics")


async def resume(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    topic = await _own(panel, server, request)
    await resume_topic(panel.store, topic, now=panel.now())
    if panel.hooks.wake_topics:
        panel.hooks.wake_topics()
    await panel.audit(request, server, "topic.resume", f"#{topic.id}")
    return redirect(f"/s/{server.id}/topics")


async def remove(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    topic = await _own(panel, server, request)
    await panel.store.delete_topic(topic.id, server.guild_id)
    await panel.audit(request, server, "topic.remove", f"#{topic.id} {topic.query}")
    return redirect(f"/s/{server.id}/topics")


def routes(app: web.Application) -> None:
    app.router.add_get("/s/{sid}/topics", listing)
    app.router.add_get("/s/{sid}/topics/new", form_page)
    app.router.add_get("/s/{sid}/topics/preview", preview)
    app.router.add_post("/s/{sid}/topics/new", save)
    app.router.add_get("/s/{sid}/topics/{tid}/edit", form_page)
    app.router.add_post("/s/{sid}/topics/{tid}/edit", save)
    app.router.add_post("/s/{sid}/topics/{tid}/post", post_now)
    app.router.add_post("/s/{sid}/topics/{tid}/pause", pause)
    app.router.add_post("/s/{sid}/topics/{tid}/resume", resume)
    app.router.add_post("/s/{sid}/topics/{tid}/remove", remove)
