from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search.related import DEFAULT_CONFIG, RelatedConfig, key_terms
from bot.search.rerank import PackedTerms, SparseRows, rerank_rows
from bot.search.text import BUCKETS, bucket
from bot.search.vectors import ArticleVectors, IdfTable, TermVector

_COUNTS = st.dictionaries(st.from_regex(r"[a-z]{2,8}", fullmatch=True), st.integers(1, 70_000), max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(_COUNTS, max_size=12), st.integers(0, 2**31))
def test_rows_from_stored_blobs_equal_rows_from_vectors(docs: list[dict[str, int]], seed: int) -> None:
    vectors = [ArticleVectors(TermVector.from_counts(Counter(d)), np.zeros(4, np.float32)) for d in docs]
    df = np.random.default_rng(seed).integers(0, 1000, BUCKETS).astype(np.int32)
    idf = IdfTable(1000, df)
    built = SparseRows.build(vectors, idf)
    parsed = SparseRows.from_packed([v.terms.pack() for v in vectors], idf)
    assert parsed.n == built.n == len(docs)
    for name in ("terms", "inverse", "rows", "weights"):
        assert np.array_equal(getattr(parsed, name), getattr(built, name)), name
    # the compact products agree with a plain dictionary dot product
    if docs:
        q = vectors[0].terms
        q_weights = idf.weigh(q)
        got = parsed.dot(q.buckets, q_weights)
        for i, v in enumerate(vectors):
            w = dict(zip(v.terms.buckets.tolist(), idf.weigh(v.terms).tolist(), strict=True))
            want = sum(
                w.get(b, 0.0) * qw for b, qw in zip(q.buckets.tolist(), q_weights.tolist(), strict=True)
            )
            assert abs(float(got[i]) - want) < 1e-4


def _idf(dfs: dict[str, int], documents: int) -> IdfTable:
    df = np.zeros(BUCKETS, dtype=np.int32)
    for term, n in dfs.items():
        df[bucket(term)] = n
    return IdfTable(documents, df)


def test_key_terms_stay_within_the_posting_budget() -> None:
    config = RelatedConfig(posting_budget=1_000, max_df_share=0.5)
    idf = _idf({"senate": 900, "budget": 400, "vote": 300, "tax": 200}, 100_000)
    terms = key_terms("Senate budget vote", "The senate budget vote on tax.", idf, [], config)
    assert sum(idf.document_frequency(bucket(t)) for t in terms) <= 1_000
    assert sorted(terms) == ["budget", "tax", "vote"]  # "senate" alone would spend 900 of the 1,000


def test_key_terms_fall_back_to_the_rarest_common_term() -> None:
    config = RelatedConfig(posting_budget=1_000, max_df_share=0.5)
    idf = _idf({"senate": 9_000, "budget": 4_000, "vote": 30_000}, 100_000)
    body = "The senate vote on the budget. " + "Senate! " * 10
    # "senate" has the highest tf-idf here, but alone it would rank 9,000 documents
    terms = key_terms("Senate budget vote", body, idf, [], config)
    assert terms == ["budget"]


def test_key_terms_unchanged_on_small_stores() -> None:
    idf = _idf({"senate": 3, "budget": 2}, 10)
    terms = key_terms("Senate budget", "The senate passed the budget.", idf, [], DEFAULT_CONFIG)
    assert set(terms) == {"senate", "budget", "passed"}


@settings(max_examples=60, deadline=None)
@given(st.lists(_COUNTS, min_size=1, max_size=12), st.integers(0, 2**31), st.data())
def test_packed_cosine_and_subset_agree_with_sparse_rows(
    docs: list[dict[str, int]], seed: int, data: st.DataObject
) -> None:
    vectors = [ArticleVectors(TermVector.from_counts(Counter(d)), np.zeros(4, np.float32)) for d in docs]
    idf = IdfTable(1000, np.random.default_rng(seed).integers(0, 1000, BUCKETS).astype(np.int32))
    parsed = PackedTerms.parse([v.terms.pack() for v in vectors])
    query = vectors[0].terms
    want = SparseRows.build(vectors, idf).dot(query.buckets, idf.weigh(query))
    assert np.allclose(parsed.cosine(query, idf), want, atol=1e-4)
    chosen = np.array(sorted(data.draw(st.sets(st.integers(0, len(docs) - 1)))), dtype=np.int64)
    sub = SparseRows.from_parsed(parsed.subset(chosen), idf)
    full = SparseRows.build([vectors[i] for i in chosen], idf)
    assert sub.n == full.n == len(chosen)
    assert np.allclose(sub.weights, full.weights) and np.array_equal(sub.terms, full.terms)


def _unit(v: list[float]) -> np.ndarray:
    a = np.array(v, dtype=np.float32)
    return a / np.linalg.norm(a)


def test_centred_embeddings_prefer_the_shared_subject_over_the_shared_register() -> None:
    # Every text shares a large common direction (axis 0); the query's subject is axis 1.
    query = ArticleVectors(TermVector.from_counts(Counter()), _unit([1.0, 0.3, 0.0]))
    generic = _unit([1.0, 0.0, 0.05])  # closest in raw cosine: just "another article"
    topical = _unit([0.8, 0.6, 0.0])  # same subject, a little less of the common direction
    emb = np.stack([generic, topical])
    rows = SparseRows.build([query, query], IdfTable.empty())
    kwargs = dict(tfidf_weight=0.0, feedback_docs=0, feedback_weight=0.0)
    raw = rerank_rows(query, rows, emb, IdfTable.empty(), **kwargs)  # type: ignore[arg-type]
    assert raw.score[0] > raw.score[1]
    center = _unit([1.0, 0.0, 0.0]) * 0.95
    centred = rerank_rows(query, rows, emb, IdfTable.empty(), center=center, **kwargs)  # type: ignore[arg-type]
    assert centred.score[1] > centred.score[0]
    assert np.allclose(centred.embedding, raw.embedding)  # near-duplicate tests keep the raw cosine
