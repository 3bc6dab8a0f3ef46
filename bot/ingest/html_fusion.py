"""Combine two extractions of one page paragraph by paragraph.

trafilatura in precision mode is the base; readability-lxml, a different algorithm, is the
referee. Paragraphs both keep are the article's core; base paragraphs inside that core are kept
even when readability dropped them (it loses captions, lists, short lines), while base paragraphs
outside the core and headings readability does not confirm are typically "related stories",
newsletter boxes and company boilerplate, and are dropped.
"""

from __future__ import annotations

import re

from bot.models import Paragraph

_TOKEN = re.compile(r"\w+")
_SHINGLE = 3
_SHORT = 6  # paragraphs under this many tokens must appear verbatim in the other text
_MATCH = 0.5  # share of a paragraph's shingles the other extraction must hold
_MIN_AGREEMENT = 0.3  # below this overlap readability is looking at another part of the page


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _shingles(tokens: list[str]) -> set[tuple[str, ...]]:
    if len(tokens) < _SHINGLE:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + _SHINGLE]) for i in range(len(tokens) - _SHINGLE + 1)}


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
    return [
        p
        for i, p in enumerate(base)
        if confirmed[i] or (p.kind == "text" and first <= i <= last)
    ]
