"""Screenshots of the web panel for the README (docs/screenshots/*.png), taken from the real pages.

Usage: .venv/bin/python bench/screenshots.py [--out docs/screenshots]

Everything stays on this machine: the bot runs in-process against the tests' Discord emulator (which
plays Discord's OAuth2 too), the archive is 120 BBC development articles (../shared/data/topics), two
feeds are served by a local HTTP server from those articles, and Debian's Chromium takes the pictures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import tempfile
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.client import NewsBot  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.discord_endpoints import apply_endpoint_overrides  # noqa: E402
from bot.feeds.manage import follow_feed  # noqa: E402
from bot.feeds.poller import FeedPoller  # noqa: E402
from bot.services import MANAGE_GUILD  # noqa: E402
from bot.topics.manage import new_topic  # noqa: E402
from tests.emulator import DiscordEmulator  # noqa: E402
from tests.panel.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

BBC = ROOT.parent / "shared" / "data" / "topics" / "bbc_news_dev.jsonl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(n: int) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in BBC.read_text().splitlines()]
    picked = [r for i, r in enumerate(rows) if i % 9 == 0][:n]
    for i, r in enumerate(picked):
        r["source"] = ["BBC News", "Harbour Times", "World Desk"][i % 3]
        r["section"] = r["id"].split("/")[0].title()
        r["published"] = f"2026-11-{1 + i % 28:02d}T0{i % 9}:00:00+00:00"
    return picked


async def feed_site(rows: list[dict[str, str]]) -> tuple[web.AppRunner, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def rss(title: str, items: list[dict[str, str]]) -> bytes:
        parts = [
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>{base}/</link>'
        ]
        for r in items:
            when = format_datetime(datetime.fromisoformat(r["published"]))
            parts.append(
                f"<item><title>{escape(r['title'])}</title><link>{base}/a/{r['id']}</link>"
                f"<guid>{r['id']}</guid><pubDate>{when}</pubDate></item>"
            )
        return ("".join(parts) + "</channel></rss>").encode()

    by_id = {r["id"]: r for r in rows}

    async def article(request: web.Request) -> web.Response:
        r = by_id[request.match_info["aid"]]
        paras = "".join(f"<p>{escape(p)}</p>" for p in r["text"].split("\n\n"))
        return web.Response(
            text=f"<html><body><article><h1>{escape(r['title'])}</h1>{paras}</article></body></html>",
            content_type="text/html",
        )

    feeds = {
        "business.xml": rss("Business Wire (local)", [r for r in rows if r["section"] == "Business"][:6]),
        "sport.xml": rss("Sport Desk (local)", [r for r in rows if r["section"] == "Sport"][:6]),
    }

    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=feeds[request.match_info["name"]], content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/a/{aid:.+}", article)
    app.router.add_get("/feeds/{name}", feed)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, base


async def main(out: Path) -> None:
    from playwright.async_api import async_playwright

    rows = load(120)
    emu = DiscordEmulator()
    await emu.start()
    apply_endpoint_overrides(emu.api_base, emu.gateway_url)
    editor = emu.create_user("ada")
    guild = emu.create_guild("Newsroom", text_channels=("general", "world-news", "business"))
    emu.add_member(guild, editor, [emu.create_role(guild, "Editors", permissions=MANAGE_GUILD)])
    role = emu.create_role(guild, "Morning readers")
    guild.roles[role.id].permissions = 0
    site, feed_base = await feed_site(rows)
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="panel-shots-"))
    settings = Settings(
        token=emu.token,
        db_path=str(tmp / "shots.db"),
        fetch_allow="127.0.0.1",
        discord_api=emu.api_base,
        discord_gateway=emu.gateway_url,
        panel_url=f"http://127.0.0.1:{port}",
        panel_bind=f"127.0.0.1:{port}",
        oauth_secret=emu.oauth.secret,  # type: ignore[attr-defined]
        discord_authorize_url=f"{emu.base_url}/oauth2/authorize",
    )
    bot = NewsBot(settings)
    await bot.login(emu.token)
    gateway = asyncio.create_task(bot.connect())
    try:
        await emu.wait_ready(timeout=30)
        jsonl = "\n".join(json.dumps(r | {"id": None}) for r in rows).encode()
        await bot.news.ingest_upload("bbc.jsonl", jsonl, guild.id, "discord:1")
        now = datetime.now(UTC)
        poller = FeedPoller(bot.store, bot.ingestor, bot.fetcher, clock=bot.get_cog("Feeds").poller.clock)  # type: ignore[union-attr]
        channels = {c.name: c.id for c in guild.channels.values()}
        for name, channel in (("business.xml", "business"), ("sport.xml", "general")):
            followed = await follow_feed(
                bot.store,
                f"{feed_base}/feeds/{name}",
                guild.id,
                channel_id=channels[channel],
                minutes=30,
                now=now,
            )
            assert followed.subscription.feed is not None
            await poller.poll_feed(followed.subscription.feed)
        subs = await bot.store.list_feed_subscriptions(guild.id)
        await bot.store.set_subscription_paused(subs[1].id, guild.id, "paused by Ada", now=now)
        await new_topic(
            bot.store,
            guild_id=guild.id,
            channel_id=channels["world-news"],
            query="election OR vote",
            every="daily",
            at="07:30",
            timezone="Europe/London",
            now=now,
        )
        await new_topic(
            bot.store,
            guild_id=guild.id,
            channel_id=channels["business"],
            query='"interest rates" -football',
            every="weekly",
            day="monday",
            at="09:00",
            timezone="Europe/Berlin",
            mention_role_id=role.id,
            thread=True,
            now=now,
        )
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = await (await browser.new_context(viewport={"width": 1280, "height": 860})).new_page()
            emu.oauth.login_as(editor)  # type: ignore[attr-defined]
            await page.goto(settings.panel_url + "/auth/login")  # type: ignore[operator]
            base = f"{settings.panel_url}/s/{guild.id}"
            await page.goto(base + "/?q=economy+growth")
            await page.screenshot(path=str(out / "archive.png"))
            links = await page.locator(".hit .title").evaluate_all("els => els.map(e => e.href)")
            for link in links:  # the first hit whose article has quotes with speakers
                await page.goto(link)
                if await page.locator(".quotes blockquote footer").count():
                    break
            await page.wait_for_selector(".related ol")
            await page.screenshot(path=str(out / "article.png"), full_page=True)
            await page.goto(base + "/feeds")
            await page.fill(".feed-check input[name=url]", f"{feed_base}/feeds/business.xml")
            await page.click(".feed-check button")
            await page.screenshot(path=str(out / "feeds.png"), full_page=True)
            await page.goto(base + "/topics/new")
            await page.fill("input[name=q]", "profits OR shares")
            await page.wait_for_selector("#preview ol")
            await page.screenshot(path=str(out / "topic-new.png"), full_page=True)
            await page.goto(base + "/topics")
            await page.screenshot(path=str(out / "topics.png"))
            await browser.close()
    finally:
        await bot.close()
        gateway.cancel()
        await asyncio.gather(gateway, return_exceptions=True)
        await site.cleanup()
        await emu.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    target = parser.parse_args().out
    target.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(target))
    print("\n".join(str(p.relative_to(ROOT)) for p in sorted(target.glob("*.png"))))
