"""Issue 12, finding 2 (and the fuzz test of its acceptance): article-derived text renders inert in every
embed and message builder. No rendered string may hold a masked link, a mention that could ping, or a
link newsbot did not make (newsbot links only to the article's own http(s) URL)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import ArticleNotFound
from bot.feeds.poller import NewItem
from bot.feeds.types import Feed, FeedSubscription
from bot.guild_settings import GuildSettings
from bot.ingest.pipeline import IngestResult
from bot.markdown import escape as md_escape
from bot.markdown import link_target
from bot.models import Article, Paragraph, Quote
from bot.search.types import RelatedItem, RelatedResult, SearchHit
from bot.services import IngestOutcome, QuoteSelection, SummaryResult
from bot.store.base import ArticleListing, StoreStats
from bot.topics.digest import Digest, DigestItem, render_digest
from bot.topics.types import Schedule, Topic
from cogs.errors import describe
from cogs.formatting import (
    article_card,
    escape,
    quotes_embed,
    related_embed,
    search_pages,
    stats_embed,
    summary_embed,
)
from cogs.ingestion import announcement, outcome_embed, pause_notice
from cogs.topics import _topic_line

SETTINGS = GuildSettings("medium", 0x1F8B4C, True)
OWN_URL = "https://news.example/story?id=1"
NOW = datetime(2024, 5, 1, tzinfo=UTC)

PHISH = "From [Reuters] desk: [Verify your Discord account](https://phish.example/verify)"
HOSTILE = [
    PHISH,
    "[a [nested] link](https://evil.example/x)",
    "[[double]](<https://evil.example/y>)",
    "[x]( https://evil.example/z 'title')",
    "\\[escaped?](https://evil.example/e)",
    "`code` ``two`` ```block```",
    "@everyone @here <@123456789012345678> <@!123456789012345678> <@&987654321098765432>",
    "||spoiler|| ~~strike~~ **bold** __under__ *it* _it_",
    "\u202egnp.exe\u202c \u2066iso\u2069 zero\u200bwidth\u200d\ufeff joiner",
    "https://evil.example/bare http://x.example/y",
    "<https://evil.example/angle>",
    "# heading\n- item\n> quote\n1. one",
    "](https://evil.example/tail)",
    "[",
    "]",
    "(",
    ")",
    "\\",
    "<",
    ">",
    ":",
    "/",
    "@",
    "#",
    "https",
    "everyone",
    "\n",
    " ",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12)), min_size=1, max_size=12
).map("".join)


# --- what Discord would make of a rendered string ---------------------------------------------------------
_OWN_LINK = re.compile(r"\]\(<([^<>\s]*)>\)|(?<!\x00)<([A-Za-z][A-Za-z0-9+.-]*://[^<>\s]*)>")


def parsed_text(text: str) -> str:
    """Left to right as Discord reads it: `\\x` is a literal x (shown as \\x00 here), a backtick run opens a
    code span up to the same run (its content literal: shown as \\x02); what is left can be markdown."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and not text[i + 1].isalnum() and not text[i + 1].isspace():
            out.append("\x00")
            i += 2
            continue
        if c == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            end = text.find("`" * run, i + run)
            if end > i + run:
                out.append("\x02")
                i = end + run
                continue
        out.append(c)
        i += 1
    return "".join(out)


def made_links(text: str, allowed: set[str]) -> str:
    """Drop newsbot's own `](<url>)` / `<url>` links (after checking each is allowed): what is left is text
    Discord would parse for links and mentions."""
    text = parsed_text(text)
    for masked, bare in _OWN_LINK.findall(text):
        assert (masked or bare) in allowed, (masked or bare, text)
    return _OWN_LINK.sub("\x01", text)


def assert_inert(text: str, allowed: set[str]) -> None:
    rest = made_links(text, allowed)
    assert "](" not in rest, text  # a masked link newsbot did not make
    assert not re.search(r"[A-Za-z][A-Za-z0-9+.-]*://", rest), text  # an autolink
    assert not re.search(r"@(everyone|here)|<@[!&]?\d", rest), text  # a mention that could ping
    assert "\u202e" not in text and "\u2066" not in text, text


def strings(obj: Any) -> list[str]:
    """Every string Discord shows from an embed or message."""
    if isinstance(obj, discord.Embed):
        d = obj.to_dict()
        out = [d.get("title", ""), d.get("description", "")]
        out += [d.get("author", {}).get("name", ""), d.get("footer", {}).get("text", "")]
        for f in d.get("fields", []):
            out += [f["name"], f["value"]]
        url = d.get("url")
        assert url in (None, OWN_URL), url
        return [s for s in out if s]
    return [obj]


def article(text: str) -> Article:
    return Article(
        id=7,
        guild_id=None,
        title=text[:300] or "t",
        paragraphs=[Paragraph("text", text or "x")],
        url=OWN_URL,
        subtitle=text,
        authors=[text],
        published=NOW,
        section=text,
        source=text,
        word_count=3,
        origin="text",
    )


def every_rendering(text: str) -> list[str]:
    a = article(text)
    quote = Quote(text=text or "q", speaker=text or None, kind="full", paragraph=0, score=1.0)
    listing = ArticleListing(7, text or "t", text, NOW, NOW, None, OWN_URL)
    hit = SearchHit(7, text or "t", f"\x02{text}\x03", 1.0, NOW, text)
    topic = Topic(1, 5, 6, text or "q", Schedule(), name=text or None, paused_reason=text or None)
    feed = Feed(id=1, url=OWN_URL, title=text or None, last_error=text or None)
    out: list[Any] = [
        article_card(a, SETTINGS),
        summary_embed(a, SummaryResult([text, text], "medium"), SETTINGS),
        quotes_embed(a, QuoteSelection([quote], 1), SETTINGS),
        quotes_embed(a, QuoteSelection([], 2, text or "x", [text]), SETTINGS),
        related_embed(
            a, RelatedResult([RelatedItem(7, text or "t", 1.0, NOW, text)]), SETTINGS, {7: OWN_URL}
        ),
        *search_pages(text, [hit], SETTINGS, {7: OWN_URL}),
        stats_embed(StoreStats(1, 1, {"text": 1}, 10, [listing]), SETTINGS, text),
        outcome_embed(
            IngestOutcome([IngestResult(text, "created", 7, text), IngestResult(text, "failed", error=text)]),
            1,
        ),
        announcement(feed, [NewItem(7, text or "t", OWN_URL)]),
        pause_notice(FeedSubscription(id=1, feed_id=1, guild_id=5, channel_id=6), feed, text),
        *render_digest(topic, Digest([DigestItem(7, text or "t", OWN_URL, text, text, 1.0)], 7, 3)),
        _topic_line(topic),
        describe(ArticleNotFound(text))[0],
    ]
    return [s for o in out for s in strings(o)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text)
def test_fuzz_every_builder_renders_hostile_text_inert(text: str) -> None:
    allowed = {link_target(OWN_URL) or "", OWN_URL}
    for rendered in every_rendering(text):
        assert_inert(rendered, allowed)


def test_the_reported_phishing_line_is_inert_everywhere() -> None:
    allowed = {link_target(OWN_URL) or "", OWN_URL}
    for rendered in every_rendering(PHISH):
        assert_inert(rendered, allowed)
    assert "](" not in parsed_text(escape(PHISH))


def test_one_escaping_rule() -> None:
    """cogs/formatting.escape is bot/markdown.escape: digests, announcements and embeds share it."""
    assert escape(PHISH) == md_escape(PHISH)


def test_a_feed_item_titled_with_a_url_is_not_a_link_to_another_url() -> None:
    feed = Feed(id=1, url="https://feed.example/rss", title="Feed")
    text = announcement(feed, [NewItem(9, "https://bank.example/login", "https://evil.example/a")])
    # shown as text (not clickable as the bank's address) and linked, if at all, to the item's own URL
    assert "https://bank.example/login" not in text
    assert_inert(text, {link_target("https://evil.example/a") or ""})
