"""Combine two extractions of one page paragraph by paragraph.

trafilatura in precision mode is the base; readability-lxml, a different algorithm, is the
referee. Paragraphs both keep are the article's core; base paragraphs inside that core are kept
even when readability dropped them (it loses captions, lists, short lines), while base paragraphs
outside the core and headings readability does not confirm are typically "related stories",
newsletter boxes and company boilerplate, and are dropped.

trafilatura runs in its fast mode, which skips its own readability fallback; `prefer_referee`
applies that fallback's rule to our (stronger) referee instead.
"""

from __future__ import annotations

import re

from bot.models import Paragraph

_TOKEN = re.compile(r"\w+")
_SHINGLE = 3  # `_shingles` zips this many shifted token lists
_SHORT = 6  # paragraphs under this many tokens must appear verbatim in the other text
_MATCH = 0.5  # share of a paragraph's shingles the other extraction must hold
_MIN_AGREEMENT = 0.3  # below this overlap readability is looking at another part of the page
_MUCH_LONGER = 2.0  # trafilatura's own threshold for trusting readability over itself
_STRUCTURED_CHARS = 500  # trafilatura: a referee this long wins over a body with no paragraphs


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _shingles(tokens: list[str]) -> set[tuple[str, ...]]:
    if len(tokens) < _SHINGLE:
        return {tuple(tokens)} if tokens else set()
    return set(zip(tokens, tokens[1:], tokens[2:], strict=False))


class _Index:
    """Tokens and shingles of one extraction, for 'does it contain this paragraph' questions."""

    def __init__(self, paragraphs: list[Paragraph]) -> None:
        self.tokens = [_tokens(p.text) for p in paragraphs]
        self.joined = " " + " ".join(" ".join(t) for t in self.tokens) + " "
        self.shingles: set[tuple[str, ...]] = set()
        for t in self.tokens:
            self.shingles |= _shingles(t)

    def contains(self, tokens: list[str]) -> bool:
        if not tokens:
            return True
        if len(tokens) < _SHORT:
            return " " + " ".join(tokens) + " " in self.joined
        own = _shingles(tokens)
        return len(own & self.shingles) >= _MATCH * len(own)


def agreement(a: _Index, b: _Index) -> float:
    """Jaccard overlap of the two extractions' shingle sets."""
    union = len(a.shingles | b.shingles)
    return len(a.shingles & b.shingles) / union if union else 0.0


def _chars(paragraphs: list[Paragraph]) -> int:
    return sum(len(p.text) for p in paragraphs)


def prefer_referee(
    base: list[Paragraph], referee: list[Paragraph], *, base_unstructured: bool = False
) -> bool:
    """trafilatura's rule for replacing its extraction with readability's.

    Readability wins when the base is empty, when it finds more than twice the text (unless it
    grabbed a raw JSON blob), or when the base has no paragraph text or is mostly tables
    (`base_unstructured`) and readability holds a real article's worth of text.
    """
    ref_len, base_len = _chars(referee), _chars(base)
    if ref_len in (0, base_len) or base_len > _MUCH_LONGER * ref_len:
        return False
    json_blob = referee[0].text.lstrip().startswith("{")
    return (
        base_len == 0
        or (ref_len > _MUCH_LONGER * base_len and not json_blob)
        or (base_unstructured and ref_len > _STRUCTURED_CHARS)
    )


def fuse(base: list[Paragraph], referee: list[Paragraph]) -> list[Paragraph]:
    """`base` trimmed to the span `referee` agrees with (see module docstring)."""
    if not base or not referee:
        return base
    ref = _Index(referee)
    own = _Index(base)
    if agreement(own, ref) < _MIN_AGREEMENT:
        return base
    confirmed = [ref.contains(tokens) for tokens in own.tokens]
    core = [i for i, ok in enumerate(confirmed) if ok]
    if not core:
        return base
    first, last = core[0], core[-1]
    return [p for i, p in enumerate(base) if confirmed[i] or (p.kind == "text" and first <= i <= last)]
