"""The panel's defences: CSRF and Origin checks, manage rights checked on writes, another server's ids,
hostile article HTML, cookie flags, headers, no open redirect, login rate limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.panel.security import COOKIE, Session, SessionCodec, cookie_key, safe_next
from bot.store import Scope
from bot.topics.manage import new_topic
from tests.emulator import User
from tests.panel.conftest import World, csrf_of, http_login, login


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def _logged_in(world: World, user: User, client: aiohttp.ClientSession) -> str:
    """Logs `client` in; returns a CSRF token of the session."""
    await http_login(world, user, client)
    async with client.get(world.base + f"/s/{world.guild.id}/") as resp:
        return csrf_of(await resp.text())


async def test_cross_site_posts_are_refused(world: World, client: aiohttp.ClientSession) -> None:
    csrf = await _logged_in(world, world.admin, client)
    url = world.base + f"/s/{world.guild.id}/settings"
    form = {"summary_length": "long", "accent_colour": "#123456", "show_images": "yes"}
    evil = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    async with client.post(url, data=form, headers=evil, allow_redirects=False) as resp:
        assert resp.status == 403  # no token, from another site
    async with client.post(url, data=form | {"csrf": csrf}, headers=evil, allow_redirects=False) as resp:
        assert resp.status == 403  # even with a stolen token
    same = {"Origin": world.base}
    async with client.post(url, data=form, headers=same, allow_redirects=False) as resp:
        assert resp.status == 403  # same site, but no token
    async with client.post(url, data=form | {"csrf": "x" * 32}, headers=same, allow_redirects=False) as resp:
        assert resp.status == 403
    assert (await world.bot.news.guild_settings(world.guild.id)).summary_length == "medium"
    async with client.post(url, data=form | {"csrf": csrf}, headers=same, allow_redirects=False) as resp:
        assert resp.status == 303
    assert (await world.bot.store.get_guild_settings(world.guild.id)) is not None
    assert (await world.bot.news.guild_settings(world.guild.id)).accent_colour == 0x123456


async def test_a_plain_member_cannot_manage(world: World, client: aiohttp.ClientSession) -> None:
    csrf = await _logged_in(world, world.member, client)
    headers = {"Origin": world.base}
    base = world.base + f"/s/{world.guild.id}"
    for path in ("/feeds", "/topics", "/ingest", "/settings", "/activity"):
        async with client.get(base + path) as resp:
            assert resp.status == 403, path
    async with client.post(
        base + "/ingest", data={"csrf": csrf, "kind": "text", "body": "x " * 100}, headers=headers
    ) as resp:
        assert resp.status == 403
    assert await world.bot.store.count_articles(Scope.guild(world.guild.id)) == 0


async def test_manage_rights_are_checked_again_on_every_write(
    world: World, client: aiohttp.ClientSession
) -> None:
    """Rights come from the bot's current view of the member, not from the login."""
    csrf = await _logged_in(world, world.admin, client)
    base = world.base + f"/s/{world.guild.id}"
    world.guild.members[world.admin.id].roles.clear()  # the Editors role is taken away after login
    async with client.post(
        base + "/settings",
        data={"csrf": csrf, "summary_length": "long", "accent_colour": "#000000"},
        headers={"Origin": world.base},
        allow_redirects=False,
    ) as resp:
        assert resp.status == 403
    assert await world.bot.store.get_guild_settings(world.guild.id) is None


async def test_other_servers_ids_answer_404(world: World, client: aiohttp.ClientSession) -> None:
    store, now = world.bot.store, datetime.now(UTC)
    theirs = await world.bot.news.ingest_text(
        "Elsewhere only", "Private news of another server. " * 10, world.other.id, "t"
    )
    article_id = theirs.results[0].id
    sub, _ = await store.add_feed_subscription("https://example.org/feed.xml", world.other.id, now=now)
    topic = await new_topic(store, guild_id=world.other.id, channel_id=1, query="news", now=now)
    csrf = await _logged_in(world, world.admin, client)  # admin of both; ids of Elsewhere under Newsroom
    base = world.base + f"/s/{world.guild.id}"
    headers = {"Origin": world.base}
    for path in (f"/a/{article_id}", f"/a/{article_id}/related"):
        async with client.get(base + path) as resp:
            assert resp.status == 404, path
    async with client.get(world.base + f"/s/{world.other.id}/a/{article_id}") as resp:
        assert resp.status == 200  # where it belongs
    async with client.get(world.base + f"/s/{world.other.id}/a/{article_id}/related") as resp:
        assert resp.status == 200 and "Related to" in await resp.text()  # the page without script
    for path in (
        f"/a/{article_id}/delete",
        f"/feeds/{sub.id}/pause",
        f"/feeds/{sub.id}/remove",
        f"/topics/{topic.id}/pause",
        f"/topics/{topic.id}/remove",
        f"/topics/{topic.id}/post",
    ):
        async with client.post(
            base + path, data={"csrf": csrf}, headers=headers, allow_redirects=False
        ) as resp:
            assert resp.status == 404, path
    async with client.get(base + f"/topics/{topic.id}/edit") as resp:
        assert resp.status == 404
    assert await store.get_article(article_id or 0, Scope.all()) is not None
    assert [s.paused_reason for s in await store.list_feed_subscriptions(world.other.id)] == [None]
    assert (await store.get_topic(topic.id, world.other.id)) is not None
    # a server the user is not in, or the bot is not in
    member = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with member:
        await http_login(world, world.member, member)
        async with member.get(world.base + f"/s/{world.other.id}/a/{article_id}") as resp:
            assert resp.status == 404
        async with member.get(world.base + f"/s/{world.botless.id}/") as resp:
            assert resp.status == 404
        async with member.get(world.base + "/s/not-a-number/") as resp:
            assert resp.status == 404


HOSTILE = {
    "title": '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">Hostile',
    "url": "javascript:window.__pwned=3",
    "authors": ['<b onmouseover="window.__pwned=4">Mallory</b>'],
    "text": (
        'He said "<script>window.__pwned = 5</script> is not welcome here," according to the report. '
        "[click](javascript:window.__pwned=6) <a href='javascript:window.__pwned=7'>link</a> more words here. "
    )
    * 6,
}


async def test_hostile_article_renders_inert(world: World, browser: Any) -> None:
    import json

    await world.bot.news.ingest_upload("h.jsonl", json.dumps(HOSTILE).encode(), world.guild.id, "t")
    [listing] = await world.bot.store.list_articles(Scope.guild(world.guild.id))
    page = await login(browser, world, world.admin)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for path in (f"/a/{listing.id}", "/?q=welcome", "/"):
        await page.goto(world.base + f"/s/{world.guild.id}{path}")
        assert await page.evaluate("window.__pwned") is None, path
        assert await page.locator("main script, main img[src=x]").count() == 0
        assert await page.locator("a[href^='javascript:']").count() == 0
    html = await page.content()
    assert "&lt;script&gt;" in html
    await page.goto(world.base + f"/s/{world.guild.id}/a/{listing.id}")
    assert await page.locator("a.original").count() == 0
    assert "javascript:window.__pwned=3" in await page.inner_text("main")  # shown as text
    await page.click("details.fulltext summary")
    assert await page.evaluate("window.__pwned") is None
    assert errors == []


async def test_cookie_flags_and_headers(world: World, client: aiohttp.ClientSession) -> None:
    async with client.get(world.base + "/auth/login", allow_redirects=False) as resp:
        assert resp.status == 303
        raw = resp.headers.getall("Set-Cookie")
        csp = resp.headers["Content-Security-Policy"]
    [cookie] = [c for c in raw if c.startswith(COOKIE + "=")]
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= flags and "secure" not in flags  # http panel URL
    assert "SameSite=Lax" in cookie
    await http_login(world, world.admin, client)
    async with client.get(world.base + f"/s/{world.guild.id}/") as resp:
        assert resp.status == 200
        h = resp.headers
        csp = h["Content-Security-Policy"]
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "same-origin"
        assert "<script>" not in await resp.text()  # no inline script anywhere
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["default-src"] == "'self'"
    # an https panel URL makes the cookie Secure
    response = web.Response()
    SessionCodec(cookie_key("k"), secure=True).save(response, Session())
    morsel = response.cookies[COOKIE]
    assert morsel["secure"] and morsel["httponly"] and morsel["samesite"] == "Lax"


async def test_no_open_redirect_after_login(world: World, client: aiohttp.ClientSession) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        final = await http_login(world, world.admin, client, next_=target)
        assert final == world.base + "/", target
    final = await http_login(world, world.admin, client, next_=f"/s/{world.guild.id}/?q=a")
    assert final == world.base + f"/s/{world.guild.id}/?q=a"
    assert safe_next("/ok?x=https://a") == "/ok?x=https://a"


async def test_state_is_single_use_and_logins_are_rate_limited(
    world: World, client: aiohttp.ClientSession
) -> None:
    world.oauth().login_as(world.admin)
    async with client.get(world.base + "/auth/login", allow_redirects=False) as resp:
        authorize = resp.headers["Location"]
    async with client.get(authorize, allow_redirects=False) as resp:
        callback = resp.headers["Location"]
    async with client.get(callback, allow_redirects=False) as resp:
        assert resp.status == 303
    async with client.get(callback, allow_redirects=False) as resp:  # replayed
        assert resp.status == 400
    statuses = []
    for _ in range(25):
        async with client.get(world.base + "/auth/login", allow_redirects=False) as resp:
            statuses.append(resp.status)
    assert statuses[-1] == 429 and 303 in statuses
