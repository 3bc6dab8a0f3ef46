"""Soak: the bot in this process over the emulator with `feeds` feeds and `topics` topics, its scheduler
and feed poller driven by an accelerated clock (`ScaledClock`: `rate` simulated seconds per second) for
`hours` simulated hours. New items appear in a few feeds every hour, get polled, ingested and announced;
hourly, daily and weekly digests go out. At the end of every simulated hour the process's resident
memory, open file descriptors and asyncio tasks are sampled; they must stay flat, and the bot must log no
warning. The emulator forgets what it recorded each hour, so its own bookkeeping does not grow."""

from __future__ import annotations

import asyncio
import gc
import os
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.feeds.manage import follow_feed
from bot.timer import ScaledClock
from bot.topics.schedule import next_run_after
from bot.topics.types import Schedule, Topic
from tests.emulator import DiscordEmulator
from tests.faults.harness import START, distinct_text, live_bot
from tests.feeds.conftest import rss
from tests.support.http import local_site

WORDS = (
    "lantern",
    "glacier",
    "meadow",
    "harbour",
    "quarry",
    "orchard",
    "tramway",
    "brewery",
    "canal",
    "pier",
)


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sample(hour: int, tasks_seen: list[int]) -> dict[str, int]:
    """The hour's figures: memory and descriptors now, asyncio tasks as the fewest seen during the hour
    (the standing set: digests and polls in flight come and go)."""
    gc.collect()
    return {
        "hour": hour,
        "rss_mb": _rss_kb() // 1024,
        "fds": len(os.listdir("/proc/self/fd")),
        "tasks": min(tasks_seen),
        "tasks_max": max(tasks_seen),
    }


class Feeds:
    """`n` RSS feeds; `grow` adds an item (and its page) to a feed."""

    def __init__(self, n: int) -> None:
        self.base = ""
        self.items: list[list[dict[str, str]]] = [[] for _ in range(n)]
        self.pages: dict[str, str] = {}
        self.count = 0

    def grow(self, feed: int, word: str) -> None:
        self.count += 1
        key = f"s{self.count}"
        title = f"Soak {word} report {self.count}"
        paras = distinct_text(90_000 + self.count).split("\n\n")
        paras[0] += f" The {word} plan was discussed."
        body = "".join(f"<p>{p}</p>" for p in paras)
        self.pages[key] = (
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"
        )
        self.items[feed].append(
            {"title": title, "link": f"{self.base}/page/{key}", "guid": key, "description": title}
        )
        del self.items[feed][:-20]  # a feed shows its newest items

    def app(self) -> web.Application:
        async def feed(request: web.Request) -> web.StreamResponse:
            n = int(request.match_info["n"])
            return web.Response(body=rss(self.items[n], f"Feed {n}"), content_type="application/rss+xml")

        async def page(request: web.Request) -> web.StreamResponse:
            html = self.pages.get(request.match_info["key"])
            if html is None:
                raise web.HTTPNotFound()
            return web.Response(text=html, content_type="text/html")

        app = web.Application()
        app.router.add_get("/feed/{n}.xml", feed)
        app.router.add_get("/page/{key}", page)
        return app


async def soak(
    tmp: Path,
    *,
    feeds: int = 200,
    topics: int = 500,
    hours: int = 168,
    rate: float = 2400.0,
    items_per_hour: int = 4,
    seed: int = 5,
) -> dict[str, Any]:
    rng = random.Random(seed)
    emu = DiscordEmulator()
    await emu.start()
    site = Feeds(feeds)
    try:
        async with local_site(site.app()) as base:
            site.base = base
            guilds = [emu.create_guild(f"Desk {g}", text_channels=("news", "digests")) for g in range(10)]
            clock = ScaledClock(START, rate=1.0)  # real time while setting up; sped up below
            async with live_bot(emu, tmp / "soak.db", clock=clock) as live:
                store = live.bot.store
                # warm up what loads once (extraction, analysis) before the first sample
                await live.ingest("Warm up", distinct_text(1), guilds[0].id)
                now = clock.now()
                for n in range(feeds):
                    guild = guilds[n % len(guilds)]
                    news = list(guild.channels.values())[0]
                    await follow_feed(
                        store,
                        f"{base}/feed/{n}.xml",
                        guild.id,
                        minutes=rng.choice((60, 90, 120, 180, 240)),
                        channel_id=news.id,
                        now=now,
                    )
                batch = []
                for n in range(topics):
                    guild = guilds[n % len(guilds)]
                    digests = list(guild.channels.values())[1]
                    kind = "hourly" if n % 10 == 0 else ("weekly" if n % 10 == 1 else "daily")
                    sched = Schedule(every=kind, hour=n % 24, minute=(n * 7) % 60, weekday=n % 7)
                    batch.append(
                        Topic(
                            id=0,
                            guild_id=guild.id,
                            channel_id=digests.id,
                            query=WORDS[n % len(WORDS)],
                            schedule=sched,
                            created_at=now,
                            next_run_at=next_run_after(sched, now),
                            last_article_id=await store.max_article_id(),
                        )
                    )
                await store.add_topics(batch)
                await asyncio.sleep(1.0)  # the loops pick up the new feeds and topics, at real speed
                baseline = sample(0, [len(asyncio.all_tasks())])
                now = clock.now()
                clock.reset(now, rate)
                live.scheduler.wake()
                live.bot.get_cog("Feeds").poller.wake()  # type: ignore[union-attr]
                samples = []
                posted = announced = 0
                for hour in range(1, hours + 1):
                    for _ in range(items_per_hour):
                        site.grow(rng.randrange(feeds), rng.choice(WORDS))
                    target = now + timedelta(hours=hour)
                    tasks_seen = []
                    while clock.now() < target:
                        tasks_seen.append(len(asyncio.all_tasks()))
                        await asyncio.sleep(0.05)
                    posted += sum(1 for m in emu._messages.values() if "📰" in (m.get("content") or ""))
                    announced += sum(1 for m in emu._messages.values() if "🗞️" in (m.get("content") or ""))
                    emu.requests.clear()  # the emulator's own records, not the bot's
                    emu._messages.clear()
                    emu._channel_messages.clear()
                    emu.interactions.clear()
                    samples.append(sample(hour, tasks_seen or [len(asyncio.all_tasks())]))
                # slow the clock back to real time (nothing more falls due) and let work in flight end:
                # what is still there then was never going to finish
                clock.reset(clock.now(), 1.0)
                for _ in range(300):
                    if len(asyncio.all_tasks()) <= baseline["tasks"]:
                        break
                    await asyncio.sleep(0.2)
                drained = sample(hours, [len(asyncio.all_tasks())])
                stats = {
                    "feeds": feeds,
                    "topics": topics,
                    "hours": hours,
                    "rate": rate,
                    "articles": await store.max_article_id(),
                    "digests_posted": posted,
                    "announcements": announced,
                    "first": samples[0],
                    "last": samples[-1],
                    "baseline": baseline,
                    "drained": drained,
                    "samples": samples,
                    "warnings": live.problems(),
                    "violations": [str(v) for v in emu.take_violations()],
                }
    finally:
        await emu.stop()
    return stats
