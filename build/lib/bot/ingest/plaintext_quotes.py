"""Pull-quote detection: a short display sentence that restates words from a longer body paragraph."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being it its this that
    these those there here he she they we you i his her their our your my me him them us not no so than then
    has have had do does did will would can could should may might must also just very more most some any all
    into over under about after before up down out who whom which what when where why how""".split()
)

MAX_WORDS = 20
MIN_SHARED = 2
MIN_RATIO = 0.6


def content_words(text: str) -> set[str]:
    return {w for w in (t.casefold() for t in _WORD.findall(text)) if w not in _STOP and len(w) > 1}


def is_pull_quote(text: str, paragraphs: list[str], words: int) -> bool:
    """True for a short sentence whose content words mostly occur together in one longer paragraph."""
    if words > MAX_WORDS or words < 3 or not text.rstrip("\"'”’").endswith((".", "!", "?")):
        return False
    mine = content_words(text)
    if len(mine) < MIN_SHARED:
        return False
    for para in paragraphs:
        if len(para) <= len(text) * 2 or para == text:
            continue
        shared = mine & content_words(para)
        if len(shared) >= MIN_SHARED and len(shared) / len(mine) >= MIN_RATIO:
            return True
    return False
