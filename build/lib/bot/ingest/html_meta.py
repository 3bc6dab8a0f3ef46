"""Page metadata: trafilatura's fields we store, plus what it leaves coarse (exact time, language, dek)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime, time

from courlan import extract_domain
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_catstags,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

log = logging.getLogger(__name__)

_DATE_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "published_time",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "date",
)
_TOKEN = re.compile(r"\w+")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DEK_VOCAB_SHARE = 0.3  # a dek shares at least this much of its vocabulary with the article


def page_metadata(tree: HtmlElement, url: str | None, *, extensive_date: bool = True) -> Document:
    """trafilatura's `extract_metadata` limited to the fields we store (no tags, no licence).

    Same steps in the same order; `extensive_date=False` spares htmldate's search through the
    page text when the page declares its date (it then reads markup only). Never raises: a page
    whose metadata cannot be read still has a body worth keeping.
    """
    try:
        return _page_metadata(tree, url, extensive_date)
    except Exception as exc:  # trafilatura/htmldate bugs on odd markup
        log.debug("metadata extraction failed: %s", exc)
        return Document()


def _page_metadata(tree: HtmlElement, url: str | None, extensive_date: bool) -> Document:
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a single token is a handle or a site, not a byline
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as exc:  # trafilatura's JSON-LD reader has bugs on odd data
        log.debug("JSON-LD metadata failed: %s", exc)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    metadata.date = find_date(tree, extensive_search=extensive_date, original_date=True, url=metadata.url)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url and (match := META_URL.match(metadata.url)):
        metadata.sitename = match[1]
    if not metadata.categories:
        metadata.categories = extract_catstags("category", tree)
    metadata.clean_and_trim()
    return metadata


def _parse_iso(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _jsonld_dates(tree: HtmlElement) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                found.append(value)
            for v in node.values():
                if isinstance(v, (dict, list)):
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            walk(json.loads(script.text or ""))
        except ValueError:
            continue
    return found


def precise_published(tree: HtmlElement) -> datetime | None:
    """The first publication timestamp declared in JSON-LD or meta tags (with its time of day)."""
    candidates = _jsonld_dates(tree)
    by_name: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = meta.get("content")
        if key in _DATE_META and content and key not in by_name:
            by_name[key] = content
    candidates += [by_name[k] for k in _DATE_META if k in by_name]
    for tag in tree.iter("time"):
        if tag.get("itemprop", "").lower() == "datepublished" and tag.get("datetime"):
            candidates.append(tag.get("datetime", ""))
    for value in candidates:
        parsed = _parse_iso(value)
        if parsed is not None:
            return parsed
    return None


def published_datetime(day: str | None, precise: datetime | None) -> datetime | None:
    """trafilatura's day, refined by a declared timestamp on the same day; UTC when no zone is known."""
    parsed_day: date | None = None
    if day and _ISO_DAY.match(day):
        try:
            parsed_day = date.fromisoformat(day)
        except ValueError:
            parsed_day = None
    if precise is not None and (parsed_day is None or precise.date() == parsed_day):
        return precise
    if parsed_day is not None:
        return datetime.combine(parsed_day, time(0, 0), tzinfo=UTC)
    return None


def page_language(tree: HtmlElement) -> str | None:
    """Primary language subtag from <html lang>, Content-Language or og:locale."""
    values = [tree.get("lang"), tree.get("xml:lang")]
    for meta in tree.iter("meta"):
        key = (meta.get("http-equiv") or meta.get("property") or meta.get("name") or "").lower()
        if key in ("content-language", "og:locale", "language", "dc.language"):
            values.append(meta.get("content"))
    for value in values:
        if value:
            primary = re.split(r"[-_,; ]", value.strip())[0].lower()
            if re.fullmatch(r"[a-z]{2,3}", primary):
                return primary
    return None


def real_dek(description: str | None, title: str | None, body: str) -> str | None:
    """The page description if it reads as a standfirst: not the title, not the lead, about this text."""
    if not description:
        return None
    desc = " ".join(description.split())
    words = _TOKEN.findall(desc.lower())
    if len(words) < 5 or len(desc) > 400:
        return None
    if title and words == _TOKEN.findall(title.lower()):
        return None
    body_words = _TOKEN.findall(body.lower())
    joined_desc = " ".join(words).rstrip(".… ")
    lead = " ".join(body_words[: len(words) + 5])
    if desc.endswith(("...", "…")):
        joined_desc = " ".join(words[:-1]) if len(words) > 1 else joined_desc
    if lead.startswith(joined_desc) or joined_desc in " ".join(body_words):
        return None  # a copy (often cut) of the lead paragraph, not a dek
    vocab = set(body_words) | set(_TOKEN.findall((title or "").lower()))
    content = [w for w in words if len(w) > 3]
    if content and sum(w in vocab for w in content) < _DEK_VOCAB_SHARE * len(content):
        return None  # a generic site description
    return desc
