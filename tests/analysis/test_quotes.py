from __future__ import annotations

from bot.analysis.quotes import extract_quotes
from bot.models import Paragraph


def _q(*paras: str) -> list[tuple[str, str | None, str, int]]:
    return [
        (q.text, q.speaker, q.kind, q.paragraph)
        for q in extract_quotes([Paragraph("text", p) for p in paras])
    ]


def test_after_attribution_and_short_name_becomes_full_name() -> None:
    out = _q(
        "Foreign Minister Anna Berg arrived in Oslo on Monday.",
        "“The talks were difficult but useful,” Berg said.",
    )
    assert out == [("The talks were difficult but useful.", "Anna Berg", "full", 1)]


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
    out = _q(
        "The minister’s plan, Lukas’ idea and the country’s budget were debated. “It works,” Lukas Berg said."
    )
    # Two words are too few for a full quote (a "full" one has at least four), so it stays partial.
    assert out == [("It works,", "Lukas Berg", "partial", 0)]


# --- attribution rules measured by bench/quotes.py (sentences from news reports) ---


def _speakers(*paras: str) -> dict[str, str | None]:
    return {q.text: q.speaker for q in extract_quotes([Paragraph("text", p) for p in paras])}


def test_party_and_state_tag_is_not_the_speaker() -> None:
    out = _q('Rep. Jim Clyburn (D-S.C.) said, "We have to get this done before the holiday recess."')
    assert out == [("We have to get this done before the holiday recess.", "Jim Clyburn", "full", 0)]


def test_name_after_a_long_title_and_short_mention_later() -> None:
    out = _q(
        "White House Press Secretary Stephanie Grisham spoke after the hearing.",
        "“Today's hearing only further exposes that the Democrats are simply blinded by hatred,” Grisham said.",
    )
    assert out[0][1] == "Stephanie Grisham"


def test_appositive_between_name_and_verb() -> None:
    out = _q(
        "“We were actually looking to do this a little bit later, but we saw the need to accelerate that,” Steve "
        "Clarke, deputy associate administrator for exploration in NASA’s science mission directorate, said in a "
        "teleconference with reporters."
    )
    assert out[0][1] == "Steve Clarke"


def test_she_skips_the_man_named_last() -> None:
    out = _q(
        "Rep. Ilhan Omar asked for compassion in a letter that Judge Richard Arcara read in court on Tuesday.",
        '"We must teach the defendant love," she wrote.',
    )
    assert out[0][1] == "Ilhan Omar"


def test_he_and_she_follow_honorifics() -> None:
    out = _speakers(
        "Ms. Okafor met Mr. Brandt in Lagos on Monday to discuss the pipeline.",
        '"We found common ground on almost every point," she said.',
        '"The hard part starts now," he added.',
    )
    assert out == {
        "We found common ground on almost every point.": "Okafor",
        "The hard part starts now.": "Brandt",
    }


def test_participle_cue_takes_the_clause_subject() -> None:
    out = _q(
        "Donald Trump spoke in Philadelphia on Wednesday.",
        "Trump attacked Hillary Clinton for her support of military action in Iraq and Libya, saying, \"She's "
        'trigger-happy and very unstable."',
    )
    assert out[0][:2] == ("She's trigger-happy and very unstable.", "Donald Trump")


def test_descriptive_noun_phrase_resolves_to_the_person() -> None:
    out = _q(
        "Donald Trump appeared after Hillary Clinton at the forum.",
        '"We need a change in this country," the New York businessman said.',
    )
    assert out[0][1] == "Donald Trump"


def test_unnamed_speaker_gets_no_name() -> None:
    out = _q(
        "Gov. Kristi Noem defended the campaign on Monday.",
        "“South Dakota: if we were any higher, we’d be North Dakota,” one user quipped.",
    )
    assert out[0][0].startswith("South Dakota: if we were any higher")
    assert out[0][1] == "one user"  # who, as the text says it: no name is made up


def test_split_quote_with_long_attribution_is_one_quote() -> None:
    out = _q(
        '"If it doesn\'t have the capability to threaten its neighbors yet, it will at some point," said James '
        'Acton, a physicist who is co-director of the Nuclear Policy Program at the Carnegie Endowment. "But the '
        'trajectory is clear."'
    )
    assert len(out) == 1
    assert out[0][0].endswith("But the trajectory is clear.") and out[0][1] == "James Acton"


def test_quote_paragraph_after_narration_goes_to_its_subject() -> None:
    out = _q(
        "Palestinian chief negotiator Saeb Erekat said they would ask for a UN Security Council debate.",
        '"The illegality of settlements has always been stated as a fact," said Avi Bell, a senior fellow.',
        "Erekat said it was only the latest move by the US to force the Palestinians to give up their claims.",
        '"They wanted us on our knees and they used every trick to put pressure on us. We stand tall."',
    )
    assert out[-1][1] == "Saeb Erekat"


def test_slogan_before_campaign_is_not_a_quote() -> None:
    out = _q("While the “Meth. We’re on it.” campaign did not appeal to Julie Graham, she did not judge it.")
    assert out == []


def test_doubled_apostrophes_close_a_quote() -> None:
    out = _q(
        "Foreign Secretary Dominic Raab defended the party.",
        "“We make no apology for an instant rebuttal,’’ Raab told the BBC. “And we will do it again.”",
    )
    assert out == [
        ("We make no apology for an instant rebuttal. And we will do it again.", "Dominic Raab", "full", 1)
    ]


def test_two_people_joined_by_and_are_two_names() -> None:
    out = _q(
        "Donald Trump and Hillary Clinton took questions from veterans.",
        '"I have taken responsibility for my decision," Clinton said.',
    )
    assert out[0][1] == "Hillary Clinton"


def test_shared_surname_goes_to_the_person_introduced_first() -> None:
    out = _q(
        "Ted Cruz endorsed Donald Trump on Friday.",
        "Trump had attacked his father, Rafael Cruz, during the primaries.",
        '"I am not in the habit of supporting people who attack my father," Cruz said in July.',
    )
    assert out[0][1] == "Ted Cruz"


def test_capitalised_pronoun_resolves_to_the_previous_subject() -> None:
    out = _q(
        "Donald Trump held a rally in Ohio.",
        "Trump said praise from Russian President Vladimir Putin would not affect his policy. He said Putin has "
        '"been a leader far more than our president has been a leader."',
    )
    assert out[0][1] == "Donald Trump" and out[0][2] == "partial"


def test_described_as_introduces_a_partial_quote() -> None:
    out = _q(
        "Van Der Beek was eliminated in what host Tom Bergeron described as the “hardest judge’s verdict so far "
        "this season.”"
    )
    assert out == [("hardest judge’s verdict so far this season.", "Tom Bergeron", "partial", 0)]


def test_colon_in_non_english_text_gives_no_speaker() -> None:
    out = _q(
        "Die Ausstellung im Stadtmuseum trägt den Titel: „Die Stadt und ihre Brücken im Wandel der Zeit“."
    )
    assert all(q[1] is None for q in out)


def test_adverb_between_pronoun_and_cue_keeps_the_speaker() -> None:
    out = _q(
        "Mayor Maria Lopez visited the depot on Monday.",
        'During the visit she even talked about a strike, "if they close the depot for good."',
    )
    assert out == [("if they close the depot for good.", "Maria Lopez", "partial", 1)]


def test_bracketed_editorial_insertions_stay_in_the_quote() -> None:
    out = _q(
        "Mayor Maria Lopez spoke on Monday.",
        '"They [the council] will not stop cutting the budget," Lopez said.',
        '"[The council] has failed this city for years," she said.',
        'She only warned about the bus lines, "if they cut [the transit fund, a city grant] again."',
    )
    assert out == [
        ("They [the council] will not stop cutting the budget.", "Maria Lopez", "full", 1),
        ("[The council] has failed this city for years.", "Maria Lopez", "full", 2),
        ("if they cut [the transit fund, a city grant] again.", "Maria Lopez", "partial", 3),
    ]
