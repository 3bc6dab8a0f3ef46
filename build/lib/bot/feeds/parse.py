"""Feed bytes → `ParsedFeed` (RSS 0.9x/1.0/2.0, Atom, JSON Feed) via feedparser, safely.

Safety, checked in tests/feeds/test_parse.py: feedparser strips every `<!ENTITY>` declaration from the
prolog before parsing (re-inserting only plain-text ones) and turns off external general entities, so
billion-laughs expansions and external-entity (XXE) reads never happen; the body is always handed over
as a byte stream, never as a string feedparser could mistake for a URL or a file path. A gzip body
(served without Content-Encoding) is inflated here under the same size cap as the fetcher's.
"""

from __future__ import annotations

import calendar
import html
import io
import json
import logging
import zlib
from datetime import UTC, datetime
from typing import Any

import feedparser

from bot.errors import FeedError
from bot.feeds.types import FeedEntry, ParsedFeed

log = logging.getLogger(__name__)

MAX_FEED_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 2000  # more than this is parsed but only the first ones are kept
_MAX_FIELD = 200_000


class NotAFeed(FeedError):
    """The document parsed as neither RSS, Atom nor JSON Feed (often an HTML page)."""

    reason = "not a feed"


class FeedTooLarge(FeedError):
    reason = "too large"


def _inflate(body: bytes, cap: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, cap + 1)
    except zlib.error as exc:
        raise NotAFeed(f"corrupt gzip body: {exc}") from exc
    if len(out) > cap or inflater.unconsumed_tail:
        raise FeedTooLarge(f"feed larger than {cap // (1024 * 1024)} MB once decompressed")
    return out


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:_MAX_FIELD] or None


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(entry, key)  # plain lookup: no feedparser key-mapping warning
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, OSError, TypeError):
                continue
    return None


def _content(entry: Any) -> str | None:
    best: str | None = None
    for block in entry.get("content") or []:
        value = _text(block.get("value")) if isinstance(block, dict) else None
        if value and (best is None or len(value) > len(best)):
            best = value
    return best


def _authors(entry: Any) -> list[str]:
    names: list[str] = []
    for author in entry.get("authors") or []:
        name = _text(author.get("name")) if isinstance(author, dict) else None
        if name and name not in names:
            names.append(name)
    if not names and _text(entry.get("author")):
        names.append(str(_text(entry.get("author"))))
    return names[:10]


def _link(entry: Any) -> str | None:
    link = _text(entry.get("link"))
    if link and link.lower().startswith(("http://", "https://")):
        return link
    guid = _text(entry.get("id"))
    if guid and guid.lower().startswith(("http://", "https://")) and entry.get("guidislink", True):
        return guid
    return None


def _looks_like_json_feed(body: bytes) -> bool:
    head = body.lstrip()[:1]
    return head in (b"{", b"[")


def parse_feed(body: bytes, *, url: str | None = None, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document; raises NotAFeed / FeedTooLarge with a reason meant for a person."""
    if body[:2] == b"\x1f\x8b":
        body = _inflate(body, MAX_FEED_BYTES)
    if len(body) > MAX_FEED_BYTES:
        raise FeedTooLarge(f"feed larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
    if not body.strip():
        raise NotAFeed("the document is empty")
    if _looks_like_json_feed(body):
        return parse_json_feed(body)
    headers = {"content-location": url} if url else {}
    if content_type:
        headers["content-type"] = content_type
    try:
        result = feedparser.parse(io.BytesIO(body), response_headers=headers, resolve_relative_uris=True)
    except Exception as exc:  # feedparser is defensive, but a parser bug must not crash a poller
        log.warning("feedparser crashed", extra={"url": url, "error": repr(exc)})
        raise NotAFeed(f"unreadable feed ({type(exc).__name__})") from exc
    version = str(result.get("version") or "")
    entries = result.get("entries") or []
    feed = result.get("feed") or {}
    if not version and not entries:
        if result.get("bozo"):
            raise NotAFeed(f"not a feed: {_one_line(result.get('bozo_exception'))}")
        raise NotAFeed("not a feed (no RSS, Atom or JSON Feed found)")
    items = [_entry(e) for e in entries[:MAX_ENTRIES]]
    bozo = _one_line(result.get("bozo_exception")) if result.get("bozo") else None
    return ParsedFeed(
        kind=version or "unknown",
        title=_text(feed.get("title")),
        link=_text(feed.get("link")),
        entries=items,
        bozo=bozo,
    )


def _entry(entry: Any) -> FeedEntry:
    guid = _text(entry.get("id")) or _text(entry.get("guid"))
    return FeedEntry(
        guid=guid[:1000] if guid else None,
        link=_link(entry),
        title=_text(entry.get("title")),
        content_html=_content(entry),
        summary=_text(entry.get("summary")),
        published=_when(entry),
        authors=_authors(entry),
    )


def parse_json_feed(body: bytes) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org); feedparser 6.0 does not read it."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAFeed(f"invalid JSON: {_one_line(exc)}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise NotAFeed("JSON document is not a JSON Feed (no items list)")
    version = str(data.get("version") or "")
    kind = "json11" if version.endswith("1.1") else "json10" if "jsonfeed" in version else "json"
    entries = []
    for item in data["items"][:MAX_ENTRIES]:
        if not isinstance(item, dict):
            continue
        authors = [a.get("name") for a in item.get("authors") or [] if isinstance(a, dict)]
        if isinstance(item.get("author"), dict):
            authors.append(item["author"].get("name"))
        link = _text(item.get("url")) or _text(item.get("external_url"))
        if link and not link.lower().startswith(("http://", "https://")):
            link = None
        guid = item.get("id")
        entries.append(
            FeedEntry(
                guid=str(guid)[:1000] if guid not in (None, "") else None,
                link=link,
                title=_text(item.get("title")),
                content_html=_text(item.get("content_html"))
                or _html_from_text(_text(item.get("content_text"))),
                summary=_text(item.get("summary")),
                published=_iso(item.get("date_published")) or _iso(item.get("date_modified")),
                authors=[a for a in (_text(x) for x in authors) if a][:10],
            )
        )
    return ParsedFeed(kind, _text(data.get("title")), _text(data.get("home_page_url")), entries)


def _iso(value: object) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _html_from_text(text: str | None) -> str | None:
    if not text:
        return None
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _one_line(value: object) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    return text[:200] or "unknown error"
