from __future__ import annotations

from bot.analysis.quotes import extract_quotes
from bot.models import Paragraph


def _q(*paras: str) -> list[tuple[str, str | None, str, int]]:
    return [(q.text, q.speaker, q.kind, q.paragraph) for q in extract_quotes([Paragraph("text", p) for p in paras])]


def test_after_attribution_and_short_name_becomes_full_name() -> None:
    out = _q(
        "Foreign Minister Anna Berg arrived in Oslo on Monday.",
        "“The talks were difficult but useful,” Berg said.",
    )
    assert out == [("The talks were difficult but useful,", "Anna Berg", "full", 1)]


def test_inverted_attribution_and_according_to() -> None:
    out = _q(
        '"We will rebuild every school in the region," said Tom Hale, the governor.',
        'According to Maria Lopez, "the money has already been spent on other things."',
    )
    assert out[0][1] == "Tom Hale"
    assert out[1][1] == "Maria Lopez" and out[1][2] == "partial"


def test_pronoun_resolves_to_subject_not_last_name() -> None:
    out = _q(
        "Prime Minister Karl Weber held talks with President Ivo Marek in Prague.",
        'Later he said: "Our position has not changed at all."',
    )
    assert out[0][1] == "Karl Weber"


def test_role_noun_resolves_to_person_with_that_role() -> None:
    out = _q(
        "Energy minister Lena Fox and the economist Paul Gray spoke at the summit.",
        '"Prices will fall by spring," the minister said.',
    )
    assert out[0][1] == "Lena Fox"


def test_split_quote_is_one_and_multi_paragraph_quote_joins() -> None:
    out = _q(
        '"The first part of the plan is ready," Ms. Ines Duarte said. "The second part will follow soon."',
        "“We have waited long enough for this decision and the people know it.",
        "“Now it is time to act on every promise we made,” she added.",
    )
    assert len(out) == 2
    assert out[0][0] == "The first part of the plan is ready. The second part will follow soon."
    assert out[0][1] == "Ines Duarte"
    assert "waited long enough" in out[1][0] and "time to act" in out[1][0] and out[1][3] == 1
    assert out[1][1] == "Ines Duarte"


def test_other_quotation_marks() -> None:
    out = _q(
        "Le ministre Jean Morel a déclaré : « Nous ne céderons jamais sur ce point essentiel. »",
        "Chancellor Otto Kraus sagte: „Wir werden das gemeinsam schaffen, ohne Zweifel.“",
        "Mayor Ken Sato said: 「We will open the new bridge next spring for everyone.」",
    )
    assert [o[1] for o in out] == ["Jean Morel", "Otto Kraus", "Ken Sato"]
    assert out[0][0].startswith("Nous ne céderons")


def test_scare_quotes_terms_and_titles_are_not_quotes() -> None:
    out = _q(
        'Critics called it a "witch hunt" and the so-called "peace plan" failed.',
        "The group “Free Voices” published the book “The Long Road Home” last year.",
        'The idea of a "people\'s army" looks like ordinary populism.',
    )
    assert out == []


def test_curly_apostrophes_do_not_open_quotes() -> None:
    out = _q("The minister’s plan, Lukas’ idea and the country’s budget were debated. “It works,” Lukas Berg said.")
    assert out == [("It works,", "Lukas Berg", "full", 0)] or out[0][1] == "Lukas Berg"
