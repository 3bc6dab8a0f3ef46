"""Feeds: every feed of the server with its state; check a URL (a preview of its latest items), follow
it, change its channel, topic and interval, pause, resume, remove. The rules are bot/feeds/manage.py's."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.errors import FeedError, NewsbotError
from bot.feeds.manage import MAX_MINUTES, MIN_MINUTES, PERMANENT_REASONS, follow_feed
from bot.feeds.parse import parse_feed
from bot.feeds.poller import _FEED_ACCEPT, FeedPoller
from bot.feeds.types import FeedSubscription
from bot.ingest.netguard import validate_url
from bot.panel.app import PANEL, Panel, Server
from bot.panel.auth import redirect
from bot.panel.pickers import channel_choices, form_int, topic_choices
from bot.panel.security import SESSION_KEY

PREVIEW_ITEMS = 8


async def _own(panel: Panel, server: Server, request: web.Request) -> FeedSubscription:
    raw = request.match_info.get("fid", "")
    subs = await panel.store.list_feed_subscriptions(server.guild_id)
    found = next((s for s in subs if raw.isdigit() and s.id == int(raw)), None)
    if found is None:
        raise web.HTTPNotFound()
    return found


async def page(request: web.Request, *, check: dict[str, object] | None = None) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    subs = await panel.store.list_feed_subscriptions(server.guild_id)
    counts = await panel.store.feed_item_counts([s.feed_id for s in subs])
    channels = await channel_choices(panel, server)
    topics = await topic_choices(panel, server)
    return panel.render(
        request,
        "feeds.html",
        server=server,
        subs=subs,
        counts=counts,
        channels=channels,
        channel_names={c.id: c.name for c in channels},
        topics=topics,
        check=check,
        min_minutes=MIN_MINUTES,
        max_minutes=MAX_MINUTES,
        now=panel.now(),
    )


async def listing(request: web.Request) -> web.StreamResponse:
    return await page(request)


async def check(request: web.Request) -> web.StreamResponse:
    """Fetch and parse the URL once, store nothing: what following it would bring."""
    panel: Panel = request.app[PANEL]
    await panel.server(request, manage=True)
    form = await request.post()
    url = validate_url(str(form.get("url", "")).strip())
    result: dict[str, object] = {"url": url}
    try:
        fetched = await panel.fetcher.fetch(url, accept=_FEED_ACCEPT)
        parsed = await asyncio.to_thread(
            parse_feed, fetched.body, url=fetched.final_url, content_type=fetched.content_type
        )
        entries = sorted(
            parsed.entries, key=lambda e: e.published.timestamp() if e.published else 0, reverse=True
        )
        result.update(title=parsed.title, items=entries[:PREVIEW_ITEMS], count=len(parsed.entries))
    except (NewsbotError, OSError) as exc:
        result["error"] = " ".join(str(exc).split())[:300] or type(exc).__name__
    return await page(request, check=result)


async def add(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    form = await request.post()
    url = validate_url(str(form.get("url", "")).strip())
    channel = await _channel(panel, server, form_int(form, "channel"))
    topic = await _topic(panel, server, form_int(form, "topic"))
    followed = await follow_feed(
        panel.store,
        url,
        server.guild_id,
        minutes=form_int(form, "minutes"),
        channel_id=channel,
        topic_id=topic,
        added_by="local" if panel.local else f"discord:{request[SESSION_KEY].user_id}",
        sets_pace=panel.local,
        now=panel.now(),
    )
    sub = followed.subscription
    if followed.created and sub.feed is not None:
        poller = FeedPoller(panel.store, panel.news.ingestor, panel.fetcher, clock=panel.clock)
        result = await poller.poll_feed(sub.feed)  # the first poll stores quietly
        if result.reason in PERMANENT_REASONS:
            await panel.store.remove_feed_subscription(sub.id, server.guild_id)
            raise FeedError(f"{url}: {result.reason} ({result.error}); not followed")
    if panel.hooks.wake_feeds:
        panel.hooks.wake_feeds()
    what = "follow" if followed.created else "update"
    await panel.audit(
        request, server, f"feed.{what}", f"#{sub.id} {url} {', '.join(followed.changed)}".strip()
    )
    return redirect(f"/s/{server.id}/feeds")


async def edit(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    sub = await _own(panel, server, request)
    form = await request.post()
    assert sub.feed is not None
    followed = await follow_feed(
        panel.store,
        sub.feed.url,
        server.guild_id,
        minutes=form_int(form, "minutes"),
        channel_id=await _channel(panel, server, form_int(form, "channel")),
        topic_id=await _topic(panel, server, form_int(form, "topic")),
        sets_pace=panel.local,
        now=panel.now(),
    )
    if panel.hooks.wake_feeds:
        panel.hooks.wake_feeds()
    await panel.audit(
        request, server, "feed.update", f"#{sub.id} {', '.join(followed.changed) or 'unchanged'}"
    )
    return redirect(f"/s/{server.id}/feeds")


async def pause(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    sub = await _own(panel, server, request)
    who = "the operator" if panel.local else request[SESSION_KEY].name
    await panel.store.set_subscription_paused(sub.id, server.guild_id, f"paused by {who}", now=panel.now())
    await panel.audit(request, server, "feed.pause", f"#{sub.id}")
    return redirect(f"/s/{server.id}/feeds")


async def resume(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    sub = await _own(panel, server, request)
    await panel.store.set_subscription_paused(sub.id, server.guild_id, None, now=panel.now())
    if panel.hooks.wake_feeds:
        panel.hooks.wake_feeds()
    await panel.audit(request, server, "feed.resume", f"#{sub.id}")
    return redirect(f"/s/{server.id}/feeds")


async def remove(request: web.Request) -> web.StreamResponse:
    panel: Panel = request.app[PANEL]
    server = await panel.server(request, manage=True)
    sub = await _own(panel, server, request)
    await panel.store.remove_feed_subscription(sub.id, server.guild_id)
    await panel.audit(request, server, "feed.remove", f"#{sub.id} {sub.feed.url if sub.feed else ''}")
    return redirect(f"/s/{server.id}/feeds")


async def _channel(panel: Panel, server: Server, channel: int | None) -> int | None:
    """Only a channel the bot can post to in this server."""
    if channel is None:
        return None
    if channel not in {c.id for c in await channel_choices(panel, server)}:
        raise web.HTTPNotFound()
    return channel


async def _topic(panel: Panel, server: Server, topic: int | None) -> int | None:
    if topic is None:
        return None
    if await panel.store.get_topic(topic, server.guild_id, everything=False) is None:
        raise web.HTTPNotFound()
    return topic


def routes(app: web.Application) -> None:
    app.router.add_get("/s/{sid}/feeds", listing)
    app.router.add_post("/s/{sid}/feeds/check", check)
    app.router.add_post("/s/{sid}/feeds", add)
    app.router.add_post("/s/{sid}/feeds/{fid}/edit", edit)
    app.router.add_post("/s/{sid}/feeds/{fid}/pause", pause)
    app.router.add_post("/s/{sid}/feeds/{fid}/resume", resume)
    app.router.add_post("/s/{sid}/feeds/{fid}/remove", remove)
