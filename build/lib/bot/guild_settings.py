"""Per-server display settings: how answers look in one Discord server (stored by the article store)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from bot.errors import InvalidQuery

SummaryLength = Literal["short", "medium", "long"]
SUMMARY_LENGTHS: tuple[SummaryLength, ...] = ("short", "medium", "long")
DEFAULT_ACCENT = 0x2B6CB0  # a calm newsroom blue
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


@dataclass(frozen=True, slots=True)
class GuildSettings:
    summary_length: SummaryLength = "medium"
    accent_colour: int = DEFAULT_ACCENT
    show_images: bool = True


def parse_summary_length(text: str) -> SummaryLength:
    value = text.strip().lower()
    if value not in SUMMARY_LENGTHS:
        raise InvalidQuery(f"summary length must be one of {', '.join(SUMMARY_LENGTHS)}, not {text[:40]!r}")
    return cast(SummaryLength, value)


def parse_colour(text: str) -> int:
    """`#1f8b4c` or `1f8b4c` → an RGB integer; anything else is a clear error."""
    hit = _HEX.match(text.strip())
    if hit is None:
        raise InvalidQuery(f"colour must be six hex digits like #1f8b4c, not {text[:40]!r}")
    return int(hit.group(1), 16)


def colour_hex(value: int) -> str:
    return f"#{value:06x}"
