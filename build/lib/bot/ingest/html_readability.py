"""readability-lxml as a second opinion on an already parsed tree, with its slow spots rewritten.

The rewritten methods decide exactly what readability's own do (same rules, same order) but in
lxml's C code: readability serialises every <div>'s subtree to look for block tags (quadratic on
nested layouts), runs three regexes over every link's text to measure it, and formats debug
messages it never logs. Its link rewriting (`javascript=True` in its cleaner) changes no visible
text and is skipped.
"""

from __future__ import annotations

import logging
import re
from copy import deepcopy
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from readability import Document
from readability.readability import REGEXES, clean

from bot.ingest.html_blocks import html_paragraphs
from bot.models import Paragraph

log = logging.getLogger(__name__)

# Removed before readability looks: what its own cleaner and `summary()` drop anyway (scripts,
# styles, comments, <link>), plus <template> and <svg>, whose text is never article text.
_JUNK_TAGS = (
    "script",
    "style",
    "noscript",
    "link",
    "template",
    "svg",
    etree.Comment,
    etree.ProcessingInstruction,
)
_HIDDEN = etree.XPath("//*[@hidden]")
_STYLED = etree.XPath("//*[@style]")
_CLASSED = etree.XPath("//*[@class or @id]")
_PROTECTED = etree.XPath(
    "boolean(ancestor-or-self::pre | ancestor-or-self::code | descendant-or-self::main"
    " | descendant-or-self::article | descendant-or-self::math)"
)
# readability's `divToPElementsRe` ("<(blockquote|dl|div|img|ol|p|pre|table|ul)") run over
# serialised children matches a descendant whose tag starts so; these are the HTML tags that do
# (the parser lower-cases tag names; scripts, whose raw text could also match, are gone).
_BLOCK_TAGS = (
    "blockquote",
    "dl",
    "div",
    "img",
    "ol",
    "p",
    "pre",
    "table",
    "ul",
    "param",
    "picture",
    "plaintext",
    "progress",
)
# readability's class/id patterns are case-insensitive alternations, slow in `re`; the same
# patterns searched in lower-cased text answer the same about seven times faster.
_UNLIKELY, _MAYBE, _POSITIVE, _NEGATIVE = (
    re.compile(REGEXES[name].pattern)
    for name in ("unlikelyCandidatesRe", "okMaybeItsACandidateRe", "positiveRe", "negativeRe")
)
# A whitespace run without a line break that holds more than plain spaces: `clean` may count it
# as more than one character (it collapses only newline runs and spaces/tabs).
_ODD_RUN = re.compile(r"(?<!\s)(?=[^\S\n]*[^\S \n])[^\S\n]{2,}(?!\s)")
_INLINE = {"a", "b", "cite", "code", "em", "font", "i", "small", "span", "strong", "sub", "sup", "u"}


def _has_block(elem: HtmlElement) -> bool:
    return next(elem.iterdescendants(*_BLOCK_TAGS), None) is not None


def _text_length(elem: HtmlElement) -> int:
    """len(readability.clean(text)), the measure of its link density, without its three regex passes.

    Every whitespace run counts one character either way, except runs without a line break that
    mix in tabs or other spaces (no-break, thin...): those texts go through `clean` itself.
    """
    text = elem.text_content() or ""
    if _ODD_RUN.search(text):
        return len(clean(text))
    return len(" ".join(text.split()))


class _PreparsedDocument(Document):  # type: ignore[misc]
    """readability `Document` over our parsed tree; each pass works on a fresh private copy."""

    def _parse(self, input: Any) -> HtmlElement:
        doc: HtmlElement = deepcopy(input)
        etree.strip_elements(doc, *_JUNK_TAGS, with_tail=False)
        for elem in _HIDDEN(doc):
            elem.drop_tree()
        for elem in _STYLED(doc):
            if REGEXES["displayNoneRe"].search(elem.get("style") or ""):
                elem.drop_tree()
        return doc

    def get_link_density(self, elem: HtmlElement) -> float:
        link_length = sum(_text_length(a) for a in elem.iterfind(".//a"))
        return float(link_length) / max(_text_length(elem), 1)

    def class_weight(self, e: HtmlElement) -> int:
        """readability's weight (we pass no extra keyword patterns): +-25 per matching class/id."""
        weight = 0
        for feature in (e.get("class"), e.get("id")):
            if feature:
                feature = feature.lower()
                if _NEGATIVE.search(feature):
                    weight -= 25
                if _POSITIVE.search(feature):
                    weight += 25
        return weight

    def remove_unlikely_candidates(self) -> None:
        for elem in _CLASSED(self.html):
            s = "{} {}".format(elem.get("class", ""), elem.get("id", "")).lower()
            if (
                _UNLIKELY.search(s)
                and not _MAYBE.search(s)
                and elem.tag not in ("html", "body")
                and not _PROTECTED(elem)
            ):
                elem.drop_tree()

    def transform_misused_divs_into_paragraphs(self) -> None:
        """readability's method with its two serialise-and-regex tests done by one XPath each."""
        for elem in self.tags(self.html, "div"):
            if not _has_block(elem):
                elem.tag = "p"
        for elem in self.tags(self.html, "div"):
            children = list(elem)
            paragraph = None
            if elem.text and elem.text.strip():
                p = lxml.html.fragment_fromstring("<p/>")
                p.text = elem.text
                elem.text = None
                elem.insert(0, p)
                paragraph = p
            for child in children:
                if child.tag == "br":
                    paragraph = None
                    continue
                if child.tag not in _INLINE or _has_block(child):
                    paragraph = None
                    continue
                if paragraph is None:
                    paragraph = lxml.html.fragment_fromstring("<p/>")
                    child.addprevious(paragraph)
                paragraph.append(child)
            for pos, child in reversed(list(enumerate(elem))):
                if child.tail and child.tail.strip():
                    p = lxml.html.fragment_fromstring("<p/>")
                    p.text = child.tail
                    child.tail = None
                    elem.insert(pos + 1, p)
                if child.tag == "br":
                    child.drop_tree()


def readability_paragraphs(tree: HtmlElement) -> list[Paragraph]:
    """Paragraphs of readability's main-content guess; empty when it finds nothing or fails.

    `tree` is not changed: every readability pass (it retries leniently) parses a copy.
    """
    try:
        summary = _PreparsedDocument(tree).summary(html_partial=True)
    except Exception as exc:  # readability raises bare Exceptions on odd trees
        log.debug("readability failed: %s", exc)
        return []
    if not summary or not summary.strip():
        return []
    try:
        root = lxml.html.fromstring(summary)
    except (ValueError, etree.ParserError):
        return []
    return html_paragraphs(root)
