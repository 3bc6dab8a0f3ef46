"""The briefing over articles in memory: timeline dates and links, key points without repetition."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import combinations

import pytest

from bot.briefing import brief_docs
from bot.briefing.corpus import build_corpus, dot
from bot.briefing.keypoints import key_points
from bot.briefing.types import BriefDoc
from bot.errors import NothingToBrief

START = date(2010, 4, 19)
FILLER = [
    "Local fishermen worried about their season and the future of their boats in the region.",
    "Tourism officials counted cancelled hotel bookings along the beaches of the coast.",
    "Environmental groups asked for independent tests of the water and the marshes nearby.",
    "Shares in the energy companies moved sharply as traders weighed the likely costs.",
]


def story() -> list[BriefDoc]:
    """Three outlets over three weeks: a blast (referred back to for days), a quiet busy day, a cap."""
    docs: list[BriefDoc] = []
    n = 0

    def add(day: date, source: str, *sentences: str) -> None:
        nonlocal n
        n += 1
        docs.append(BriefDoc(n, day, source, f"story {n}", tuple(sentences) + tuple(FILLER)))

    blast = START + timedelta(days=1)  # 20 April
    add(
        blast, "bbc", "An explosion on the Deepwater Horizon rig in the Gulf killed eleven workers overnight."
    )
    for i, source in enumerate(["bbc", "reuters", "guardian"] * 3):
        add(
            blast + timedelta(days=2 + i),
            source,
            f"Oil kept leaking from the well {i + 2} days after the April 20 explosion on the Deepwater Horizon rig.",
        )
    busy = START + timedelta(days=12)
    for source in ["bbc", "reuters", "guardian", "bbc", "reuters"]:
        add(
            busy,
            source,
            "Markets and the weather were discussed at length by many commentators in the region.",
        )
    cap = START + timedelta(days=20)
    add(
        cap,
        "reuters",
        "Engineers placed a containment cap over the leaking Deepwater Horizon well on Sunday.",
    )
    add(
        cap + timedelta(days=1),
        "guardian",
        "The containment cap placed over the well yesterday slowed the oil leak.",
    )
    return docs


def test_timeline_dates_come_from_references_and_link_their_articles() -> None:
    docs = story()
    b = brief_docs(docs, n_dates=3, per_date=1)
    days = [e.date for e in b.timeline]
    assert days == sorted(days)
    assert date(2010, 4, 20) in days  # referred back to by nine later articles
    ids = {d.id: d for d in docs}
    for entry in b.timeline:
        assert len(entry.sentences) == 1
        for s in entry.sentences:
            assert s.text in ids[s.article_id].sentences  # extractive, linked to its own article
    first = b.timeline[0]
    assert first.date == date(2010, 4, 20) and "explosion" in first.sentences[0].text.lower()


def test_sizes_are_chosen_when_not_given_and_respected_when_given() -> None:
    b = brief_docs(story())
    assert 3 <= len(b.timeline) <= 12
    b = brief_docs(story(), n_dates=2, per_date=2)
    assert len(b.timeline) <= 2 and all(len(e.sentences) <= 2 for e in b.timeline)


def test_key_points_are_not_redundant_and_come_from_several_outlets() -> None:
    corpus = build_corpus(story())
    points = key_points(corpus, 6)
    vectors = {s.text: s.vec for s in corpus.sents}
    for a, b in combinations(points, 2):
        assert dot(vectors[a.text], vectors[b.text]) < 0.5
    assert len({p.source for p in points}) >= 3
    assert [p.published for p in points] == sorted(p.published for p in points if p.published)
    texts = [p.text for p in points]
    assert len(texts) == len(set(texts))


def test_an_exact_repeat_across_outlets_is_one_key_point() -> None:
    same = "The company said the relief well would be finished by the middle of August at the earliest."
    docs = [
        BriefDoc(i, date(2010, 6, 1), src, "t", (same,)) for i, src in enumerate(["bbc", "cnn", "fox"], 1)
    ]
    points = key_points(build_corpus(docs), 5)
    assert [p.text for p in points] == [same]


def test_sources_used_are_counted() -> None:
    b = brief_docs(story(), n_dates=3, per_date=1)
    used = {s.article_id for e in b.timeline for s in e.sentences} | {k.article_id for k in b.key_points}
    assert sum(b.sources.values()) == len(used)


def test_nothing_to_brief_between_dates() -> None:
    with pytest.raises(NothingToBrief, match="between 2020-01-01 and 2020-02-01"):
        brief_docs(story(), since=date(2020, 1, 1), until=date(2020, 2, 1))
