"""Rendering defects that only show in the text Discord receives: links that break out of their markdown,
unescaped remote text, code spans that leak, quotes that lose their speaker, /stats rows that vanish.
Feed notices go through discord.py to the emulator (which checks every body against Discord's spec);
embeds are built by the real builders and checked against the spec directly."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import unquote

import discord
import pytest_asyncio

from bot.guild_settings import GuildSettings
from bot.models import Article, Paragraph, Quote
from bot.services import QuoteSelection
from bot.store.base import ArticleListing, StoreStats
from bot.topics.digest import Digest, DigestItem, render_digest
from bot.topics.types import Schedule, Topic
from cogs.formatting import FIELD_VALUE_MAX, article_card, inline_code, quotes_embed, stats_embed
from cogs.ingestion import DiscordFeedNotifier
from cogs.topics import _topic_line
from tests.cogs.limits import assert_within_limits
from tests.emulator import DiscordEmulator
from tests.emulator.schema import shared_validator

SETTINGS = GuildSettings("medium", 0x1F8B4C, True)
# one announced item: "• [title](<url>) (#id)" with nothing able to end the link early
ITEM_LINK = re.compile(r"• \[([^\[\]]*)\]\(<([^<>\s()`\\]*)>\) \(#(\d+)\)")


def spec_ok(embed: discord.Embed) -> None:
    body: dict[str, Any] = {"embeds": [embed.to_dict()]}
    assert_within_limits(body)
    assert shared_validator().validate("POST", "/channels/1/messages", body) == []


@pytest_asyncio.fixture
async def client(discord_pointed_at: DiscordEmulator) -> AsyncIterator[discord.Client]:
    bot = discord.Client(intents=discord.Intents.none())
    await bot.login(discord_pointed_at.token)
    try:
        yield bot
    finally:
        await bot.close()


async def test_feed_announcement_links_only_safe_http_urls(
    discord_pointed_at: DiscordEmulator, client: discord.Client
) -> None:
    from bot.feeds.poller import NewItem
    from bot.feeds.types import Feed, FeedSubscription

    emu = discord_pointed_at
    guild = emu.create_guild("Newsroom", text_channels=("news",))
    (news,) = guild.channels.values()
    hostile = {
        1: "https://news.example/a>b) [x](https://evil.example) ok",
        2: "https://news.example/tab\there\nnewline ",
        3: "https://news.example/back`tick\\slash(paren)<angle>|pipe\"q'",
        4: "https://news.example/plain-article",
    }
    not_links = {5: "javascript:alert(1)", 6: "ftp://news.example/file", 7: "news.example/no-scheme"}
    items = [NewItem(n, f"Story {n}] (click)[here", url) for n, url in {**hostile, **not_links}.items()]
    items.append(NewItem(8, "No link at all", None))
    sub = FeedSubscription(id=3, feed_id=1, guild_id=guild.id, channel_id=news.id)
    await DiscordFeedNotifier(cast(Any, client)).new_items(
        sub, Feed(1, "https://news.example/feed.xml"), items
    )

    (msg,) = emu.messages(news)
    lines = str(msg["content"]).splitlines()[1:]
    assert len(lines) == 8, lines
    for line, (n, url) in zip(lines, hostile.items(), strict=False):
        m = ITEM_LINK.fullmatch(line)
        assert m, line
        assert int(m.group(3)) == n and unquote(m.group(2)) == url.strip()  # same address, inert text
    for line in lines[len(hostile) :]:
        assert "](" not in line and "<" not in line and "http" not in line, line


async def test_feed_pause_notice_escapes_the_remote_error(
    discord_pointed_at: DiscordEmulator, client: discord.Client
) -> None:
    from bot.feeds.types import Feed, FeedSubscription

    emu = discord_pointed_at
    guild = emu.create_guild("Newsroom", text_channels=("alerts",))
    (alerts,) = guild.channels.values()
    feed = Feed(
        1, "https://news.example/feed.xml", last_error="**500** [login](https://evil.example) @everyone"
    )
    sub = FeedSubscription(id=4, feed_id=1, guild_id=guild.id, channel_id=alerts.id)
    assert await DiscordFeedNotifier(cast(Any, client)).feed_paused(sub, feed, "3 failures")
    (msg,) = emu.messages(alerts)
    text = str(msg["content"])
    assert "Last error: \\*\\*500\\*\\* \\[login\\]" in text and "\\@\u200beveryone" in text, text
    assert "<https://news.example/feed.xml>" in text and "/feed resume 4" in text


def test_inline_code_shows_user_text_verbatim_and_cannot_break_out() -> None:
    assert inline_code("tram_fares *2024*") == "`tram_fares *2024*`"  # no escaping: backslashes would show
    shown = inline_code("a`b ``c\nd\\e", 80)
    assert shown.count("`") == 2 and shown.startswith("`") and shown.endswith("`")
    assert "\n" not in shown and "d\\e" in shown and "aˋb ˋˋc" in shown
    assert len(inline_code("word " * 100, 80)) <= 82


def test_topic_line_query_in_code_and_pause_reason_escaped() -> None:
    topic = Topic(
        id=7,
        guild_id=1,
        channel_id=2,
        query="tram_fares `rm` *now*",
        schedule=Schedule(),
        paused_reason="paused by **Boss** @everyone",
    )
    line = _topic_line(topic)
    assert "`tram_fares ˋrmˋ *now*`" in line, line
    assert "paused by \\*\\*Boss\\*\\* \\@\u200beveryone" in line, line


def test_digest_footer_query_is_inert_code() -> None:
    topic = Topic(id=1, guild_id=1, channel_id=2, query="tram` **x**\nnext", schedule=Schedule())
    items = [
        DigestItem(i, f"Item {i}", f"https://n.example/{i}", "Herald", "Summary.", 1.0) for i in range(3)
    ]
    chunks = render_digest(topic, Digest(items, 10, more=4))
    tail = chunks[-1].rsplit("\n\n", 1)[-1]
    assert tail == "…and 4 more: `/search tramˋ **x** next`", tail


def test_digest_item_links_only_safe_http_urls() -> None:
    topic = Topic(id=1, guild_id=1, channel_id=2, query="tram", schedule=Schedule())
    items = [
        DigestItem(1, "Evil", "https://n.example/a>b) c", None, "", 1.0),
        DigestItem(2, "Script", "javascript:alert(1)", None, "", 1.0),
    ]
    text = render_digest(topic, Digest(items, 10))[0]
    assert "**[Evil](<https://n.example/a%3Eb%29%20c>)** (#1)" in text, text
    assert "**Script** (#2)" in text and "javascript" not in text


def _article(quotes: list[Quote]) -> Article:
    return Article(
        id=9,
        guild_id=1,
        title="Night trams approved",
        paragraphs=[Paragraph("text", "The council approved night trams on Tuesday after a long debate.")],
        url="https://news.example/trams",
        source="City Herald",
        authors=["Ann Writer", "Bo Reporter"],
        published=datetime(2024, 5, 1, tzinfo=UTC),
        word_count=12,
        origin="text",
    )


def test_long_quotes_keep_their_speaker() -> None:
    long = Quote(
        text="“" + "We will run trams all night long. " * 90 + "”",
        speaker="Maria Lopez",
        kind="full",
        paragraph=0,
    )
    assert len(long.text) > 3000
    short = Quote(text="“Short and sweet.”", speaker="Omar Diaz", kind="full", paragraph=0)
    sel = QuoteSelection([long, short, long], total=3)
    embed = quotes_embed(_article([]), sel, SETTINGS)
    spec_ok(embed)
    blocks = (embed.description or "").split("\n\n")
    assert [b.splitlines()[-1] for b in blocks] == [
        "— **Maria Lopez**",
        "— **Omar Diaz**",
        "— **Maria Lopez**",
    ]
    assert "…" in blocks[0] and len(blocks[0]) <= 1500
    assert embed.footer.text == "Article #9 · 3 quotes"


def test_quote_footer_singular_and_plural() -> None:
    one = Quote(text="“Only this.”", speaker="Omar Diaz", kind="full", paragraph=0)
    assert quotes_embed(_article([]), QuoteSelection([one], total=1), SETTINGS).footer.text == (
        "Article #9 · 1 quote"
    )
    by = QuoteSelection([one], total=4, speaker="Omar Diaz")
    assert quotes_embed(_article([]), by, SETTINGS).footer.text == "Article #9 · 1 quote by “Omar Diaz”"
    none_by = QuoteSelection([], total=1, speaker="Napoleon", speakers=["Omar Diaz"])
    assert quotes_embed(_article([]), none_by, SETTINGS).footer.text == "Article #9 · 0 of 1 quote"


def test_article_card_names_the_author_once() -> None:
    embed = article_card(_article([]), SETTINGS)
    spec_ok(embed)
    text = str(embed.to_dict())
    assert text.count("Ann Writer") == 1, text
    assert embed.author.name == "City Herald · Ann Writer, Bo Reporter"


def test_stats_shows_all_five_last_ingested_with_long_lines() -> None:
    rows = [
        ArticleListing(
            id=100 + i,
            title=f"Headline {i} " + "very long words " * 30,
            source="Source " * 40,
            published=datetime(2024, 5, 1, tzinfo=UTC),
            ingested_at=None,
            guild_id=1,
            url="https://news.example/" + "deep/" * (2 + 60 * (i % 2)) + f"{i}",
        )
        for i in range(5)
    ]
    stats = StoreStats(articles=5, duplicates_recorded=0, last_ingested=rows, size_bytes=1000)
    embed = stats_embed(stats, SETTINGS, "Newsroom")
    spec_ok(embed)
    (field,) = [f for f in embed.fields if f.name == "Last ingested"]
    value = field.value or ""
    assert len(value) <= FIELD_VALUE_MAX
    for i in range(5):
        assert f"{i + 1}. " in value and f"Headline {i}" in value and f"#{100 + i}" in value, value
    assert value.count("](<https://news.example/") >= 3  # links kept where they fit


def test_digest_header_cut_never_leaves_a_lone_escape() -> None:
    topic = Topic(id=1, guild_id=1, channel_id=2, query="tram", name="a" * 199 + "*b", schedule=Schedule())
    items = [DigestItem(1, "Item", None, None, "", 1.0)]
    header = render_digest(topic, Digest(items, 10))[0].split("\n\n")[0]
    assert header.startswith("📰 **" + "a" * 199 + "\\***"), header  # the star stays escaped, bold closes
