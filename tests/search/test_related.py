from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest

from bot.errors import ArticleNotFound
from bot.search.related import (
    _CENTER_PRIOR,
    DEFAULT_CONFIG,
    _group,
    _Scored,
    collection_stats,
    index_article,
    related_to_article,
    related_to_topic,
)
from bot.search.rerank import Reranked, SparseRows
from bot.search.types import Candidate
from bot.search.vectors import ArticleVectors, IdfTable, TermVector, unpack_embedding
from bot.store import ArticleStore
from bot.store.base import Scope
from tests.search.conftest import add

ALL = Scope.all()

FOOTBALL = [
    (
        "Arsenal beat Chelsea in London derby",
        "Arsenal striker scored twice as the Gunners beat Chelsea 3-1 in "
        "the Premier League derby. The manager praised the midfield and the goalkeeper made a late save.",
    ),
    (
        "Chelsea manager under pressure after derby defeat",
        "Chelsea lost the Premier League derby to Arsenal. "
        "The striker missed a penalty, the goalkeeper was at fault and fans booed the manager.",
    ),
    (
        "Liverpool striker injured before cup final",
        "Liverpool will be without their striker for the cup final "
        "after a hamstring injury. The manager said the Premier League club had a strong squad and goalkeeper.",
    ),
]
MARKETS = [
    (
        "Central bank raises interest rates",
        "The central bank raised interest rates to curb inflation. "
        "Economists expect bond yields and mortgage costs to climb while shares fell on the stock market.",
    ),
    (
        "Inflation hits ten-year high",
        "Inflation rose to a ten-year high, pushing the central bank toward "
        "higher interest rates. Bond markets and shares reacted as economists revised forecasts.",
    ),
    (
        "Shares slide as bond yields climb",
        "Stock market shares slid as bond yields climbed on fears the "
        "central bank will keep raising interest rates to fight inflation, economists said.",
    ),
]
SPACE = [
    (
        "Rocket launch delayed by weather",
        "The space agency delayed the rocket launch because of high winds. "
        "Astronauts will wait for the orbit window; the satellite payload is ready on the launch pad.",
    ),
    (
        "Astronauts return from space station",
        "Astronauts returned from the orbiting space station after six "
        "months. The capsule landed safely and the space agency praised the crew and the rocket team.",
    ),
]


async def _load(store: ArticleStore, guild_id: int | None = None) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for name, docs in (("football", FOOTBALL), ("markets", MARKETS), ("space", SPACE)):
        for title, body in docs:
            art = await add(store, title, body, guild_id=guild_id)
            await index_article(store, art)
            out.setdefault(name, []).append(art.id)
    return out


async def test_related_prefers_the_same_topic(store: ArticleStore) -> None:
    ids = await _load(store)
    for topic, members in ids.items():
        for member in members:
            result = await related_to_article(store, member, ALL, limit=len(members) - 1)
            assert result.article_id == member
            assert {i.id for i in result.items} == set(members) - {member}, topic
            scores = [i.score for i in result.items]
            assert scores == sorted(scores, reverse=True)


async def test_topic_query(store: ArticleStore) -> None:
    ids = await _load(store)
    result = await related_to_topic(store, "interest rates and inflation", ALL, limit=3)
    assert result.topic == "interest rates and inflation"
    assert {i.id for i in result.items} == set(ids["markets"])
    assert (await related_to_topic(store, "   ", ALL)).items == []
    assert (await related_to_topic(store, 'NEAR( " * -', ALL)).items == []


async def test_copies_are_grouped_not_listed(store: ArticleStore) -> None:
    ids = await _load(store)
    long_body = (
        "The central bank raised interest rates by half a point on Thursday, its fourth rise this year, "
        "saying inflation was still far above its target. Mortgage lenders said repayments would climb "
        "for millions of households.\n\nThe governor told reporters that wage growth and energy prices "
        "kept pressure on prices, and that further rises could not be ruled out. Bond yields rose and "
        "shares in housebuilders fell on the stock market after the decision.\n\nEconomists were split: "
        "some argued the bank risked tipping the economy into recession, others that it had acted too "
        "slowly. Retailers warned of weaker spending before the holidays, while savers welcomed better "
        "returns. The next decision is due in six weeks, when new inflation figures will be published."
    )
    original = (await add(store, "Central bank lifts rates to fight inflation", long_body)).id
    await index_article(store, (await store.get_article(original, ALL)))  # type: ignore[arg-type]
    body = long_body
    stored_copy = await add(
        store, "Rates up again (wire)", body + " Subscribe to our newsletter.", duplicate_of=original
    )
    twin = await add(store, "Bank lifts rates", body)  # same text, not flagged: found by similarity
    await index_article(store, stored_copy)
    await index_article(store, twin)
    result = await related_to_article(store, original, ALL, limit=5)
    listed = {i.id for i in result.items}
    assert stored_copy.id not in listed and twin.id not in listed
    assert {stored_copy.id, twin.id} <= set(result.also_covered_by)
    # Asked from another markets article, the original shows once with its copies attached.
    other = await related_to_article(store, ids["markets"][1], ALL, limit=8)
    entry = next(i for i in other.items if i.id in {original, twin.id})
    assert (entry.id, entry.also_covered_by) == (original, sorted([stored_copy.id, twin.id]))
    assert len({original, twin.id, stored_copy.id} & {i.id for i in other.items}) == 1
    # Asked about the copy, the answer is about its original.
    assert (await related_to_article(store, stored_copy.id, ALL)).article_id == original


async def test_scope_is_respected(store: ArticleStore) -> None:
    theirs = await _load(store, guild_id=2)
    mine = await _load(store, guild_id=1)
    result = await related_to_article(store, mine["football"][0], Scope.guild(1), limit=10)
    visible = {i for ids in mine.values() for i in ids}
    assert result.items and {i.id for i in result.items} <= visible
    with pytest.raises(ArticleNotFound):
        await related_to_article(store, theirs["football"][0], Scope.guild(1))
    topic = await related_to_topic(store, "rocket launch astronauts", Scope.guild(None))
    assert topic.items == []  # the global library is empty here


async def test_vectors_computed_lazily_and_recency(store: ArticleStore) -> None:
    ids = {}
    for i, (title, body) in enumerate(MARKETS):
        art = await add(store, title, body, published=datetime(2020 + i * 2, 1, 1, tzinfo=UTC))
        ids[art.id] = i
    first = min(ids)
    plain = await related_to_article(store, first, ALL, limit=2)  # no index_article call at all
    assert len(plain.items) == 2
    assert await store.indexed_documents() == 3
    recent = await related_to_article(store, first, ALL, limit=2, recent_half_life_days=30)
    assert recent.items[0].id == max(ids)  # the newest wins when relevance is close


async def test_collection_mean_embedding_is_the_stores_mean_shrunk_when_small(store: ArticleStore) -> None:
    for title, body in [*MARKETS, *SPACE]:
        await index_article(store, await add(store, title, body))
    stats = await collection_stats(store)
    stored = await store.get_vectors(range(1, 6))
    embeddings = np.stack([unpack_embedding(v.embedding) for v in stored.values()])
    assert len(embeddings) == 5 == len(await store.recent_embeddings(100))
    assert len(await store.recent_embeddings(2)) == 2
    assert np.allclose(stats.center, embeddings.sum(axis=0) / (5 + _CENTER_PRIOR), atol=1e-5)


def test_a_copy_outscoring_its_original_lists_the_original_once() -> None:
    words = ["rates", "football", "rocket"]
    vectors = [
        ArticleVectors(TermVector.from_counts(Counter({w: 3})), np.eye(3, dtype=np.float32)[i])
        for i, w in enumerate(words)
    ]
    rows = SparseRows.build(vectors, IdfTable.empty())
    ranked = Reranked(
        np.zeros(3, np.float32),
        np.zeros(3, np.float32),
        np.zeros(3, np.float32),
        rows,
        np.eye(3, dtype=np.float32),
    )

    def cand(i: int, duplicate_of: int | None = None) -> Candidate:
        return Candidate(
            id=i,
            title=f"#{i}",
            published=None,
            source=None,
            guild_id=None,
            duplicate_of=duplicate_of,
            vectors=None,
        )

    copy, other, original = (
        _Scored(cand(30, 10), 0.9, 0),
        _Scored(cand(20), 0.8, 1),
        _Scored(cand(10), 0.5, 2),
    )
    chosen = _group([copy, other, original], ranked, 5, DEFAULT_CONFIG)
    assert [s.candidate.id for s in chosen] == [10, 20]
    assert chosen[0].copies == [30] and chosen[0].score == 0.9
