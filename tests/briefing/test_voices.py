"""Who said what: one person under several forms is one voice."""

from __future__ import annotations

from datetime import date

from bot.briefing.types import BriefDoc
from bot.briefing.voices import group_voices


def doc(
    i: int, quotes: list[tuple[str, str | None]], sentences: tuple[str, ...] = (), day: int = 1
) -> BriefDoc:
    return BriefDoc(
        id=i,
        published=date(2020, 8, day),
        source=f"outlet{i % 3}",
        title=f"article {i}",
        sentences=sentences,
        quotes=tuple(quotes),
        people=("Alexander Lukashenko", "Sviatlana Tsikhanouskaya"),
    )


def test_forms_of_one_person_are_grouped_and_most_quoted_first() -> None:
    docs = [
        doc(1, [("We will not give the country away.", "Alexander Lukashenko")], day=10),
        doc(
            2,
            [("There will be no new election.", "Lukashenko"), ("I am not afraid.", "Tsikhanouskaya")],
            day=11,
        ),
        doc(
            3,
            [("Until you kill me, there will be no other elections.", "the Belarusian president")],
            ("Belarusian President Alexander Lukashenko spoke to workers at a tractor plant.",),
            day=12,
        ),
        doc(4, [("The people have chosen.", "President Lukashenko")], day=13),
        doc(5, [("We want a fair count.", "Sviatlana Tsikhanouskaya")], day=14),
    ]
    voices = group_voices(docs, per_voice=0)
    assert [v.speaker for v in voices] == ["Alexander Lukashenko", "Sviatlana Tsikhanouskaya"]
    luka = voices[0]
    assert len(luka.quotes) == 4
    assert set(luka.forms) == {"Alexander Lukashenko", "Lukashenko"}
    assert [q.article_id for q in luka.quotes] == [4, 3, 2, 1]  # newest first
    assert luka.quotes[0].published == date(2020, 8, 13)
    assert {q.article_id for q in voices[1].quotes} == {2, 5}


def test_a_role_the_article_does_not_name_is_left_out() -> None:
    voices = group_voices([doc(1, [("No comment.", "a spokesman")], ("The ministry declined to comment.",))])
    assert voices == []


def test_a_shared_first_name_does_not_merge_two_people() -> None:
    docs = [
        doc(1, [("One.", "John Smith")]),
        doc(2, [("Two.", "John Brown")]),
        doc(3, [("Three.", "John")]),
    ]
    speakers = {v.speaker for v in group_voices(docs)}
    assert speakers == {"John Smith", "John Brown", "John"}


def test_an_ambiguous_surname_stays_apart_unless_one_name_dominates() -> None:
    docs = [doc(i, [(f"Quote {i}.", "Barack Obama")]) for i in range(6)]
    docs += [doc(10, [("Hers.", "Michelle Obama")]), doc(11, [("Whose?", "Obama")])]
    by_name = {v.speaker: v for v in group_voices(docs, per_voice=0)}
    assert set(by_name) == {"Barack Obama", "Michelle Obama"}
    assert len(by_name["Barack Obama"].quotes) == 7
    even = [doc(1, [("A.", "Barack Obama")]), doc(2, [("B.", "Michelle Obama")]), doc(3, [("C.", "Obama")])]
    assert {v.speaker for v in group_voices(even)} == {"Barack Obama", "Michelle Obama", "Obama"}
