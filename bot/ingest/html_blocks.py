"""Turn extractor output trees into ordered `Paragraph` lists (text blocks and headings)."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from bot.models import Paragraph

_SPACE = re.compile(r"\s+")
# Escaped zero-width characters show up literally in some scraped pages; real ones are dropped too.
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def clean_text(text: str) -> str:
    """Collapse whitespace and drop invisible characters."""
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def _text_of(el: etree._Element) -> str:
    return clean_text("".join(el.itertext()))


def _lines_of(el: etree._Element) -> list[str]:
    """Text of a block, split at its line breaks (`<lb/>`), each line cleaned; empty lines dropped."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.tag == "lb":
            parts.append("\n")
        elif node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return [line for line in (clean_text(x) for x in "".join(parts).split("\n")) if line]


def _tail(el: etree._Element, out: list[Paragraph]) -> None:
    tail = clean_text(el.tail or "")
    if tail:
        out.append(Paragraph("text", tail))


# --- trafilatura's XML-like body (p, head, list/item, quote, table/row/cell, graphic, lb, hi, ref, code) ---

_TRAF_CONTAINERS = {"div", "main", "body", "quote", "list", "table", "item", "cell", "row", "section"}
_TRAF_BLOCKS = {"p", "head", "code", "quote", "list", "table", "item", "row", "cell", "div", "graphic"}


def _has_block_child(el: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag in _TRAF_BLOCKS for c in el)


def trafilatura_paragraphs(body: etree._Element | None) -> list[Paragraph]:
    """Flatten trafilatura's output body into paragraphs; list items and table rows become one each."""
    out: list[Paragraph] = []
    if body is None:
        return out
    _walk_traf(body, out, top=True)
    return out


def _walk_traf(el: etree._Element, out: list[Paragraph], top: bool = False) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if (
        not top
        and tag not in _TRAF_CONTAINERS
        or (tag in _TRAF_CONTAINERS and not top and not _has_block_child(el))
        or (tag == "row" and not top)  # its cells are blocks too, but a row is one paragraph
    ):
        if tag == "row":
            cells = [_text_of(c) for c in el]
            text = clean_text(" ".join(c for c in cells if c))
        else:
            text = ""
            for line in _lines_of(el):
                out.append(Paragraph("heading" if tag == "head" else "text", line))
        if text:
            out.append(Paragraph("text", text))
        if not top:
            _tail(el, out)
        return
    lead = clean_text(el.text or "")
    if lead:
        out.append(Paragraph("text", lead))
    for child in el:
        if not isinstance(child.tag, str):
            _tail(child, out)
            continue
        _walk_traf(child, out)
    if not top:
        _tail(el, out)


# --- ordinary HTML (readability-lxml's summary) ---

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HTML_BLOCKS = _HEADINGS | {
    "p",
    "div",
    "section",
    "article",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "tbody",
    "thead",
    "tfoot",
    "figure",
    "figcaption",
    "header",
    "footer",
    "main",
    "aside",
    "br",
    "hr",
    "form",
    "center",
    "body",
    "html",
    "address",
    "details",
    "summary",
    "caption",
}


def html_paragraphs(root: HtmlElement) -> list[Paragraph]:
    """Split an HTML fragment into block-level paragraphs (inline markup is merged into its block)."""
    out: list[Paragraph] = []
    buf: list[str] = []

    def flush(kind: str = "text") -> None:
        text = clean_text("".join(buf))
        buf.clear()
        if text:
            out.append(Paragraph("heading" if kind == "heading" else "text", text))

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style", "noscript", "template"):
            if el.tail:
                buf.append(el.tail)
            return
        block = tag in _HTML_BLOCKS
        if block:
            flush()
        if el.text and tag:
            buf.append(el.text)
        for child in el:
            walk(child)
        if block:
            flush("heading" if tag in _HEADINGS else "text")
        if el.tail:
            buf.append(el.tail)

    walk(root)
    flush()
    return out
