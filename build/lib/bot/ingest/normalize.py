"""Text normalisation shared by every ingestion path."""

from __future__ import annotations

import re
import unicodedata

from bot.models import Paragraph

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_ESCAPED_ZERO_WIDTH = re.compile(r"\\u(?:200[bcd]|2060|feff)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n")
_WORD = re.compile(r"\w+")


def normalize_text(text: str) -> str:
    """NFC, one kind of newline, no control or zero-width characters, single spaces inside lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPED_ZERO_WIDTH.sub("", text)
    text = _ZERO_WIDTH.sub("", text)
    text = _CONTROL.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines).strip()


def normalize_inline(text: str | None) -> str | None:
    """A one-line field (title, author, section): normalised, newlines folded, empty → None."""
    if text is None:
        return None
    folded = normalize_text(text).replace("\n", " ").strip()
    return folded or None


def split_paragraphs(text: str) -> list[Paragraph]:
    """Article text as given → paragraphs: blank lines separate them; single newlines inside a
    paragraph are line wrapping, unless every block is a single line already."""
    text = normalize_text(text)
    if not text:
        return []
    blocks = [b.strip() for b in _BLANK_LINES.split(text) if b.strip()]
    if len(blocks) == 1 and "\n" in blocks[0]:
        blocks = [line for line in blocks[0].split("\n") if line.strip()]
    return [Paragraph("text", " ".join(b.split("\n"))) for b in blocks]


def word_count(paragraphs: list[Paragraph]) -> int:
    return sum(len(_WORD.findall(p.text)) for p in paragraphs)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())
