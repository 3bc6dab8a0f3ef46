"""Acceptance on the seed article: quotes with speakers, no terms as quotes, a clean summary."""

from __future__ import annotations

from bot.analysis import analyze
from bot.analysis.quotes import extract_quotes
from bot.analysis.summary import summarize
from bot.models import Paragraph, Quote
from bot.store.codec import analysis_from_db, analysis_to_db


def _find(quotes: list[Quote], fragment: str) -> Quote:
    hits = [q for q in quotes if fragment in q.text]
    assert len(hits) == 1, f"{fragment!r} found {len(hits)} times in {[q.text for q in quotes]}"
    return hits[0]


def test_seed_quotes_have_right_speakers(seed: list[Paragraph]) -> None:
    quotes = extract_quotes(seed)
    q = _find(quotes, "Our cause is right and sooner or later we will win anyway.")
    assert q.speaker == "Alexander Lukashenko" and q.kind == "full"
    q = _find(
        quotes,
        "Belarus does not have enough forces and means to conduct an offensive similar to the one that took place on Feb. 24.",
    )
    assert q.speaker == "Oleksiy Danilov"


def test_seed_split_quote_is_one_quote(seed: list[Paragraph]) -> None:
    quotes = extract_quotes(seed)
    q = _find(quotes, "Unfortunately, a new direction has appeared, or as we normally say, a new front")
    assert "We have to pay attention to this." in q.text
    assert q.speaker == "Alexander Lukashenko"
    assert not [x for x in quotes if x is not q and "We have to pay attention" in x.text]


def test_seed_terms_are_not_quotes(seed: list[Paragraph]) -> None:
    texts = [q.text for q in extract_quotes(seed)]
    for term in ("people's militia", "the demographic pit", "Belarusian Guyun", "rail war"):
        assert not any(term in t for t in texts), term


def test_seed_quotes_in_article_order_with_paragraph_index(seed: list[Paragraph]) -> None:
    quotes = extract_quotes(seed)
    assert [q.paragraph for q in quotes] == sorted(q.paragraph for q in quotes)
    for q in quotes:
        first_words = q.text.split()[0].strip(",.")
        assert first_words in seed[q.paragraph].text


def test_seed_key_quotes_prefer_full_named_statements(seed: list[Paragraph]) -> None:
    a = analyze(seed)
    top = a.key_quotes(3)
    assert all(q.kind == "full" and q.speaker for q in top)


def test_seed_summary_is_clean(seed: list[Paragraph]) -> None:
    summary = summarize(seed)
    assert len(summary) == 3
    body_order = [next(i for i, p in enumerate(seed) if s in p.text) for s in summary]
    assert body_order == sorted(body_order)
    for s in summary:
        assert "newsletter" not in s.lower() and "sign up" not in s.lower()
        assert not s.startswith("KYIV")
        assert s.rstrip()[-1] in '.!?"”'
        # not a heading or a caption paragraph on its own
        assert all(s != p.text.strip() or len(p.text.split()) > 12 for p in seed)
    assert not any("Military hardware" in s or "/TASS/" in s for s in summary)


def test_seed_summary_word_budget(seed: list[Paragraph]) -> None:
    short = summarize(seed, sentences=None, words=60)
    assert 1 <= len(short) and sum(len(s.split()) for s in short) <= 72


def test_analysis_json_round_trip(seed: list[Paragraph]) -> None:
    a = analyze(seed, title="Why Belarus will or won't join the war")
    b = analysis_from_db(analysis_to_db(a))
    assert b == a
    assert "Alexander Lukashenko" in a.entities.people
    assert "Belarus" in a.entities.places


def test_seed_partial_quote_with_bracketed_insertion(seed: list[Paragraph]) -> None:
    q = _find(extract_quotes(seed), "if they hit Mozyr [a city close to the Ukrainian border].")
    assert q.speaker == "Alexander Lukashenko" and q.kind == "partial"


def test_seed_entities_group_and_dateline(seed: list[Paragraph]) -> None:
    e = analyze(seed).entities
    assert "Belarusian Guyun" not in e.people and "Belarusian Guyun" in e.organizations
    assert "Kyiv" in e.places and "KYIV" not in e.places
    assert "NSDC" not in e.organizations and "National Security and Defense Council" in e.organizations
