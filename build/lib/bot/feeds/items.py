"""Feed entry → the keys that identify it and the article to store.

Keys: the GUID, the canonical link and a hash of title + text. An entry is new only when none of its
keys was seen before, so a feed that changes an item's GUID (GUID churn) does not repost it."""

from __future__ import annotations

import hashlib

from bot.errors import ExtractionError
from bot.feeds.types import FeedEntry
from bot.ingest.dedupe import canonical_url
from bot.ingest.normalize import split_paragraphs
from bot.models import ExtractedArticle


def entry_keys(entry: FeedEntry) -> list[str]:
    keys: list[str] = []
    if entry.guid:
        keys.append("g:" + entry.guid)
    if entry.link:
        canon = canonical_url(entry.link)
        if canon:
            keys.append("u:" + canon)
    text = " ".join(f"{entry.title or ''} {entry.content_html or entry.summary or ''}".split()).lower()
    if text:
        keys.append("h:" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest())
    return keys


_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "tr",
    "section",
    "article",
}


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment with blank lines between blocks (scripts and styles dropped)."""
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return fragment
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCKS:
            el.tail = "\n\n" + (el.tail or "")
    return str(root.text_content())


def entry_article(entry: FeedEntry, *, feed_title: str | None) -> ExtractedArticle:
    """The item's own content as an article (the fallback when its link cannot be fetched)."""
    body = entry.content_html or entry.summary or ""
    paragraphs = split_paragraphs(html_to_text(body) if "<" in body else body) if body else []
    if not paragraphs and entry.title:
        paragraphs = split_paragraphs(entry.title)
    if not paragraphs:
        raise ExtractionError("the item has no title, text or link")
    return ExtractedArticle(
        paragraphs=paragraphs,
        title=entry.title,
        authors=list(entry.authors),
        published=entry.published,
        source=feed_title,
        url=entry.link,
    )
