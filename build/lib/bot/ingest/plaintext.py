"""Plain-text page cleaning: a page copied or scraped as text -> the main article (+ teasers of others).

No markup survives in a flattened page, so the work is done on lines: each line is labelled
(`plaintext_lines`), the page is cut into runs of prose at article-ending markers and long non-prose gaps,
the densest run is the main article, and the lines just above it give title, dek, byline and section.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

from bot.errors import ExtractionError
from bot.ingest.plaintext_lines import (
    Kind,
    Line,
    byline_names,
    classify,
    is_caption_hint,
    is_credit,
    is_date_line,
    is_genre_label,
    is_inline_marker,
)
from bot.ingest.plaintext_normalize import normalize_text
from bot.ingest.plaintext_quotes import is_pull_quote
from bot.models import FLAG_PAYWALLED, FLAG_TEASER, ExtractedArticle, Paragraph

log = logging.getLogger(__name__)

MAX_GAP = 8.0  # weighted non-prose lines allowed inside one article region
MAX_JOIN_GAP = 20  # short-text lines allowed between two runs joined after the main one is chosen
SHORT_MIN_WORDS = 3  # shorter non-prose lines inside the body are kept only as headings
TAIL_COST = 6.0  # value of one short line when trimming the end of the main run
HEADER_WINDOW = 12  # lines above a region searched for title/byline/section
MIN_TEASER_WORDS = 30
TEXT_SHORT_WORDS = 4  # a short line this long that reads like text (not a headline) ...
TEXT_BLOCK_MIN = 3  # ... and a block of at least this many of them continues the body


@dataclass(slots=True)
class Region:
    start: int  # index into the line list, first prose line
    end: int  # last prose line, inclusive
    words: int


def clean_page_text(text: str, *, url: str | None = None) -> list[ExtractedArticle]:
    """A page copied/scraped as plain text -> the main article first, then any teasers of other articles
    (flagged models.FLAG_TEASER). Raises errors.ExtractionError when there is no article text."""
    lines = _lines(normalize_text(text))
    if not any(line.words for line in lines):
        raise ExtractionError("the text holds no article")
    regions = _regions(lines)
    if not regions:
        # Nothing looks like running prose: a very short note. Keep every non-furniture line.
        title = next((ln.text for ln in lines if ln.md_level == 1), None)
        paragraphs = [
            Paragraph("heading" if ln.md_level else "text", ln.text)
            for ln in lines
            if ln.kind is Kind.SHORT and ln.words and ln.text != title
        ]
        if not paragraphs:
            raise ExtractionError("the text holds no article")
        return [ExtractedArticle(paragraphs=paragraphs, title=title, url=url)]
    slug = _slug_words(url)
    main = _trim_tail(
        lines, _extend(lines, regions, max(regions, key=lambda r: _region_score(lines, r, slug)))
    )
    block_end, _ = _text_block_end(lines, main)
    main = Region(main.start, block_end, main.words)
    article = _build(lines, main, url)
    if not article.paragraphs:
        raise ExtractionError("the text holds no article")
    if any(line.paywall for line in lines):
        article.flags.add(FLAG_PAYWALLED)
    out = [article]
    for region in regions:
        if region.start <= main.end or region.words < MIN_TEASER_WORDS:
            continue
        teaser = _build(lines, region, url, need_title=True)
        if teaser.title and teaser.paragraphs:
            teaser.flags.add(FLAG_TEASER)
            out.append(teaser)
    log.debug("plain text: %d lines, %d regions, main %d-%d", len(lines), len(regions), main.start, main.end)
    return out


# ---------------------------------------------------------------------------------------------- lines


def _unwrap(raw_lines: list[str]) -> list[tuple[str, bool]]:
    """Join hard-wrapped paragraphs (a block of similar-length lines) back into one line each.

    Returns (line, blank_before) for every non-blank line.
    """
    blocks: list[list[str]] = [[]]
    for line in raw_lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    out: list[tuple[str, bool]] = []
    for block in blocks:
        if not block:
            continue
        if _is_wrapped(block):
            out.append((" ".join(block), True))
        else:
            out.extend((line, i == 0) for i, line in enumerate(block))
    return out


_STRUCTURAL = re.compile(r"^(?:[*+•\-–>|#]|\d{1,2}[.)]\s)")


def _is_wrapped(block: list[str]) -> bool:
    if len(block) < 2:
        return False
    head = block[:-1]
    if any(_STRUCTURAL.match(line) for line in block):
        return False
    lengths = [len(line) for line in head]
    if min(lengths) < 40 or max(lengths) > 120 or max(lengths) - min(lengths) > 35:
        return False
    if len(block[-1]) > max(lengths) + 5:
        return False
    # A wrapped paragraph breaks mid-sentence somewhere.
    return any(not re.search(r"[.!?:;\"”’)]$", line) for line in head)


def _lines(text: str) -> list[Line]:
    pairs = _unwrap(text.split("\n"))
    counts = Counter(line for line, _ in pairs)
    lines = [classify(line, i, counts[line], blank) for i, (line, blank) in enumerate(pairs)]
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for i, (raw, _) in enumerate(pairs):
        first.setdefault(raw, i)
        last[raw] = i
    for line in lines:
        line.first, line.last = first[line.raw], last[line.raw]
    return lines


def _repeated_outside(line: Line, region: Region) -> bool:
    """Repeated elsewhere on the page, outside this region: site furniture. Repeats only inside are structure."""
    return line.repeated > 1 and (line.first < region.start or line.last > region.end)


def _is_prose(line: Line) -> bool:
    return line.kind is Kind.PROSE and not (line.bullet and line.words < 15 and not line.punct_end)


_ELLIPSIS_END = re.compile(r"(?:…|\.\.\.|\[…\]|\[\.\.\.\])$")
_INNER_DIGIT = re.compile(r"\D\d")  # a figure after the first character: a table row, a date, a quantity
_DIGIT = re.compile(r"\d")
_CAP_WORD = re.compile(r"\b[^\W\d_]{4,}\b")


def _is_title_case(text: str) -> bool:
    """Headline capitalisation ("Why Breakfast Really Does Matter"): most longer words after the first capitalised."""
    long_words = _CAP_WORD.findall(text)[1:]
    return len(long_words) >= 2 and sum(w[0].isupper() for w in long_words) >= 0.6 * len(long_words)


def _is_text_short(line: Line, region: Region | None = None) -> bool:
    """A short line that reads like body text (list item, table row, one-line paragraph), not like a link or label.

    Bodies made of such lines (recipes, tables, bullet lists) would otherwise fall apart into prose-less gaps.
    Within a known region, lines repeated only inside it (a recipe's structure) still count.
    """
    if line.kind is not Kind.SHORT or line.md_level or line.words < TEXT_SHORT_WORDS:
        return False
    if line.repeated > 1 if region is None else _repeated_outside(line, region):
        return False
    text = line.text
    if _ELLIPSIS_END.search(text) or (_is_title_case(text) and not _INNER_DIGIT.search(text)):
        return False
    return not (is_date_line(text) or is_credit(text) or is_genre_label(text) or _is_byline(line))


# -------------------------------------------------------------------------------------------- regions


def _gap_cost(line: Line) -> float:
    """How much a non-prose line separates two prose lines: page furniture more than a short text line."""
    if line.kind is Kind.BOILER or line.bullet or line.repeated > 1:
        return 2.0
    if line.words == 0:
        return 1.5
    return 1.0


def _regions(lines: list[Line]) -> list[Region]:
    """Runs of prose lines, cut at end markers and where the non-prose gap between them grows too costly."""
    regions: list[Region] = []
    current: Region | None = None
    gap = 0.0
    for i, line in enumerate(lines):
        if line.kind is Kind.END:
            current, gap = None, 0.0
            continue
        if _is_prose(line):
            weight = line.words if not line.bullet else line.words // 2
            if line.repeated > 1:
                weight //= 2
            if current is None or gap > MAX_GAP:
                current = Region(i, i, 0)
                regions.append(current)
            current.end = i
            current.words += weight
            gap = 0.0
        elif current is not None:
            gap += _gap_cost(line)
    return regions


_SLUG_SPLIT = re.compile(r"[^a-z0-9]+")


def _slug_words(url: str | None) -> set[str]:
    if not url:
        return set()
    path = re.sub(r"^[a-z]+://[^/]+", "", url.lower()).split("?")[0]
    best = max(path.split("/"), key=lambda part: part.count("-") + part.count("_"), default="")
    words = {w for w in _SLUG_SPLIT.split(best) if len(w) > 2 and not w.isdigit()}
    return words if len(words) >= 3 else set()


def _is_listing(lines: list[Line], region: Region) -> bool:
    """Comments or a list of items: several stand-alone date lines inside the run."""
    dates = sum(
        1
        for ln in lines[region.start : region.end + 1]
        if ln.kind is not Kind.PROSE and is_date_line(ln.text)
    )
    return dates >= 2


def _extend(lines: list[Line], regions: list[Region], main: Region) -> Region:
    """Join the following runs that are only separated by short text (no end marker, no listing), and the runs
    just above that are only separated by an in-text related box."""
    merged = Region(main.start, main.end, main.words)
    for nxt in regions:
        if nxt.start <= merged.end:
            continue
        between = lines[merged.end + 1 : nxt.start]
        ends = [ln for ln in between if ln.kind is Kind.END]
        if len(between) > MAX_JOIN_GAP:
            break
        if ends and (
            len(between) > 8
            or nxt.words < 40
            or _is_teaser_list(lines, nxt)
            or not all(is_inline_marker(ln.text) for ln in ends)
        ):
            break
        if any(ln.kind is Kind.BOILER for ln in between) and len(between) > 4:
            break
        if _is_listing(lines, nxt):
            break
        merged = Region(merged.start, nxt.end, merged.words + nxt.words)
    # Backwards only across an in-text related box: the article's first paragraphs sit above it.
    for prev in reversed(regions):
        if prev.end >= merged.start:
            continue
        between = lines[prev.end + 1 : merged.start]
        ends = [ln for ln in between if ln.kind is Kind.END]
        if not ends or len(between) > 8 or not all(is_inline_marker(ln.text) for ln in ends):
            break
        if prev.words < 40 or _is_teaser_list(lines, prev) or _is_listing(lines, prev):
            break
        if sum(ln.kind is Kind.BOILER for ln in between) > 1:
            break
        merged = Region(prev.start, merged.end, merged.words + prev.words)
    return merged


def _line_value(line: Line, region: Region) -> float:
    if _is_prose(line):
        return float(line.words)
    if line.kind is Kind.BOILER or _repeated_outside(line, region):
        return -2 * TAIL_COST
    return -TAIL_COST


def _trim_tail(lines: list[Line], region: Region) -> Region:
    """End the run where its running value peaks: a sparse tail of short lines is not article."""
    total, best, best_end = 0.0, float("-inf"), region.end
    for i in range(region.start, region.end + 1):
        total += _line_value(lines[i], region)
        if _is_prose(lines[i]) and total > best:
            best, best_end = total, i
    words = sum(ln.words for ln in lines[region.start : best_end + 1] if _is_prose(ln))
    return Region(region.start, best_end, words)


def _text_block_end(lines: list[Line], region: Region) -> tuple[int, int]:
    """(last line, words) of the block of text-like short lines that directly continues a run, or (end, 0).

    A recipe, a table or a list of short items after the prose is body; it ends at furniture (an end marker,
    boilerplate, a line repeated elsewhere on the page) or after a few label-like lines in a row.
    """
    last, words, texts, others, misses = region.end, 0, 0, 0, 0
    for i in range(region.end + 1, min(len(lines), region.end + 400)):
        line = lines[i]
        if (
            line.kind in (Kind.END, Kind.BOILER)
            or _repeated_outside(line, region)
            or line.bullet
            and line.words < 4
        ):
            break
        if _is_prose(line) or _is_text_short(line, region):
            texts += 1
            words += line.words
            last, misses = i, 0
        elif line.kind is Kind.SHORT and line.words:
            others += 1
            misses += 1
            if misses > 3:
                break
    block = [ln for ln in lines[region.end + 1 : last + 1] if _is_prose(ln) or _is_text_short(ln, region)]
    if texts < TEXT_BLOCK_MIN or texts < others:
        return region.end, 0
    # Items and rows carry figures or end like sentences; a list of headline links does neither.
    figures = sum(1 for ln in block if _DIGIT.search(ln.text))
    sentences = sum(1 for ln in block if ln.punct_end)
    if figures < 0.5 * len(block) and sentences < 0.2 * len(block):
        return region.end, 0
    return last, words


def _is_teaser_list(lines: list[Line], region: Region) -> bool:
    """Headline + blurb pairs: most prose lines directly follow a title-like line."""
    prose = [i for i in range(region.start, region.end + 1) if _is_prose(lines[i])]
    paired = sum(1 for i in prose if i > 0 and lines[i - 1].kind is Kind.SHORT and _title_like(lines[i - 1]))
    return len(prose) >= 3 and paired / len(prose) >= 0.6


def _region_score(lines: list[Line], region: Region, slug: set[str]) -> float:
    """Prose words, discounted for teaser lists (headline + blurb pairs) and boosted by an article header."""
    score = float(region.words)
    if _is_teaser_list(lines, region):
        score *= 0.3
    if _is_listing(lines, region):
        score *= 0.3
    before = lines[max(0, region.start - 8) : region.start]
    if any(_is_byline(ln) or is_date_line(ln.text, 24) for ln in before if ln.kind is not Kind.PROSE):
        score *= 1.3
    if slug:
        for ln in lines[max(0, region.start - 15) : region.start + 1]:
            tokens = set(_SLUG_SPLIT.split(ln.text.lower()))
            if len(slug & tokens) >= 0.6 * len(slug):
                score *= 1.5
                break
    if lines and region.start > 0.85 * len(lines):
        score *= 0.5
    return score


# --------------------------------------------------------------------------------------------- header


def _is_byline(line: Line) -> list[str] | None:
    if line.kind is not Kind.SHORT or line.bullet or line.words > 16:
        return None
    return byline_names(line.text)


def _is_header_marker(line: Line) -> bool:
    """Lines that sit between a headline block and the body: byline, date, genre label, photo credit."""
    if line.kind not in (Kind.SHORT, Kind.BOILER):
        return False
    return bool(
        _is_byline(line) or is_date_line(line.text) or is_genre_label(line.text) or is_credit(line.text)
    )


def _title_like(line: Line) -> bool:
    if line.kind is not Kind.SHORT or line.bullet and not line.md_level:
        return False
    if not 2 <= line.words <= 30 or line.text.endswith((".", ",", ";")):
        return False
    if (
        is_credit(line.text)
        or is_date_line(line.text)
        or is_genre_label(line.text)
        or is_caption_hint(line.text)
    ):
        return False
    return line.text[:1].isupper() or line.text[:1].isdigit() or line.text[:1] in "\"'“‘"


def _opens_document(lines: list[Line], i: int) -> bool:
    """The file's first line, set apart by a blank line: a title even when it is only two words
    ("Заголовок статьи"), where elsewhere on a page two words are more often a label or a site name."""
    return i == 0 and len(lines) > 1 and lines[1].blank_before


def _body_start(lines: list[Line], region: Region) -> int:
    """The first body line: after the byline/credit/label lines that follow a dek or lead photo caption."""
    start = region.start
    prose_words = 0
    limit = min(region.end, region.start + 10)
    for i in range(region.start, limit + 1):
        line = lines[i]
        if _is_prose(line):
            prose_words += line.words
            if prose_words > 120:
                break
        elif _is_header_marker(line) or (line.kind is Kind.SHORT and _is_caption_line(lines, i)):
            start = i + 1
    while start <= region.end and not _is_prose(lines[start]):
        start += 1
    return start if start <= region.end else region.start


@dataclass(slots=True)
class Header:
    title: str | None = None
    subtitle: str | None = None
    section: str | None = None
    authors: list[str] | None = None


def _header(lines: list[Line], region: Region, body_start: int) -> Header:
    header = Header()
    lo = max(0, region.start - HEADER_WINDOW)
    # Stop at an article-ending marker: what lies above it belongs to something else.
    for i in range(region.start - 1, lo - 1, -1):
        if lines[i].kind is Kind.END:
            lo = i + 1
            break
    window = range(lo, body_start)
    for i in window:
        if lines[i].md_level == 1:
            header.title = lines[i].text
            title_at = i
            break
    else:
        title_at = -1
        # The dek is the first prose line of the region when header lines separate it from the body.
        anchor = region.start if region.start < body_start else body_start
        for i in range(anchor - 1, lo - 1, -1):
            if (
                _title_like(lines[i])
                and not _is_byline(lines[i])
                and (lines[i].words >= 3 or _opens_document(lines, i))
            ):
                header.title, title_at = lines[i].text, i
                break
    if title_at >= 0:
        nxt = title_at + 1
        if nxt < body_start and _is_prose(lines[nxt]) and not _is_caption_line(lines, nxt):
            header.subtitle = lines[nxt].text
        prev = title_at - 1
        if prev >= lo:
            p = lines[prev]
            if (
                p.kind is Kind.SHORT
                and 1 <= p.words <= 3
                and not p.bullet
                and not is_date_line(p.text)
                and p.text[:1].isupper()
                and not _is_byline(p)
            ):
                header.section = p.text.rstrip(":")
    for i in range(max(lo, title_at + 1), body_start):
        names = _is_byline(lines[i])
        if names:
            header.authors = names
            break
    return header


# ------------------------------------------------------------------------------------------------ body


def _is_caption_line(lines: list[Line], i: int) -> bool:
    """Photo caption: followed by a credit, or carrying a caption marker, or repeated by its neighbour."""
    line = lines[i]
    if line.words > 60:
        return False
    if is_caption_hint(line.text) or is_credit(line.text):
        return True
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    if nxt is not None and nxt.kind is not Kind.PROSE and is_credit(nxt.text) and not _is_byline(nxt):
        return True
    for j in (i - 1, i + 1):
        if 0 <= j < len(lines):
            other = lines[j].text
            short, long_ = sorted((line.text.rstrip(". "), other.rstrip(". ")), key=len)
            if len(short) >= 25 and short != long_ and long_.startswith(short):
                return True
    return False


def _is_heading(lines: list[Line], i: int, body: list[Paragraph]) -> bool:
    line = lines[i]
    if line.md_level:
        return True
    if (
        not body
        or not _title_like(line)
        and not (line.kind is Kind.SHORT and 1 <= line.words <= 12 and line.text.endswith(("?", ":")))
    ):
        return False
    if line.words > 20 or _is_byline(line) or _is_caption_line(lines, i):
        return False
    nxt = i + 1
    while nxt < len(lines) and lines[nxt].kind is Kind.BOILER:
        nxt += 1
    return nxt < len(lines) and _is_prose(lines[nxt])


def _is_body_short(lines: list[Line], i: int) -> bool:
    """A short text line inside the body (list item, one-line paragraph) rather than furniture."""
    line = lines[i]
    if line.words < SHORT_MIN_WORDS or (line.bullet and line.words < 6):
        return False
    return not (_is_caption_line(lines, i) or _is_header_marker(line) or line.repeated > 1)


def _build(
    lines: list[Line], region: Region, url: str | None, *, need_title: bool = False
) -> ExtractedArticle:
    start = _body_start(lines, region)
    header = _header(lines, region, start)
    if need_title and not header.title:
        return ExtractedArticle(paragraphs=[], url=url)
    body: list[Paragraph] = []
    seen: set[str] = set()
    in_box = False  # inside an in-text related-links box, up to the next prose line
    for i in range(start, region.end + 1):
        line = lines[i]
        if line.kind is Kind.END:
            in_box = True
            continue
        if in_box and not _is_prose(line):
            continue
        in_box = False
        key = line.text.casefold()
        if key in seen or line.text in (header.title, header.subtitle):
            continue
        near = [ln.text for ln in lines[max(start, i - 5) : i + 6] if _is_prose(ln)]
        if line.kind in (Kind.PROSE, Kind.SHORT) and is_pull_quote(line.text, near, line.words):
            continue
        if _is_prose(line):
            if _is_caption_line(lines, i):
                continue
            body.append(Paragraph("text", line.text))
        elif line.kind is Kind.SHORT and _is_heading(lines, i, body):
            body.append(Paragraph("heading", line.text))
        elif line.kind is Kind.SHORT and _is_body_short(lines, i):
            body.append(Paragraph("text", line.text))
        else:
            continue
        seen.add(key)
    while body and body[-1].kind == "heading":
        body.pop()
    return ExtractedArticle(
        paragraphs=body,
        title=header.title,
        subtitle=header.subtitle,
        authors=header.authors or [],
        section=header.section,
        url=url,
    )
