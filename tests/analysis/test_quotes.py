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


# Speaker failure classes (issue 15, part 3): each fixture is made up, one per class of error fixed.


def test_byline_dash_after_a_quote_names_its_speaker() -> None:
    out = _q(
        "Readers told us what they thought of the new bridge toll.",
        "“It costs me forty dollars a week just to get to my job and back.”\u00a0― Dana Whitcombe",
        "“Nobody asked the people who actually live on the east bank about any of this.” ―\u00a0Raul Mendes.",
    )
    assert [q[1] for q in out] == ["Dana Whitcombe", "Raul Mendes"]


def test_name_at_the_cue_beats_a_person_merely_mentioned() -> None:
    out = _q(
        "The film stars Tom Reeve as the villain, a retired spy called back for one last job.",
        "“I wanted the audience to feel the cold of that city in every scene,” DuMarais said.",
        "“We shot most of it at night, which nobody enjoyed,” Okafor said.",
    )
    assert [q[1] for q in out] == ["DuMarais", "Okafor"]


def test_camel_case_surname_and_title_word_surname_are_people() -> None:
    out = _q(
        "Director Ava LaMontagne and Mr. King met the press on Friday.",
        '"The festival deserves a better venue than a parking garage," Mr. King added.',
        '"It took us six years to finish this film," LaMontagne said.',
    )
    assert [q[1] for q in out] == ["King", "Ava LaMontagne"]


def test_titles_before_an_inverted_name_keep_the_attribution() -> None:
    out = _q(
        "Rep. Jim Halloran questioned the budget request on Tuesday.",
        '"These numbers were written for a press release, not for a budget," panel Chairman Rep. Ann Porter '
        "(R-Ohio) said.",
        '"We asked the same question three times and got three answers," said Del. Maria Quintana of Guam.',
    )
    assert [q[1] for q in out] == ["Ann Porter", "Maria Quintana"]


def test_a_document_speaks_for_itself() -> None:
    out = _q(
        "Mayor Tom Hale defended the budget cuts on Monday.",
        "Parents sent a letter to the school board.",
        '"Our children deserve the same buses as every other district in the state," the letter reads.',
        '"The city has run out of options and out of time," the ruling said.',
    )
    assert [q[1] for q in out] == ["the letter", "the ruling"]


def test_an_unnamed_role_stays_a_description() -> None:
    out = _q(
        "Dr. Paul Grant treated the patient for a year before the cause was found.",
        "“It doesn’t affect me at all now and my life is back to what it was,” the man wrote.",
        '"We live in the last good town in this country," my father often said.',
        '"Who do you want answering the phone at three in the morning?" the announcer asked.',
    )
    assert [q[1] for q in out] == ["the man", "my father", "the announcer"]


def test_a_title_role_still_resolves_to_the_person() -> None:
    out = _q(
        "Sen. Laura Banks spoke in Denver on Tuesday about the farm bill.",
        '"This bill was written by lobbyists for lobbyists," the senator said.',
    )
    assert out[0][1] == "Laura Banks"


def test_pronoun_goes_to_the_person_who_just_spoke() -> None:
    out = _q(
        "Clinton communications director Jennifer Palmer said Trump is reduced to insults because he cannot "
        'defend his own record. "You could dismiss these actions as schoolyard behaviour," she said.',
    )
    assert out[0][1] == "Jennifer Palmer"


def test_pronoun_resolves_within_its_own_sentence() -> None:
    out = _q(
        "Attorney Sonya Mills said her client had not meant any harm.",
        "Patrick Carlow was arrested in April for a phone call in which he said he would put a “bullet in "
        "the senator’s office.”",
    )
    assert out[0][1] == "Patrick Carlow"


def test_the_statement_speaks_for_the_body_that_issued_it() -> None:
    out = _q(
        "Two soldiers were killed in a crash near the border, the US military said in a statement.",
        '"The cause of the crash is under investigation and no enemy fire was seen," the statement said.',
        "Silver Records have denied doing anything wrong.",
        '"At no point did we block the concert or the film," they said in a statement.',
    )
    assert [q[1] for q in out] == ["US military", "Silver Records"]


def test_a_cue_word_used_as_a_noun_is_no_cue() -> None:
    out = _q(
        "President Mara Quist met reporters in the capital.",
        'Quist said Governor Pell\'s mental state is "spiraling out of control and getting worse."',
    )
    assert out[0][1] == "Mara Quist"


def test_quote_merged_across_two_attributions_keeps_the_first_speaker() -> None:
    out = _q(
        "Lawmakers reacted on Friday.",
        "“It is a signal to every voter in this state,” Rep. Ann Porter said Friday. “If indeed the count is "
        "wrong, then every result is in doubt.",
        "“I have been thinking a lot about where we are as a country,” added Rep. Jim Halloran.",
    )
    assert out[0][1] == "Ann Porter"


def test_given_name_that_is_a_word_and_three_word_names() -> None:
    out = _q(
        "The judges were Carrie Ann Inala and Bruno Toni.",
        "“This is not easy. This is not at all what I expected,” Carrie Ann Inala said.",
        "Campaigners cried foul.",
        "“It was an attempt to mislead voters,’’ Will Moy, chief executive of the charity Full Fact, told the BBC.",
        "China’s ambassador to Britain Liu Xiaobin has spoken about the unrest.",
        "Liu said that the army could be deployed, warning: “They are already there in the city garrison.”",
    )
    assert [q[1] for q in out] == ["Carrie Ann Inala", "Will Moy", "Liu Xiaobin"]


def test_inverted_attribution_after_a_trailing_phrase() -> None:
    out = _q(
        "Mayor Tom Hale has won the support of the union leaders.",
        "“For ordinary bus drivers, he’s saying a lot of the right things” about wages and the new depots, "
        "said Dana Kilroy, head of the drivers' association. “And he has none of the ties that Hale has to the "
        "old transit board,” she said.",
    )
    assert [q[1] for q in out] == ["Dana Kilroy", "Dana Kilroy"]


def test_adding_after_a_quote_keeps_the_sentence_subject() -> None:
    out = _q(
        "Speaking in Ohio on Tuesday, Cruzado said there is “only one real conservative left in this race,” adding "
        "that it’s why Donald Trump “attacks us every single day and ignores the others.”",
    )
    assert [q[1] for q in out] == ["Cruzado", "Cruzado"]


def test_phrasal_and_manner_speech_verbs() -> None:
    out = _q(
        "After Gov. Jerry Brandt criticised her husband during a debate, Hillary Rowe shot back, “I suppose I "
        "could have stayed home and baked cookies instead.”",
        "“If they were serious about this, they would have brought the bipartisan bill,” Toomsen fumed on Tuesday.",
    )
    assert [q[1] for q in out] == ["Hillary Rowe", "Toomsen"]


def test_next_sentence_after_a_full_quote_is_narration_not_attribution() -> None:
    out = _q(
        "Asked about discrimination, Hayden confirmed she had faced it and said, “This country has a very severe "
        "problem that we try to overlook.” The star then recalled an incident at a movie theater in Los Angeles "
        "that left her friend in tears.",
    )
    assert out[0][1] == "Hayden"


def test_premodifier_name_before_the_speaker_is_not_the_speaker() -> None:
    out = _q(
        "Sen. Ted Cruzon will headline a fundraiser in Austin on Monday.",
        "“Anyone who ignores the law puts every family in this state at risk,” said Cruzon constituent Dan Golder.",
        "“It was a fair deal for both sides,” explained Los Angeles-based attorney Edgar Moss.",
        "“It flows off the lips, doesn’t it?” wrote Larry Oakes on Hot Air.",
    )
    assert [q[1] for q in out] == ["Dan Golder", "Edgar Moss", "Larry Oakes"]


def test_coordinated_verb_keeps_the_clause_subject() -> None:
    out = _q(
        "Rep. Thomas Massey used to support fellow Kentuckian Rand Pauls, but now said Trump had "
        "“the opportunity and the obligation to bring us together.”",
    )
    assert out[0][1] == "Thomas Massey"


def test_the_name_that_speaks_beats_an_earlier_name_in_the_sentence() -> None:
    out = _q(
        "Speaking in Charleston after the state’s Republican Party dinner, Cruzado said there is “only one real "
        "conservative left in this race,” adding that it is why the others “keep attacking us every day.”",
    )
    assert [q[1] for q in out] == ["Cruzado", "Cruzado"]


def test_a_surname_that_is_also_a_title_word() -> None:
    out = _q(
        "Billie Jean King won twelve Grand Slam singles titles while Ali was rising to stardom.",
        "King says Ali “talked the talk and walked the walk every single day of his life.”",
    )
    assert out[0][1] == "Billie Jean King"


def test_two_attributions_between_quotes_are_two_speakers() -> None:
    out = _q(
        "Sarah Silvers and Al Frank took the stage together.",
        "“Look at what you did to the schedule,” Frank said. Silvers responded, “Thank God they can fix this in "
        "post-production.”",
    )
    assert [q[1] for q in out] == ["Al Frank", "Sarah Silvers"]


def test_sentence_initial_verb_and_weekday_are_not_a_name() -> None:
    out = _q(
        "Sen. Dianne Feinsten spoke to reporters in the Capitol.",
        'Asked Tuesday about Sullivan, Feinsten said "I don\'t know anything about Jake Sullivan and the emails," '
        "she said.",
    )
    assert out[0][1] == "Dianne Feinsten"


def test_capitalised_title_phrase_before_the_speaker() -> None:
    out = _q(
        "Jillian Sotomayor spoke first at the rally.",
        "“The senator voted twice to protect gun dealers from being held accountable,” New York City Public "
        "Advocate Trish Jameson said.",
    )
    assert out[0][1] == "Trish Jameson"
