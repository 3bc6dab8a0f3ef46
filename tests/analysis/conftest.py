"""The seed article as paragraphs: the raw page split on blank lines, cut to the article's span."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.models import Paragraph

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_8b27f7ba246c2cdc.txt"


def seed_paragraphs() -> list[Paragraph]:
    raw = SEED.read_text(encoding="utf-8")
    blocks = [b.strip() for b in raw.split("\n\n") if b.strip()]
    first = next(i for i, b in enumerate(blocks) if b.startswith("KYIV — For several months"))
    last = next(i for i, b in enumerate(blocks) if b.endswith("dependence on his eastern neighbor."))
    return [Paragraph("text", b) for b in blocks[first : last + 1]]


@pytest.fixture(scope="session")
def seed() -> list[Paragraph]:
    if not SEED.exists():
        pytest.skip("seed file not available")
    return seed_paragraphs()
