"""readability-lxml as a second opinion on an already parsed tree, without its costly link rewriting."""

from __future__ import annotations

import logging
from copy import deepcopy
from typing import Any

import lxml.html
from lxml.html import HtmlElement
from lxml_html_clean import Cleaner
from readability import Document
from readability.readability import REGEXES

from bot.ingest.html_blocks import html_paragraphs
from bot.models import Paragraph

log = logging.getLogger(__name__)

# Same removals as readability's own cleaner, minus `javascript=True`, whose per-link rewriting is
# half of readability's run time and changes no visible text.
_CLEANER = Cleaner(
    scripts=True, javascript=False, comments=True, style=True, links=True, meta=False,
    add_nofollow=False, page_structure=False, processing_instructions=True, embedded=False,
    frames=False, forms=False, annoying_tags=False, remove_unknown_tags=False,
    safe_attrs_only=False,
)


class _PreparsedDocument(Document):  # type: ignore[misc]
    """readability `Document` fed with a private copy of our tree; cleans it in place."""

    def _parse(self, input: Any) -> HtmlElement:
        doc: HtmlElement = input
        for elem in doc.xpath("//*[@hidden]"):
            elem.drop_tree()
        for elem in doc.xpath("//*[@style]"):
            if REGEXES["displayNoneRe"].search(elem.get("style") or ""):
                elem.drop_tree()
        _CLEANER(doc)
        return doc


def readability_paragraphs(tree: HtmlElement) -> list[Paragraph]:
    """Paragraphs of readability's main-content guess; empty when it finds nothing or fails."""
    try:
        summary = _PreparsedDocument(deepcopy(tree)).summary(html_partial=True)
    except Exception as exc:  # readability raises bare Exceptions on odd trees
        log.debug("readability failed: %s", exc)
        return []
    if not summary or not summary.strip():
        return []
    try:
        root = lxml.html.fromstring(summary)
    except (ValueError, lxml.etree.ParserError):
        return []
    return html_paragraphs(root)
