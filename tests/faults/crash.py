"""Crash points everywhere: `newsbot run` (a subprocess, as an operator runs it) under a mixed workload —
CLI ingests, a feed polled from a local server and announced in a channel, hourly topic digests — killed
with SIGKILL at a random moment of every cycle (the CLI ingest running beside it too, half the time), then
restarted. At the end, with the bot left to finish, the invariants: every article whole or absent, every
feed item stored once and announced once, every digest-worthy article listed exactly once in its topic's
channel, nothing owed left behind (no pending digest, no unannounced item)."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.store import Scope, create_store
from tests.emulator import DiscordEmulator
from tests.faults.harness import distinct_text
from tests.feeds.conftest import rss
from tests.support.http import local_site
from tests.topics.e2e import NEWSBOT, OperatedBot

START = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)
TOPICS = ("lantern", "glacier", "meadow")  # one topic (and its own channel) per word


def marked_text(n: int, word: str) -> list[str]:
    """The paragraphs of article `n`, the first naming its topic `word` (what the topic's search finds)."""
    paras = distinct_text(n).split("\n\n")
    return [f"{paras[0]} Critics of the {word} plan spoke.", *paras[1:]]


def marker(word: str) -> str:
    return f"Critics of the {word} plan spoke."


class FeedSite:
    """One RSS feed whose items the test adds, and the article page behind each item."""

    def __init__(self) -> None:
        self.base = ""
        self.items: list[dict[str, str]] = []
        self.pages: dict[str, str] = {}

    def add(self, n: int, word: str) -> str:
        key = f"item-{n}"
        title = f"Feed {word} story {n}"
        body = "".join(f"<p>{p}</p>" for p in marked_text(50_000 + n, word))
        self.pages[key] = (
            f"<!doctype html><html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{body}</article></body></html>"
        )
        url = f"{self.base}/article/{key}"
        self.items.append({"title": title, "link": url, "guid": key, "description": title})
        return url

    def app(self) -> web.Application:
        async def feed(request: web.Request) -> web.StreamResponse:
            return web.Response(body=rss(self.items, "Crash feed"), content_type="application/rss+xml")

        async def page(request: web.Request) -> web.StreamResponse:
            html = self.pages.get(request.match_info["key"])
            if html is None:
                raise web.HTTPNotFound()
            return web.Response(text=html, content_type="text/html")

        app = web.Application()
        app.router.add_get("/feed.xml", feed)
        app.router.add_get("/article/{key}", page)
        return app


async def _cli_ingest(bot: OperatedBot, files: list[Path]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(NEWSBOT),
        "ingest",
        *map(str, files),
        "--json",
        env=bot.env,
        cwd=bot.tmp,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def _summarised(messages: list[dict[str, Any]]) -> int:
    return sum(int(n) for m in messages for n in re.findall(r"…and (\d+) more", m.get("content") or ""))


def _listed(messages: list[dict[str, Any]]) -> Counter[int]:
    ids: Counter[int] = Counter()
    for m in messages:
        if int(m.get("flags") or 0) & 64:
            continue
        ids.update(int(x) for x in re.findall(r"\(#(\d+)\)", m.get("content") or ""))
    return ids


async def crash_cycles(tmp: Path, cycles: int = 10, seed: int = 14, max_delay: float = 6.0) -> dict[str, Any]:
    """Run the workload for `cycles` kill/restart cycles; returns counts and the invariants' findings."""
    rng = random.Random(seed)
    emu = DiscordEmulator()
    await emu.start()
    site = FeedSite()
    kill_points: list[float] = []
    cli_killed = 0
    try:
        async with local_site(site.app()) as base:
            site.base = base
            guild = emu.create_guild("Newsroom", text_channels=("news", *TOPICS))
            news, *topic_channels = guild.channels.values()
            bot = OperatedBot(tmp, emu, {"NEWSBOT_FETCH_ALLOW": "127.0.0.1"})
            site.add(0, TOPICS[0])  # stored quietly by the first poll
            bot.set_clock(START)
            await bot.start()
            _, answer = await bot.ask(
                "feed add", {"url": f"{base}/feed.xml", "channel": news, "minutes": 5}, guild=guild
            )
            assert "Following feed" in answer, answer
            for _ in range(100):  # the first poll stores the first item quietly
                if await bot.cli("list", "--json"):
                    break
                await asyncio.sleep(0.2)
            for word, channel in zip(TOPICS, topic_channels, strict=True):
                _, answer = await bot.ask(
                    "topic follow", {"query": word, "channel": channel, "every": "hourly"}, guild=guild
                )
                assert "Following" in answer, answer

            n_feed, n_cli = 1, 0
            now = START
            for _cycle in range(cycles):
                for _ in range(2):
                    site.add(n_feed, TOPICS[n_feed % 3])
                    n_feed += 1
                files = []
                for _ in range(3):
                    word = TOPICS[n_cli % 3]
                    path = tmp / f"cli-{n_cli}.txt"
                    path.write_text(
                        f"CLI {word} piece {n_cli}\n\n" + "\n\n".join(marked_text(n_cli, word)) + "\n"
                    )
                    files.append(path)
                    n_cli += 1
                now += timedelta(hours=1)
                bot.set_clock(now)
                cli = await _cli_ingest(bot, files)
                delay = rng.uniform(0.0, max_delay)
                kill_points.append(round(delay, 2))
                await asyncio.sleep(delay)
                await bot.kill()
                if rng.random() < 0.5 and cli.returncode is None:
                    os.kill(cli.pid, signal.SIGKILL)
                    cli_killed += 1
                await cli.wait()
                await bot.start()

            # let the last run finish everything owed, an hour on
            now += timedelta(hours=1, minutes=1)
            bot.set_clock(now)
            feed_urls = {it["link"] for it in site.items}
            store = create_store(bot.db)
            await store.open()
            try:

                async def settled() -> bool:
                    """Every feed item stored and announced, every article seen by every topic."""
                    listings = await store.list_articles(Scope.all(), limit=10_000)
                    newest = max((a.id for a in listings), default=0)
                    topics = await store.list_topics(None, everything=True)
                    feed_ids = {
                        a.id for a in listings if a.url in feed_urls and a.url != site.items[0]["link"]
                    }
                    return (
                        feed_urls <= {a.url for a in listings}
                        and len(feed_ids - set(_listed(emu.messages(news))))
                        <= _summarised(emu.messages(news))
                        and all(not t.pending and t.last_article_id >= newest for t in topics)
                    )

                for step in range(240):  # an hour on every 5 s until what is owed has been delivered
                    if await settled():
                        break
                    if step % 10 == 9:
                        now += timedelta(hours=1)
                        bot.set_clock(now)
                    await asyncio.sleep(0.5)
                await asyncio.sleep(1.0)
                code = await bot.stop()
                return await _check(store, emu, site, news, topic_channels, code, bot) | {
                    "cycles": cycles,
                    "seed": seed,
                    "kill_points": kill_points,
                    "cli_killed": cli_killed,
                }
            finally:
                await store.close()
    finally:
        await emu.stop()


async def _check(
    store: Any,
    emu: DiscordEmulator,
    site: FeedSite,
    news: Any,
    topic_channels: list[Any],
    code: int,
    bot: OperatedBot,
) -> dict[str, Any]:
    listings = await store.list_articles(Scope.all(), limit=10_000)
    broken = 0
    examples: list[str] = []
    texts: dict[int, str] = {}
    for listing in listings:
        article = await store.get_article(listing.id, Scope.all())
        paragraphs = [p.text for p in article.paragraphs if p.kind == "text"] if article else []
        texts[listing.id] = " ".join(paragraphs)
        n = int(listing.title.rsplit(" ", 1)[1])
        word = listing.title.split()[1]
        expected = marked_text(n if listing.title.startswith("CLI") else 50_000 + n, word)
        if paragraphs != expected:
            broken += 1
            examples.append(f"#{listing.id} {listing.title}: {len(paragraphs)} paragraphs")
    by_url = Counter(a.url for a in listings if a.url)
    feed_urls = [it["link"] for it in site.items]
    feed_missing = sum(1 for u in feed_urls if by_url[u] == 0)
    feed_doubled = sum(by_url[u] - 1 for u in feed_urls if by_url[u] > 1)
    first_id = next((a.id for a in listings if a.url == feed_urls[0]), None)
    feed_ids = {a.id for a in listings if a.url in set(feed_urls)} - {first_id}
    announced = _listed(emu.messages(news))
    summarised = _summarised(emu.messages(news))  # "…and N more" past ten items in one announcement
    ann_missing = max(0, len(feed_ids - set(announced)) - summarised)
    ann_doubled = sum(n - 1 for n in announced.values() if n > 1)
    topics = {t.query: t for t in await store.list_topics(None, everything=True)}
    dig_missing = dig_doubled = 0
    digests = 0
    for word, channel in zip(TOPICS, topic_channels, strict=True):
        listed = _listed(emu.messages(channel))
        digests += sum(1 for m in emu.messages(channel) if "📰" in (m.get("content") or ""))
        want = {i for i, text in texts.items() if marker(word) in text}
        missing = {i for i in want if i != first_id} - set(listed)
        dig_missing += len(missing)
        if missing:
            examples.append(f"{word}: missing {sorted(missing)}, listed {sorted(listed)}")
        dig_doubled += sum(n - 1 for n in listed.values() if n > 1)
    owed = sum(1 for t in topics.values() if t.pending)
    return {
        "articles": len(listings),
        "broken": broken,
        "broken_examples": examples[:5],
        "feed_items": len(feed_urls),
        "feed_missing": feed_missing,
        "feed_doubled": feed_doubled,
        "announced": sum(announced.values()) + summarised,
        "announce_missing": ann_missing,
        "announce_doubled": ann_doubled,
        "digests": digests,
        "digest_missing": dig_missing,
        "digest_doubled": dig_doubled,
        "owed": owed,
        "exit_code": code,
        "errors": [line for line in bot.log_text().splitlines() if "ERROR" in line or "Traceback" in line],
    }
