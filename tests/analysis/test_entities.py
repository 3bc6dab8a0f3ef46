"""Entities and keywords on small made-up articles: groups are not people, case variants are one name."""

from __future__ import annotations

from bot.analysis.entities import extract_entities
from bot.analysis.keywords import extract_keywords
from bot.models import Entities, Paragraph


def _e(*paras: str) -> Entities:
    return extract_entities([Paragraph("text", p) for p in paras])


def test_a_name_introduced_as_a_group_is_an_organisation() -> None:
    e = _e(
        "The independent monitoring group “Silver Harbor” reported new convoys near the border.",
        "Its founder, the activist Maria Lopez, said the network Open Rivers confirmed the count.",
    )
    assert "Silver Harbor" not in e.people and "Silver Harbor" in e.organizations
    assert "Open Rivers" not in e.people and "Open Rivers" in e.organizations
    assert "Maria Lopez" in e.people


def test_a_name_alone_in_quotation_marks_is_not_a_person() -> None:
    e = _e('Fans still sing "Golden Morning" at every match, and Karl Weber leads them.')
    assert e.people == ["Karl Weber"]


def test_dateline_capitals_and_ordinary_casing_are_one_place() -> None:
    e = _e(
        "KYIV — Officials in Kyiv said on Monday that Kyiv would host the talks.",
        "NEW YORK and Warsaw sent envoys; New York sent two.",
    )
    assert e.places.count("Kyiv") == 1 and "KYIV" not in e.places
    assert "New York" in e.places and "NEW YORK" not in e.places
    assert e.places[0] == "Kyiv"  # the counts of both spellings add up


def test_acronym_introduced_in_parentheses_is_the_same_organisation() -> None:
    e = _e(
        "The National Security and Defense Council (NSDC) met on Monday.",
        "Later the NSDC said the Ministry of Finance (MOF) and the BBC agreed.",
    )
    assert "NSDC" not in e.organizations and e.organizations[0] == "National Security and Defense Council"
    assert "BBC" in e.organizations  # not introduced by a full name: stays as it is
    assert "Ministry of Finance" in e.organizations and "MOF" not in e.organizations


def test_demonym_shaped_given_name_is_kept() -> None:
    e = _e("Unlike Serbian dictator Slobodan Milosevic, the Serbian President Ivo Marek spoke of peace.")
    assert "Slobodan Milosevic" in e.people and "Ivo Marek" in e.people


def test_former_states_are_places() -> None:
    e = _e("Yugoslavia and the USSR broke up, and the Soviet Union left fifteen states.")
    assert {"Yugoslavia", "USSR", "Soviet Union"} <= set(e.places) and not e.organizations


def _k(*paras: str) -> list[str]:
    return extract_keywords([Paragraph("text", p) for p in paras])


def test_demonym_does_not_lift_a_name_said_once_into_the_keywords() -> None:
    paras = [
        "Belarusian troops held drills again. The Belarusian army trained near the border with Belarusian tanks.",
        "Belarusian officials said the Belarusian army was ready. Analysts doubt the Belarusian army could fight.",
        "The monitoring group “Belarusian Guyun” saw no offensive forces. Belarusian drivers reported trains.",
        "Belarus denied it. Belarus said the Belarusian army only trains. Belarus repeated that on Friday.",
    ]
    kws = _k(*paras)
    assert "Belarusian army" in kws
    assert "Belarusian" not in kws  # a lone demonym is no topic
    assert kws.index("Belarusian army") < kws.index("Belarusian Guyun") if "Belarusian Guyun" in kws else True


def test_key_phrases_do_not_cut_a_name_in_two() -> None:
    kws = _k(
        "Critics compared the war to the rule of Serbian dictator Slobodan Milosevic in the Balkans.",
        "Slobodan Milosevic died in 2006. Historians still study Slobodan Milosevic and the Balkans.",
    )
    assert "Slobodan Milosevic" in kws
    assert not any(k.endswith("Slobodan") or k.startswith("Milosevic ") for k in kws)


def test_names_that_look_like_words_or_titles_are_people() -> None:
    e = _e(
        "Director Ava LaMontagne and Mr. King met Carrie Ann Inala in Leeds.",
        "Campaigners, among them Will Moy, cried foul at the embassy of China’s ambassador to Britain Liu Xiaobin.",
        "Liu refused to comment, and Del. Maria Quintana of Guam asked for a hearing.",
    )
    assert {"Ava LaMontagne", "King", "Carrie Ann Inala", "Will Moy", "Liu Xiaobin", "Maria Quintana"} <= set(
        e.people
    )
    assert "Britain Liu Xiaobin" not in e.people and "Ann Inala" not in e.people


def test_sentence_initial_verb_and_weekday_are_not_part_of_a_name() -> None:
    e = _e(
        "Asked Tuesday about the emails, Feinsten said she knew nothing. Critics met Smith Monday and Ann Lee."
    )
    assert "Asked Tuesday" not in e.people and "Asked" not in e.people and "Smith Monday" not in e.people
