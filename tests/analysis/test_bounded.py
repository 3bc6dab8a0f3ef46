"""Issue 12, finding 5: analysing a huge article is bounded (it reads a capped prefix), so one 4 MB upload
cannot hold a worker for half a minute and half a gigabyte."""

from __future__ import annotations

from bot.analysis import MAX_ANALYSIS_CHARS, analyze
from bot.models import Paragraph


def test_a_huge_article_is_analysed_from_a_bounded_prefix() -> None:
    paragraphs = [
        Paragraph(
            "text", f'"Point number {i} matters a great deal to us," said Speaker{i % 97} Person on day {i}.'
        )
        for i in range(48_000)
    ]
    assert sum(len(p.text) for p in paragraphs) > 4_000_000
    analysis = analyze(paragraphs, title="Huge")
    budget = 0
    last = 0
    for i, p in enumerate(paragraphs):
        budget += len(p.text)
        if budget > MAX_ANALYSIS_CHARS:
            break
        last = i
    assert analysis.quotes and max(q.paragraph for q in analysis.quotes) <= last
    assert analysis == analyze(paragraphs[: last + 1], title="Huge")
