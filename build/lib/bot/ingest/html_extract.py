"""Article body and metadata from one HTML page.

Body: trafilatura (precision, fast mode) checked against readability-lxml (see `html_fusion`), both
run on one parsed tree (each works on its own copy). Metadata: trafilatura's readers for the fields
we store, refined by `html_meta`. About 23 ms of CPU per news page (bench/extraction.py).
"""

from __future__ import annotations

import logging
import re

from lxml import etree
from lxml.etree import _Element
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.settings import Document
from trafilatura.utils import load_html

from bot.errors import ExtractionError
from bot.ingest.html_blocks import clean_text, trafilatura_paragraphs
from bot.ingest.html_decode import decode_html
from bot.ingest.html_fusion import fuse, prefer_referee
from bot.ingest.html_meta import page_language, page_metadata, precise_published, published_datetime, real_dek
from bot.ingest.html_readability import readability_paragraphs
from bot.models import ExtractedArticle, Paragraph, join_body

log = logging.getLogger(__name__)

MIN_WORDS = 25  # less than this is a stub, an error page or a gallery, not an article
MAX_CHARS = 5_000_000  # beyond this the page is cut (lxml copes; extractors get slow)
# News pages hold a few thousand elements (scripts, styles and SVG not counted); past this the
# second opinion and htmldate's text search are skipped so that time stays bounded (roughly linear
# in the page: a 60,000-element page takes 1-3 s, mostly trafilatura's byline and date searches).
HEAVY_ELEMENTS = 20_000
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
_TAG = re.compile(r"<\s*[a-zA-Z!/?]")
_WORD = re.compile(r"\w+")


def _check_markup(text: str) -> None:
    sample = text[:20_000]
    if not sample.strip():
        raise ExtractionError("the page is empty")
    if len(_CONTROL.findall(sample)) > 0.02 * len(sample):
        raise ExtractionError("the input is binary data, not an HTML page")
    if not _TAG.search(sample):
        raise ExtractionError("the input has no HTML markup")


# Never text, and dropped by both extractors anyway, but costly for their per-element XPaths and
# regexes if left in: scripts (all but JSON-LD, which trafilatura reads), styles, SVG, comments.
_JUNK = ("script", "style", "noscript", "template", "svg", etree.Comment, etree.ProcessingInstruction)
_ELEMENT_COUNT = etree.XPath("count(//*)")  # counted in C, no Python object per element
_JSON_LD = etree.XPath('//script[@type="application/ld+json"]')


def _strip_junk(tree: HtmlElement) -> None:
    json_ld = _JSON_LD(tree)
    for script in json_ld:
        script.tag = "json-ld"  # spared by strip_elements below
    etree.strip_elements(tree, *_JUNK, with_tail=False)
    for script in json_ld:
        script.tag = "script"


def _unstructured(body: _Element) -> bool:
    """trafilatura's test for a structurally deficient body: no paragraph text, or more tables than paragraphs."""
    return not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(body.findall(".//p"))


def _authors(raw: str | None) -> list[str]:
    if not raw:
        return []
    seen: list[str] = []
    for name in (clean_text(n) for n in raw.split(";")):
        if name and name not in seen:
            seen.append(name)
    return seen


def _drop_title_heading(paragraphs: list[Paragraph], title: str | None) -> list[Paragraph]:
    """The page title repeated as the first heading belongs in `title`, not the body."""
    if paragraphs and title and paragraphs[0].kind == "heading":
        if _WORD.findall(paragraphs[0].text.lower()) == _WORD.findall(title.lower()):
            return paragraphs[1:]
    return paragraphs


def extract_html(html: str | bytes, *, url: str | None = None) -> ExtractedArticle:
    """Body + metadata of the article on one HTML page. Raises errors.ExtractionError if it holds no article."""
    text = decode_html(html) if isinstance(html, bytes) else html
    _check_markup(text)
    if len(text) > MAX_CHARS:
        log.info("page of %d characters cut to %d", len(text), MAX_CHARS)
        text = text[:MAX_CHARS]
    tree = load_html(text)
    if tree is None:
        raise ExtractionError("the page could not be parsed as HTML")

    _strip_junk(tree)
    heavy = _ELEMENT_COUNT(tree) > HEAVY_ELEMENTS
    if heavy:
        log.info("heavy page (%s): fast extraction only", url or "no url")
    precise = precise_published(tree)
    meta = page_metadata(tree, url, extensive_date=precise is None and not heavy)
    # Fast mode: trafilatura's own fallbacks are replaced by the readability referee below.
    found = bare_extraction(
        tree,
        url=url,
        fast=True,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
    )
    traf_body = found.body if isinstance(found, Document) else None
    base = trafilatura_paragraphs(traf_body)
    referee = [] if heavy else readability_paragraphs(tree)
    if prefer_referee(base, referee, base_unstructured=traf_body is not None and _unstructured(traf_body)):
        paragraphs = referee
    else:
        paragraphs = fuse(base, referee)
    paragraphs = _drop_title_heading(paragraphs, meta.title)

    body = join_body(paragraphs)
    if len(_WORD.findall(body)) < MIN_WORDS:
        raise ExtractionError("no article text found on the page")

    categories = [c for c in (meta.categories or []) if c]
    return ExtractedArticle(
        paragraphs=paragraphs,
        title=clean_text(meta.title) if meta.title else None,
        subtitle=real_dek(meta.description, meta.title, body),
        authors=_authors(meta.author),
        published=published_datetime(meta.date, precise),
        section=categories[0] if categories else None,
        source=meta.sitename or None,
        language=meta.language or page_language(tree),
        url=url,
        canonical_url=meta.url or None,
        image=meta.image or None,
    )
