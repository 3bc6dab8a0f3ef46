"""Feeds through Discord: `/feed add` in a server, polled by `newsbot run` from a local feed server.
The first poll stores quietly, a new item is ingested and announced once (a changed GUID is no new item),
an unchanged feed is a 304, and a feed that keeps answering 404 is paused with one notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.emulator import DiscordEmulator
from tests.feeds.conftest import FeedServer, rss
from tests.topics.e2e import OperatedBot, story

START = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def page(title: str, n: int) -> str:
    body = "".join(f"<p>{p}</p>" for p in story("night tram", "Commissioner Maria Lopez", n).split("\n\n"))
    return (
        f"<!doctype html><html><head><title>{title} | City Herald</title>"
        f'<meta property="og:title" content="{title}"><meta property="og:site_name" content="City Herald">'
        f"</head><body><nav>Home News Sport</nav><article><h1>{title}</h1>{body}</article>"
        "<footer>Copyright City Herald</footer></body></html>"
    )


def item(server: FeedServer, n: int, guid: str | None = None) -> dict[str, str]:
    return {
        "title": f"Night tram report {n}",
        "link": server.url(f"article/tram-{n}"),
        "guid": guid or f"tram-{n}",
        "description": f"Short text of report {n}.",
        "pubDate": f"Wed, 01 May 2024 0{n}:00:00 GMT",
    }


async def test_feed_added_in_discord_first_poll_silent_new_items_once_failing_feed_one_notice(
    emulator: DiscordEmulator, operated: OperatedBot, feed_server: FeedServer
) -> None:
    guild = emulator.create_guild("Newsroom", text_channels=("news", "alerts"))
    news, alerts = guild.channels.values()
    for n in (1, 2, 3):
        feed_server.article_html[f"tram-{n}"] = page(f"Night tram report {n}", n)
    feed_server.dynamic["trams.xml"] = (
        rss([item(feed_server, 1), item(feed_server, 2)]),
        "application/rss+xml",
    )
    operated.set_clock(START)
    await operated.start()

    _, answer = await operated.ask(
        "feed add", {"url": feed_server.url("dyn/trams.xml"), "channel": news}, guild=guild
    )
    assert "Following feed" in answer, answer
    _, answer = await operated.ask(
        "feed add", {"url": feed_server.url("dyn/gone.xml"), "channel": alerts}, guild=guild
    )
    assert "Following feed" in answer, answer

    async def stored() -> list[dict[str, object]]:
        return await operated.cli("list", "--json", "--limit", "50")

    async def settle(what: str, check: object) -> None:
        for _ in range(100):
            if await check():  # type: ignore[operator]
                return
        raise AssertionError(f"timed out waiting for {what}:\n{operated.log_text()[-3000:]}")

    await emulator.wait_until(lambda: feed_server.statuses("dyn/trams.xml") == [200], 15, "the first poll")
    await emulator.wait_until(lambda: feed_server.statuses("article/tram-2"), 15, "the items' pages")

    async def two_stored() -> bool:
        return len(await stored()) == 2

    await settle("the first poll's items", two_stored)

    def public(channel: object) -> list[dict[str, object]]:
        return [m for m in emulator.messages(channel) if not int(m.get("flags") or 0) & 64]

    assert public(news) == []  # the first poll announces nothing
    assert feed_server.statuses("dyn/gone.xml") == [404]

    # a new item, and the first item's GUID changed (churn): only the new one is ingested and announced
    feed_server.dynamic["trams.xml"] = (
        rss([item(feed_server, 3), item(feed_server, 2), item(feed_server, 1, guid="tram-1-v2")]),
        "application/rss+xml",
    )
    operated.set_clock(START + timedelta(minutes=17))
    announced = await emulator.wait_message(news, lambda m: "🗞️" in (m.get("content") or ""), timeout=15)
    assert "Night tram report 3" in str(announced["content"]) and "1 new" in str(announced["content"])
    assert len(await stored()) == 3
    await emulator.wait_until(
        lambda: len(feed_server.statuses("dyn/gone.xml")) == 2, 15, "the second failure"
    )

    # unchanged: a conditional GET answered 304; the failing feed reaches its third 404 and is paused
    operated.set_clock(START + timedelta(minutes=17 + 35))
    await emulator.wait_until(lambda: feed_server.statuses("dyn/trams.xml")[-1:] == [304], 15, "a 304")
    notice = await emulator.wait_message(alerts, lambda m: "paused" in (m.get("content") or ""), timeout=15)
    assert "not found" in str(notice["content"]) and feed_server.url("dyn/gone.xml") in str(notice["content"])

    operated.set_clock(START + timedelta(hours=4))
    polls = len(feed_server.statuses("dyn/trams.xml"))
    await emulator.wait_until(lambda: len(feed_server.statuses("dyn/trams.xml")) > polls, 15, "another poll")
    assert feed_server.statuses("dyn/gone.xml") == [404, 404, 404]  # paused: not polled again
    assert len(public(alerts)) == 1 and len(public(news)) == 1  # one notice, one announcement
    assert sorted(str(a["title"]) for a in await stored()) == [f"Night tram report {n}" for n in (1, 2, 3)]
    assert all(
        a["source"] == "City Herald" for a in await stored()
    )  # the full pages, not the feed's snippets
    assert feed_server.statuses("article/tram-1") == [200]  # the churned GUID was not fetched or stored again
    _, listing = await operated.ask("feed list", guild=guild)
    assert "not found" in listing and "every 15 min" in listing
