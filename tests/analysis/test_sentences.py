from __future__ import annotations

from bot.analysis.sentences import sentence_spans, split_sentences, strip_dateline


def test_abbreviations_initials_and_dates_do_not_split() -> None:
    text = "On Feb. 24 Mr. Smith met J. R. Jones in the U.S. capital. He left at 5 p.m. on Monday."
    assert split_sentences(text) == [
        "On Feb. 24 Mr. Smith met J. R. Jones in the U.S. capital.",
        "He left at 5 p.m. on Monday.",
    ]


def test_acronym_at_sentence_end_before_a_usual_opener() -> None:
    assert split_sentences("They moved to the U.S. The war went on.") == [
        "They moved to the U.S.",
        "The war went on.",
    ]


def test_quotation_ends_a_sentence_but_not_a_split_attribution() -> None:
    text = 'He said: "We will win." Then he left. "Is it over?" she asked. Nobody knew.'
    assert split_sentences(text) == [
        'He said: "We will win."',
        "Then he left.",
        '"Is it over?" she asked.',
        "Nobody knew.",
    ]


def test_ellipsis_and_brackets() -> None:
    text = "It was... fine. Wait… What now? (He did go. Later.) They came back."
    assert split_sentences(text) == [
        "It was... fine.",
        "Wait…",
        "What now?",
        "(He did go. Later.) They came back.",
    ]


def test_other_scripts_and_marks() -> None:
    assert split_sentences("我们走了。他说：“好的！”然后离开。") == [
        "我们走了。",
        "他说：“好的！”",
        "然后离开。",
    ]
    assert split_sentences("« Bonjour. » Il a dit. ¿Qué pasa? Nada.") == [
        "« Bonjour. » Il a dit.",
        "¿Qué pasa?",
        "Nada.",
    ]


def test_blank_lines_always_separate_and_offsets_match() -> None:
    text = "A heading without stop\n\nFirst sentence here. Second one."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["A heading without stop", "First sentence here.", "Second one."]
    assert split_sentences("") == []


def test_strip_dateline() -> None:
    assert (
        strip_dateline("KYIV — For several months, troops trained.") == "For several months, troops trained."
    )
    assert strip_dateline("LONDON, England (CNN) -- Police said.") == "Police said."
    assert strip_dateline("(CNN)Share, and your gift will grow.") == "Share, and your gift will grow."
    assert strip_dateline("WASHINGTON (AP) — The Senate voted.") == "The Senate voted."
    assert strip_dateline("NATO - the alliance - met.") == "NATO - the alliance - met."
