from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import InvalidQuery
from bot.search.query import parse_query
from bot.search.search import build_filters, search
from bot.store import ArticleStore
from bot.store.base import Scope
from tests.search.conftest import add

ALL = Scope.all()


async def test_title_outranks_body_and_stemming_and_accents(store: ArticleStore) -> None:
    body_only = await add(
        store, "Markets today", "Traders watched the central bank and inflation numbers closely."
    )
    in_title = await add(
        store, "Inflation surprises economists", "Prices rose faster than expected this month."
    )
    hits = await search(store, "inflation", ALL)
    assert [h.id for h in hits] == [in_title.id, body_only.id]
    assert hits[0].score > hits[1].score
    # porter stemming: "watching" finds "watched"; accent folding: "cafe" finds "Café"
    assert [h.id for h in await search(store, "watching", ALL)] == [body_only.id]
    cafe = await add(store, "Le Café de Flore reopens", "The café in Paris reopened after a long closure.")
    assert [h.id for h in await search(store, "cafe", ALL)] == [cafe.id]
    assert [h.id for h in await search(store, "CAFÉ flore", ALL)] == [cafe.id]


async def test_phrase_prefix_exclusion_and_snippet_marker(store: ArticleStore) -> None:
    a = await add(store, "Rates", "The central bank raised interest rates again on Thursday.")
    b = await add(store, "Interest", "Rates of interest vary; the bank kept them.")
    assert [h.id for h in await search(store, '"interest rates"', ALL)] == [a.id]
    assert {h.id for h in await search(store, "interest", ALL)} == {a.id, b.id}
    assert [h.id for h in await search(store, "interest -thursday", ALL)] == [b.id]
    assert {h.id for h in await search(store, "thur*", ALL)} == {a.id}
    hits = await search(store, "raised", ALL, marker=("<b>", "</b>"))
    assert "<b>raised</b>" in hits[0].snippet
    assert "**raised**" in (await search(store, "raised", ALL))[0].snippet


async def test_hostile_syntax_is_text(store: ArticleStore) -> None:
    a = await add(store, "NEAR miss at airport", "Two planes came close; officials said AND denied it.")
    for text in ["NEAR(miss airport)", "miss AND", '"', "-", "title:near", "(", ")", "miss*)", "AND OR NOT"]:
        await search(store, text, ALL)  # never raises
    assert [h.id for h in await search(store, "NEAR miss", ALL)] == [a.id]
    assert [h.id for h in await search(store, "title:airport", ALL)] == []  # "title airport" is a phrase


async def test_filters(store: ArticleStore) -> None:
    old = await add(
        store,
        "Election night",
        "Votes were counted.",
        source="BBC",
        section="Politics",
        authors=["Jane Smith"],
        published=datetime(2022, 5, 1, tzinfo=UTC),
        language="en-GB",
    )
    new = await add(
        store,
        "Election results",
        "Votes were counted again.",
        source="Reuters",
        section="World",
        authors=["Tom Brown"],
        published=datetime(2022, 7, 1, tzinfo=UTC),
        language="fr",
    )

    async def ids(**kw: str) -> list[int]:
        filters = build_filters(**kw)  # type: ignore[arg-type]
        return sorted(h.id for h in await search(store, "votes", ALL, filters))

    assert await ids() == sorted([old.id, new.id])
    assert await ids(source="bbc") == [old.id]
    assert await ids(section="world") == [new.id]
    assert await ids(author="smith") == [old.id]
    assert await ids(since="2022-06-01") == [new.id]
    assert await ids(until="2022-05-01") == [old.id]  # inclusive day
    assert await ids(until="2022-04-30") == []
    assert await ids(language="en") == [old.id]
    assert await ids(author="50%_") == []
    with pytest.raises(InvalidQuery):
        build_filters(since="last tuesday")


async def test_scope_and_copies(store: ArticleStore) -> None:
    glob = await add(store, "Storm hits coast", "A storm hit the coast overnight.")
    mine = await add(store, "Storm damage", "Storm damage in town.", guild_id=1)
    other = await add(store, "Storm warning", "Storm warning issued.", guild_id=2)
    copy = await add(
        store, "Storm hits coast (wire)", "A storm hit the coast overnight, wire copy.", duplicate_of=glob.id
    )
    assert {h.id for h in await search(store, "storm", Scope.guild(1))} == {glob.id, mine.id}
    assert {h.id for h in await search(store, "storm", Scope.guild(None))} == {glob.id}
    assert {h.id for h in await search(store, "storm", ALL)} == {glob.id, mine.id, other.id}
    assert copy.id not in {h.id for h in await search(store, "wire", ALL)}


async def test_limit_and_offset(store: ArticleStore) -> None:
    for i in range(5):
        await add(store, f"Budget story {i}", "budget " * (i + 1))
    first = await search(store, "budget", ALL, limit=2)
    second = await search(store, "budget", ALL, limit=2, offset=2)
    assert len(first) == 2 and len(second) == 2 and not {h.id for h in first} & {h.id for h in second}


def test_rank_window_only_for_broad_queries() -> None:
    import numpy as np

    from bot.search.query import parse_query
    from bot.search.search import RANK_BUDGET, rank_window
    from bot.search.text import BUCKETS, bucket
    from bot.search.vectors import IdfTable

    df = np.zeros(BUCKETS, dtype=np.int32)
    df[bucket("government")] = 500_000
    df[bucket("yukos")] = 40
    idf = IdfTable(1_000_000, df)
    assert rank_window(parse_query("yukos"), idf) is None
    assert rank_window(parse_query("government yukos"), idf) is None  # the rare word bounds the matches
    window = rank_window(parse_query("government"), idf)
    assert window is not None and RANK_BUDGET <= window < 1_000_000
    assert rank_window(parse_query("said"), idf) == RANK_BUDGET  # stop words are everywhere
    assert rank_window(parse_query("haves"), idf) == RANK_BUDGET  # …also once stemmed
    assert rank_window(parse_query("gov*"), idf) == RANK_BUDGET


async def test_broad_query_window_widens_until_the_page_is_full(store: ArticleStore) -> None:
    old = await add(store, "Old budget story", "budget cuts announced")
    for i in range(5):
        await add(store, f"Weather {i}", "sunny spells")
    hits = await store.search(
        parse_query("budget"),
        build_filters(),
        ALL,
        limit=1,
        window=1,
    )
    assert [h.id for h in hits] == [old.id]  # outside the first window, found after widening


async def test_plain_stop_words_do_not_narrow_a_search(store: ArticleStore) -> None:
    a = await add(store, "Airport reopens", "The airport reopened after the storm.")
    b = await add(store, "Plans for the harbour", "Work starts in May.")
    assert [h.id for h in await search(store, "plans for airport", ALL)] == []  # "plans" is still required
    assert [h.id for h in await search(store, "the airport for", ALL)] == [a.id]
    assert [h.id for h in await search(store, "for", ALL)] == [b.id]  # only stop words: kept
    assert [h.id for h in await search(store, '"plans for the"', ALL)] == [b.id]  # a phrase keeps them
    assert [h.id for h in await search(store, "airport -the", ALL)] == []  # an exclusion keeps them


async def test_costly_broad_query_orders_title_matches_then_newest(
    store: ArticleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When bm25 would walk long lists (only very common terms), a windowed search puts title matches
    first and newer before older within each tier, still within scope and without exclusions."""
    import bot.store.sqlite.search as sqlite_search

    monkeypatch.setattr(sqlite_search, "_COSTLY_POSTINGS", 1)  # every windowed query counts as costly
    old_title = await add(store, "Harbour plans approved", "Work starts soon.")
    body_old = await add(store, "Council news", "The harbour will be dredged.")
    body_new = await add(store, "Weather", "Fog near the harbour today.")
    new_title = await add(store, "Harbour reopens", "Ships are back.")
    await add(store, "Harbour in another server", "Private.", guild_id=7)
    excluded = await add(store, "Harbour storms", "Damage at the harbour.")
    query = parse_query("harbour -storms")
    hits = await store.search(query, build_filters(), Scope.guild(1), limit=10, window=100)
    assert [h.id for h in hits] == [new_title.id, old_title.id, body_new.id, body_old.id]
    assert excluded.id not in {h.id for h in hits}
    assert hits[0].score > hits[2].score and "**" in hits[2].snippet
    page = await store.search(query, build_filters(), Scope.guild(1), limit=2, offset=1, window=100)
    assert [h.id for h in page] == [old_title.id, body_new.id]
    # a small window widens as before until the page is full
    hits = await store.search(parse_query("harbour"), build_filters(), ALL, limit=5, window=1)
    assert len(hits) == 5
    # without a window (a narrow query) bm25 still ranks
    ranked = await store.search(parse_query("harbour"), build_filters(), Scope.guild(None), limit=10)
    assert {h.id for h in ranked} == {old_title.id, body_old.id, body_new.id, new_title.id, excluded.id}


async def test_or_and_not_keep_their_meaning(store: ArticleStore) -> None:
    crossing = await add(store, "Zebra crossing redesigned", "The council repainted the zebra crossing.")
    herd = await add(store, "Zebra herd at the zoo", "A new zebra arrived at the city zoo.")
    match = await add(store, "Football final tonight", "The football final kicks off at eight.")
    found = {h.id for h in await search(store, "zebra NOT crossing", Scope.all())}
    assert found == {herd.id}
    either = {h.id for h in await search(store, "zebra OR football", Scope.all())}
    assert either == {crossing.id, herd.id, match.id}
    both = {h.id for h in await search(store, "zoo OR final zebra", Scope.all())}
    assert both == {herd.id}


def test_probed_window_narrows_a_query_the_index_finds_broader_than_the_statistics() -> None:
    from bot.search.types import RANK_BUDGET, probed_window

    assert probed_window(None, 3, 4000, 1_000_000) == (None, None)  # 750 expected matches: rank them all
    # 10 % of the newest rows match: about 100,000 in all, so only the newest 40,000 rows are ranked
    assert probed_window(None, 400, 4000, 1_000_000) == (40_000, 4000.0)
    assert probed_window(10_000, 400, 4000, 1_000_000) == (10_000, 1000.0)  # a narrower window stays
    assert probed_window(None, 4000, 4000, 1_000_000)[0] == RANK_BUDGET  # everything matches


async def test_phrases_match_adjacent_words_only_in_one_field(store: ArticleStore) -> None:
    # On PostgreSQL a required phrase is found through its adjacent-lexeme pairs (`articles.tsp`)
    # and checked by position on those rows; the answers must be those of the positional match.
    near = await add(
        store, "Harbour cranes", "New harbour cranes arrived; the Café Rouge crowd watched the cranes."
    )
    apart = await add(store, "Cranes at the harbour", "Cranes were moved. The harbour was quiet.")
    across = await add(store, "Storm over the harbour", "Cranes toppled in the night.")  # title | body
    three = await add(store, "Port news", "The new harbour cranes arrived on Monday morning.")
    assert {h.id for h in await search(store, '"harbour cranes"', ALL)} == {near.id, three.id}
    assert {h.id for h in await search(store, '"new harbour cranes arrived"', ALL)} == {near.id, three.id}
    assert [h.id for h in await search(store, '"cafe rouge"', ALL)] == [near.id]  # accents folded both ways
    assert [h.id for h in await search(store, '"harbour cranes" -monday', ALL)] == [near.id]
    assert {h.id for h in await search(store, 'cranes -"harbour cranes"', ALL)} == {apart.id, across.id}
    either = {h.id for h in await search(store, '"harbour cranes" OR toppled', ALL)}
    assert either == {near.id, three.id, across.id}
    assert await search(store, '"harbour storm"', ALL) == []
    assert await search(store, '"harbour cranes" "monday evening"', ALL) == []
