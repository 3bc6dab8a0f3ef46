from __future__ import annotations

from bot.search.query import MAX_TERMS, parse_query
from bot.search.types import QueryTerm
from bot.store.sqlite.search import fts_expression


def test_plain_words_become_quoted_terms() -> None:
    q = parse_query("Ukraine grain deal")
    assert [t.tokens for t in q.terms] == [("ukraine",), ("grain",), ("deal",)]
    assert fts_expression(q) == '"ukraine" AND "grain" AND "deal"'


def test_phrase_prefix_and_exclusion() -> None:
    q = parse_query('"interest rates" infla* -football')
    assert q.terms == (
        QueryTerm("phrase", ("interest", "rates")),
        QueryTerm("prefix", ("infla",)),
        QueryTerm("word", ("football",), negated=True),
    )
    assert fts_expression(q) == '("interest rates" AND "infla"*) NOT "football"'


def test_fts_operators_are_plain_words_or_dropped() -> None:
    q = parse_query("cats AND dogs OR NEAR(birds) title:fish ^x")
    # AND is implied, OR joins alternatives, NEAR( … ) and column:filters are just text, ^ is dropped
    assert q.terms == (
        QueryTerm("word", ("cats",)),
        QueryTerm("word", ("dogs",), alt=1),
        QueryTerm("phrase", ("near", "birds"), alt=1),
        QueryTerm("phrase", ("title", "fish")),
        QueryTerm("word", ("x",)),
    )
    assert fts_expression(q) == '"cats" AND ("dogs" OR "near birds") AND "title fish" AND "x"'


def test_degenerate_inputs() -> None:
    assert parse_query("").is_empty()
    assert parse_query("-").is_empty()
    assert parse_query('"""').is_empty()
    assert parse_query("* : ( ) ^").is_empty()
    assert parse_query("-war").is_empty()  # only exclusions: nothing to find
    assert parse_query("a*").terms == (QueryTerm("word", ("a",)),)  # one-letter prefixes are too broad
    unbalanced = parse_query('"climate summit')
    assert unbalanced.terms == (QueryTerm("phrase", ("climate", "summit")),)


def test_control_characters_and_size_are_bounded() -> None:
    q = parse_query("oil\x00price\u200bcap\x1b[31m")
    # control and zero-width characters separate words; nothing of them reaches the index
    assert [t.tokens for t in q.terms] == [("oil",), ("price",), ("cap",), ("31m",)]
    assert len(parse_query("word " * 10_000).terms) == 1  # duplicates collapse
    assert len(parse_query(" ".join(f"w{i}" for i in range(1000))).terms) == MAX_TERMS


def test_accents_and_case_kept_for_the_index_to_fold() -> None:
    q = parse_query("Café Zürich")
    assert [t.tokens for t in q.terms] == [("café",), ("zürich",)]


def test_not_excludes_and_or_gives_alternatives() -> None:
    assert fts_expression(parse_query("zebra NOT crossing")) == '("zebra") NOT "crossing"'
    assert fts_expression(parse_query('NOT "red fox" fox')) == '("fox") NOT "red fox"'
    assert fts_expression(parse_query("zebra OR football")) == '("zebra" OR "football")'
    assert (
        fts_expression(parse_query("kyiv grain OR wheat deal"))
        == '"kyiv" AND ("grain" OR "wheat") AND "deal"'
    )
    assert fts_expression(parse_query("a OR b OR c")) == '("a" OR "b" OR "c")'
    # a dangling or misplaced operator is dropped, never an error
    assert fts_expression(parse_query("OR cats OR")) == '"cats"'
    assert fts_expression(parse_query("cats OR -dogs")) == '("cats") NOT "dogs"'
    assert parse_query("NOT").is_empty() and parse_query("NOT cats").is_empty()
    # lower-case words are words
    assert [t.tokens for t in parse_query("not or").terms] == [("not",), ("or",)]


def test_an_overlong_query_is_cut_between_words() -> None:
    q = parse_query("zebra " * 400)
    assert q.terms == (QueryTerm("word", ("zebra",)),)
    cut = parse_query("a" * 990 + " crossings and more")
    assert all(t.tokens != ("cr",) for t in cut.terms) and ("crossings",) not in [t.tokens for t in cut.terms]
