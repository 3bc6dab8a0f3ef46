"""The panel end to end in a real Chromium against the Discord emulator: login, server lists, archive,
ingest, feeds, topics; and local mode from `newsbot run` without a token."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from bot.feeds.types import FeedSubscription
from tests.conftest import REPO, SEED
from tests.feeds.conftest import FeedServer, rss
from tests.panel.conftest import World, free_port, login


async def test_login_server_lists_and_logout(world: World, browser: Any) -> None:
    page = await login(browser, world, world.admin)
    servers = page.locator("ul.servers:not(.invite) li")
    assert sorted(await servers.all_inner_texts()) == ["Elsewhere manager", "Newsroom manager"]
    invite = page.locator("ul.invite li")
    assert await invite.all_inner_texts() == ["Botless — invite newsbot"]
    href = await invite.locator("a").get_attribute("href")
    assert (
        href is not None
        and f"guild_id={world.botless.id}" in href
        and f"client_id={world.emu.application_id}" in href
    )
    token = next(iter(world.oauth().tokens))
    await page.click("text=Log out")
    await page.wait_for_url(world.base + "/")
    assert await page.locator("text=Log in with Discord").count() == 1
    assert world.oauth().revoked == [token]
    world.oauth().login_as(None)  # logged out: the archive sends to Discord, where this time nobody agrees
    await page.goto(world.base + f"/s/{world.guild.id}/")
    assert await page.inner_text("h1") == "Login cancelled"
    assert await page.locator(".logout").count() == 0

    member = await login(browser, world, world.member)
    assert await member.locator("ul.servers li").all_inner_texts() == ["Newsroom"]
    assert await member.locator("ul.invite").count() == 0
    await member.click("text=Newsroom")
    assert await member.locator("header nav a").all_inner_texts() == ["Archive"]  # no manage pages

    outsider = await login(browser, world, world.outsider)
    assert "newsbot is in none of your servers" in await outsider.inner_text("main")
    response = await outsider.goto(world.base + f"/s/{world.guild.id}/")
    assert response is not None and response.status == 404


def _jsonl(*rows: dict[str, Any]) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode() + b"\n"


ESTUARY = (
    "Ecologists warned on Wednesday that dredging the estuary for the harbour would harm fish nurseries. "
    '"The mudflats feed half the birds on this coast," said Jonas Brandt of the Wetland Trust. '
    "The group wants the work limited to the winter months and asks for independent monitoring. "
    "Fishermen joined the protest, saying catches had already fallen since the last deepening. "
)
BODY = (
    "The harbour authority said on Tuesday that the new container terminal would open in spring. "
    '"We have waited ten years for this," said Maria Keller, the authority\'s director. '
    "Shipping companies welcomed the plan, which doubles the port's capacity. "
    "Environmental groups asked for a study of the dredging needed in the estuary. "
)


async def test_search_and_article_page(world: World, browser: Any) -> None:
    news = world.bot.news
    await news.ingest_upload(
        "batch.jsonl",
        _jsonl(
            {
                "title": "Harbour terminal to open in spring",
                "text": BODY * 3,
                "source": "Port Times",
                "url": "https://example.org/harbour",
            },
            {
                "title": "Estuary dredging worries ecologists",
                "text": ESTUARY * 2,
                "source": "Green Post",
            },
            {
                "title": "Council budget approved",
                "text": "The city council approved its budget for next year after a long debate. " * 8,
            },
        ),
        world.guild.id,
        "test",
    )
    page = await login(browser, world, world.member)
    await page.click("text=Newsroom")
    await page.fill("input[name=q]", "harbour terminal")
    await page.click("form.search button")
    await page.wait_for_url("**q=harbour+terminal**")
    titles = await page.locator(".hit .title").all_inner_texts()
    assert titles[0] == "Harbour terminal to open in spring" and "Council budget approved" not in titles
    assert await page.locator(".hit mark").count() >= 1
    await page.fill("input[name=q]", "harbour")
    await page.click("details.filters summary")
    await page.fill("input[name=source]", "Green Post")
    await page.locator("form.search input[name=q]").press("Enter")
    await page.wait_for_url("**source=Green+Post**")
    assert await page.locator(".hit .title").all_inner_texts() == ["Estuary dredging worries ecologists"]
    await page.click("text=Estuary dredging worries ecologists")
    assert await page.inner_text("h1") == "Estuary dredging worries ecologists"
    quotes = await page.locator(".quotes blockquote").all_inner_texts()
    assert any("The mudflats feed half the birds on this coast" in q and "Jonas Brandt" in q for q in quotes)
    assert "Jonas Brandt" in await page.inner_text(".terms")
    await page.wait_for_selector(".related ol")  # fetched by the page's script after the article
    assert "Harbour terminal to open in spring" in await page.inner_text(".related")
    medium = await page.locator(".summary p").count()
    await page.click(".lengths >> text=short")
    assert await page.locator(".lengths [aria-current]").inner_text() == "short"
    assert await page.locator(".summary p").count() < medium
    await page.click(".related >> text=Harbour terminal to open in spring")
    original = page.locator("a.original")
    assert await original.get_attribute("href") == "https://example.org/harbour"
    assert await page.locator("form.danger").count() == 0  # a plain member cannot delete


async def test_ingest_a_file_shows_per_item_results(world: World, browser: Any, tmp_path: Path) -> None:
    upload = tmp_path / "archive.jsonl"
    upload.write_bytes(
        _jsonl(
            {"title": "First piece", "text": BODY * 2},
            {"title": "Second piece", "text": ESTUARY * 2},
        )
        + b"{not json\n"
        + _jsonl({"title": "First piece again", "text": BODY * 2})
    )
    page = await login(browser, world, world.admin)
    await page.click("text=Newsroom")
    await page.click("header nav >> text=Ingest")
    await page.set_input_files("form.upload input[type=file]", str(upload))
    await page.click("form.upload button")
    await page.wait_for_selector("#results")
    rows = [r.split("\t") for r in await page.locator("#results tbody tr").all_inner_texts()]
    statuses = [r[0] for r in rows]
    assert statuses == ["created", "created", "failed", "duplicate"], rows
    assert rows[2][1] == "archive.jsonl:3" and "invalid JSON" in rows[2][-1]
    assert "already stored as #" in rows[3][-1]
    assert await page.locator("#results h2").inner_text() == "2 stored of 4"
    stored = await world.bot.store.list_articles(
        __import__("bot.store", fromlist=["Scope"]).Scope.guild(world.guild.id)
    )
    assert sorted(a.title for a in stored) == ["First piece", "Second piece"]
    await page.click("header nav >> text=Activity")
    assert "ingest.file" in await page.inner_text("table.activity")


async def test_feed_add_pause_remove(world: World, browser: Any, feed_server: FeedServer) -> None:
    texts = [BODY, ESTUARY, "The council met late into the night to agree on next year's school budget. " * 4]
    items = [
        {
            "title": f"Feed story {i}",
            "link": feed_server.url(f"article/s{i}"),
            "guid": f"s{i}",
            "description": texts[i],
        }
        for i in range(3)
    ]
    for i in range(3):
        feed_server.article_html[f"s{i}"] = (
            f"<html><body><article><h1>Feed story {i}</h1><p>{texts[i]}</p><p>{texts[i]}</p></article></body></html>"
        )
    feed_server.dynamic["news.xml"] = (rss(items, title="Harbour Feed"), "application/rss+xml")
    page = await login(browser, world, world.admin)
    await page.goto(world.base + f"/s/{world.guild.id}/feeds")
    assert "No feeds yet." in await page.inner_text("table.feeds")
    await page.fill(".feed-check input[name=url]", feed_server.url("dyn/news.xml"))
    await page.click(".feed-check button")
    preview = page.locator("section.preview")
    assert "Harbour Feed — 3 items" in await preview.inner_text()
    assert sorted(await preview.locator("li").all_inner_texts()) == [
        "Feed story 0",
        "Feed story 1",
        "Feed story 2",
    ]
    assert await world.bot.store.list_feed_subscriptions(world.guild.id) == []  # checking stores nothing
    await page.select_option(".feed-add select[name=channel]", str(world.channel.id))
    await page.fill(".feed-add input[name=minutes]", "30")
    await page.click(".feed-add button")
    row = page.locator("tr.feed")
    assert await row.count() == 1
    cells = await row.locator("td").all_inner_texts()
    assert cells[2] == "active" and cells[5] == "3"
    subs: list[FeedSubscription] = await world.bot.store.list_feed_subscriptions(world.guild.id)
    assert subs[0].channel_id == world.channel.id and subs[0].feed and subs[0].feed.interval_s == 1800
    await row.locator("text=Pause").click()
    assert (await page.locator("tr.feed td.state").inner_text()).startswith("paused: paused by Ada")
    await page.locator("tr.feed >> text=Resume").click()
    assert await page.locator("tr.feed td.state").inner_text() == "active"
    page.on("dialog", lambda d: asyncio.ensure_future(d.accept()))
    await page.locator("tr.feed >> text=Remove").click()
    await page.wait_for_selector("text=No feeds yet.")
    assert await world.bot.store.list_feed_subscriptions(world.guild.id) == []
    await page.click("header nav >> text=Activity")
    actions = await page.locator("table.activity tbody tr td:nth-child(4)").all_inner_texts()
    assert actions == ["feed.remove", "feed.resume", "feed.pause", "feed.follow"]


async def test_topic_with_live_preview_then_posted_by_the_bot(world: World, browser: Any) -> None:
    news = world.bot.news
    await news.ingest_text("Harbour terminal to open in spring", BODY * 3, world.guild.id, "test")
    page = await login(browser, world, world.admin)
    await page.goto(world.base + f"/s/{world.guild.id}/topics/new")
    await page.fill("input[name=q]", "harbour")  # the script asks for the preview as one types
    await page.wait_for_selector("#preview >> text=Harbour terminal to open in spring")
    assert "The next digest would hold 1 article" in await page.inner_text("#preview")
    channels = await page.locator("select[name=channel] option").all_inner_texts()
    assert channels == ["#general"]
    await page.select_option("select[name=channel]", str(world.channel.id))
    await page.select_option("select[name=every]", "daily")
    await page.fill("input[name=at]", "07:30")
    await page.fill("input[name=timezone]", "Europe/Berlin")
    await page.click("text=Create topic")
    row = page.locator("tr.topic")
    assert "daily at 07:30 Europe/Berlin" in await row.inner_text()
    # something new arrives after the topic was created; "Post now" has the bot post it to #general
    await news.ingest_text(
        "Harbour cranes arrive", ESTUARY.replace("estuary", "harbour basin") * 2, world.guild.id, "test"
    )
    await row.locator("text=Post now").click()
    assert "posted" in await page.inner_text(".notice")
    message = await world.emu.wait_message(world.channel, lambda m: "Harbour cranes arrive" in m["content"])
    assert "harbour" in message["content"].lower() and "Harbour terminal" not in message["content"]


async def test_local_mode_from_run_without_a_token(browser: Any, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    env |= {"NEWSBOT_PANEL_BIND": f"127.0.0.1:{port}", "NEWSBOT_DB": str(tmp_path / "local.db")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        link = ""
        while "/auth/local?token=" not in link:
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            assert line, "newsbot run ended without printing a login link"
            link = line.decode().strip()
        assert link.startswith(f"http://127.0.0.1:{port}/auth/local?token=")
        page = await (await browser.new_context()).new_page()
        page.set_default_timeout(15000)
        await page.goto(link)
        await page.wait_for_url(f"http://127.0.0.1:{port}/s/0/")
        assert "The library is empty." in await page.inner_text("main")
        if SEED.is_file():
            await page.click("text=Ingest the reference page")
            assert await page.locator("#results tbody tr td").first.inner_text() == "created"
            await page.goto(f"http://127.0.0.1:{port}/s/0/?q=Lukashenko")
            assert "Belarus" in await page.locator(".hit .title").first.inner_text()
        # the link works once
        again = await (await browser.new_context()).new_page()
        response = await again.goto(link)
        assert response is not None and response.status == 403
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 30)
    assert proc.returncode == 0
