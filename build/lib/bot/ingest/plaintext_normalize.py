"""Text normalisation for plain-text pages: one canonical form before any line heuristics run."""

from __future__ import annotations

import re
import unicodedata

# Literal escape sequences left behind by scrapers that serialised zero-width characters as text.
_LITERAL_INVISIBLE = re.compile(r"\\u(?:200[b-fB-F]|2060|feff|FEFF|00ad|00AD)")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
# C0/C1 control characters other than tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalize_text(text: str) -> str:
    """NFC, unified newlines, no invisible/control characters, single spaces, stripped lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _LITERAL_INVISIBLE.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines)


def normalize_line(line: str) -> str:
    """Normalise one already-split line (used for metadata values)."""
    return _SPACES.sub(" ", line).strip()
