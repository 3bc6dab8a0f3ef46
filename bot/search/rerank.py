"""Re-ranking candidates by content similarity, vectorised over the candidate set only.

Score = mix of TF-IDF cosine and embedding cosine to the query, plus pseudo-relevance feedback: the
similarity to the centroid of the best few candidates, which pulls the list toward the query's topic
rather than toward whichever single word it shares with an outlier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.search.vectors import ArticleVectors, FloatArray, IdfTable, normalise


@dataclass(slots=True)
class Reranked:
    tfidf: FloatArray  # cosine to the query, per candidate
    embedding: FloatArray  # embedding cosine to the query, per candidate
    score: FloatArray  # final score, per candidate
    terms: FloatArray  # dense TF-IDF rows over the candidates' own vocabulary (for grouping)
    embeddings: FloatArray  # candidate embeddings, one row each


def rerank(
    query: ArticleVectors,
    candidates: list[ArticleVectors],
    idf: IdfTable,
    *,
    tfidf_weight: float,
    feedback_docs: int,
    feedback_weight: float,
    skip: npt.NDArray[np.bool_] | None = None,
    near_duplicate: float = 9.0,
) -> Reranked:
    """`skip` marks candidates that may not serve as feedback, as does a TF-IDF cosine to the query at or
    above `near_duplicate` (copies of the query itself)."""
    n = len(candidates)
    if n == 0:
        empty = np.zeros(0, dtype=np.float32)
        return Reranked(
            empty, empty, empty, np.zeros((0, 0), dtype=np.float32), np.zeros((0, 0), dtype=np.float32)
        )
    bucket_lists = [c.terms.buckets for c in candidates] + [query.terms.buckets]
    vocab, inverse = np.unique(np.concatenate(bucket_lists), return_inverse=True)
    dense = np.zeros((n + 1, len(vocab)), dtype=np.float32)
    start = 0
    for row, (vec, buckets) in enumerate(zip([*candidates, query], bucket_lists, strict=True)):
        cols = inverse[start : start + len(buckets)]
        start += len(buckets)
        if len(buckets):
            dense[row, cols] = idf.weigh(vec.terms)
    terms, q_terms = dense[:n], dense[n]
    emb = np.stack([c.embedding for c in candidates]).astype(np.float32)
    tfidf = terms @ q_terms
    emb_sim = emb @ query.embedding
    base = tfidf_weight * tfidf + (1.0 - tfidf_weight) * emb_sim
    score = base
    if feedback_docs > 0 and feedback_weight > 0:
        order = np.argsort(-base, kind="stable")
        blocked = is_near_duplicate(tfidf, emb_sim, near_duplicate)
        if skip is not None:
            blocked = blocked | skip
        order = order[~blocked[order]]
        top = order[:feedback_docs]
        if len(top):
            c_terms = normalise(terms[top].mean(axis=0))
            c_emb = normalise(emb[top].mean(axis=0))
            centroid = tfidf_weight * (terms @ c_terms) + (1.0 - tfidf_weight) * (emb @ c_emb)
            score = (base + feedback_weight * centroid) / (1.0 + feedback_weight)
    return Reranked(
        tfidf.astype(np.float32), emb_sim.astype(np.float32), score.astype(np.float32), terms, emb
    )


def is_near_duplicate(tfidf: FloatArray, embedding: FloatArray, threshold: float) -> npt.NDArray[np.bool_]:
    """Same story: near-identical wording, or a very close embedding with largely shared terms.

    On the BBC set, different stories stay below 0.95 embedding cosine while copies with a new headline
    or a trimmed paragraph sit above 0.97 (and above `threshold - 0.2` in TF-IDF).
    """
    return (tfidf >= threshold + 0.1) | ((embedding >= 0.95) & (tfidf >= threshold - 0.2))
