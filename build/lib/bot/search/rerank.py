"""Re-ranking candidates by content similarity, vectorised over the candidate set only.

Score = mix of TF-IDF cosine and embedding cosine to the query, plus pseudo-relevance feedback: the
similarity to the centroid of the best few candidates, which pulls the list toward the query's topic
rather than toward whichever single word it shares with an outlier. The TF-IDF side stays sparse (one
flat array of all candidates' entries), so the cost is linear in the candidates' total term count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.search.vectors import ArticleVectors, FloatArray, IdfTable, TermVector, normalise

UIntArray = npt.NDArray[np.uint32]


@dataclass(slots=True)
class PackedTerms:
    """Many stored term vectors parsed into flat arrays (row i owns the next `sizes[i]` entries)."""

    buckets: UIntArray
    counts: FloatArray
    sizes: npt.NDArray[np.int64]

    @classmethod
    def parse(cls, packed: list[bytes]) -> PackedTerms:
        if not packed:
            return cls(np.zeros(0, np.uint32), np.zeros(0, np.float32), np.zeros(0, np.int64))
        sizes = np.array([len(b) // 6 for b in packed], dtype=np.int64)
        raw_bytes = np.frombuffer(b"".join(b[: 6 * (len(b) // 6)] for b in packed), dtype=np.uint8)
        starts = np.concatenate([[0], np.cumsum(6 * sizes)[:-1]])  # byte offset of each blob
        entry_start = np.repeat(starts, sizes)
        within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        bucket_at = entry_start + 4 * within
        count_at = entry_start + 4 * np.repeat(sizes, sizes) + 2 * within
        b = raw_bytes.astype(np.uint32)
        buckets = b[bucket_at] | (b[bucket_at + 1] << 8) | (b[bucket_at + 2] << 16) | (b[bucket_at + 3] << 24)
        counts = (b[count_at] | (b[count_at + 1] << 8)).astype(np.float32)
        return cls(buckets.astype(np.uint32), counts, sizes)

    def cosine(self, query: TermVector, idf: IdfTable) -> FloatArray:
        """Each row's TF-IDF cosine to `query`, without laying the rows out over a shared term list
        (cheaper than SparseRows when only this one product is needed)."""
        n = len(self.sizes)
        if n == 0 or len(query.buckets) == 0:
            return np.zeros(n, dtype=np.float32)
        rows = np.repeat(np.arange(n), self.sizes)
        raw = (1.0 + np.log(np.maximum(self.counts, 1.0))) * idf.idf[self.buckets]
        norms = np.sqrt(np.bincount(rows, weights=raw * raw, minlength=n))
        q_weights = idf.weigh(query)
        pos = np.minimum(np.searchsorted(query.buckets, self.buckets), len(query.buckets) - 1)
        shared = np.where(query.buckets[pos] == self.buckets, q_weights[pos], 0.0)
        dots = np.bincount(rows, weights=raw * shared, minlength=n)
        return (dots / np.maximum(norms, 1e-12)).astype(np.float32)

    def subset(self, chosen: npt.NDArray[np.int64]) -> PackedTerms:
        """Rows `chosen` (ascending), in that order."""
        keep = np.isin(np.repeat(np.arange(len(self.sizes)), self.sizes), chosen)
        return PackedTerms(self.buckets[keep], self.counts[keep], self.sizes[chosen])


@dataclass(slots=True)
class SparseRows:
    """Many L2-normalised sparse vectors in one flat layout: entry i belongs to row `rows[i]` and has
    term `terms[inverse[i]]`. Products go through the compact term list (`terms`, a few thousand ids),
    so each costs one gather over the entries instead of a binary search per entry."""

    terms: UIntArray  # sorted distinct buckets of all rows
    inverse: npt.NDArray[np.int64]  # per entry: index into `terms`
    rows: npt.NDArray[np.int64]
    weights: FloatArray
    n: int

    @classmethod
    def build(cls, vectors: list[ArticleVectors], idf: IdfTable) -> SparseRows:
        n = len(vectors)
        if n == 0:
            return cls(
                np.zeros(0, np.uint32),
                np.zeros(0, np.int64),
                np.zeros(0, np.int64),
                np.zeros(0, dtype=np.float32),
                0,
            )
        buckets = np.concatenate([v.terms.buckets for v in vectors]).astype(np.uint32)
        counts = np.concatenate([v.terms.counts for v in vectors]).astype(np.float32)
        sizes = np.array([len(v.terms.buckets) for v in vectors], dtype=np.int64)
        return cls.from_arrays(buckets, counts, sizes, idf)

    @classmethod
    def from_packed(cls, packed: list[bytes], idf: IdfTable) -> SparseRows:
        """Straight from stored term blobs (see TermVector.pack): one parse for all candidates."""
        return cls.from_parsed(PackedTerms.parse(packed), idf)

    @classmethod
    def from_parsed(cls, parsed: PackedTerms, idf: IdfTable) -> SparseRows:
        if len(parsed.sizes) == 0:
            return cls.build([], idf)
        return cls.from_arrays(parsed.buckets, parsed.counts, parsed.sizes, idf)

    @classmethod
    def from_arrays(
        cls, buckets: UIntArray, counts: FloatArray, sizes: npt.NDArray[np.int64], idf: IdfTable
    ) -> SparseRows:
        n = len(sizes)
        rows = np.repeat(np.arange(n), sizes)
        raw = (1.0 + np.log(np.maximum(counts, 1.0))) * idf.idf[buckets]
        norms = np.sqrt(np.bincount(rows, weights=raw * raw, minlength=n))
        weights: FloatArray = (raw / np.maximum(norms[rows], 1e-12)).astype(np.float32)
        terms, inverse = np.unique(buckets, return_inverse=True)
        return cls(terms.astype(np.uint32), inverse.astype(np.int64), rows.astype(np.int64), weights, n)

    def dense(self, buckets: UIntArray, weights: FloatArray) -> FloatArray:
        """One sparse vector (sorted `buckets`) laid out over `terms`; terms no row has are dropped."""
        out = np.zeros(len(self.terms), dtype=np.float32)
        if len(buckets) == 0 or len(self.terms) == 0:
            return out
        pos = np.minimum(np.searchsorted(self.terms, buckets), len(self.terms) - 1)
        hit = self.terms[pos] == buckets
        out[pos[hit]] = weights[hit]
        return out

    def dot_dense(self, vector: FloatArray) -> FloatArray:
        """Each row's dot product with a vector laid out over `terms`."""
        if len(self.weights) == 0:
            return np.zeros(self.n, dtype=np.float32)
        contrib = self.weights * vector[self.inverse]
        return np.bincount(self.rows, weights=contrib, minlength=self.n).astype(np.float32)

    def dot(self, buckets: UIntArray, weights: FloatArray) -> FloatArray:
        """Each row's dot product with one sparse vector (sorted `buckets`)."""
        return self.dot_dense(self.dense(buckets, weights))

    def centroid(self, members: npt.NDArray[np.int64], shares: FloatArray | None = None) -> FloatArray:
        """Normalised (weighted) mean of some rows, laid out over `terms`."""
        row_share = np.zeros(self.n, dtype=np.float32)
        row_share[members] = 1.0 if shares is None else shares
        contrib = self.weights * row_share[self.rows]
        summed = np.bincount(self.inverse, weights=contrib, minlength=len(self.terms))
        return normalise(summed.astype(np.float32))

    def row(self, i: int) -> FloatArray:
        """Row i laid out over `terms`."""
        out = np.zeros(len(self.terms), dtype=np.float32)
        mask = self.rows == i
        out[self.inverse[mask]] = self.weights[mask]
        return out


@dataclass(slots=True)
class Reranked:
    tfidf: FloatArray  # TF-IDF cosine to the query, per candidate
    embedding: FloatArray  # embedding cosine to the query, per candidate
    score: FloatArray  # final score, per candidate
    rows: SparseRows  # candidates' TF-IDF vectors (for grouping near-identical texts)
    embeddings: FloatArray  # candidates' embeddings, one row each


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
    center: FloatArray | None = None,
) -> Reranked:
    """`skip` marks candidates that may not serve as feedback, as do copies of the query itself."""
    emb = (
        np.stack([c.embedding for c in candidates]).astype(np.float32)
        if candidates
        else np.zeros((0, query.embedding.shape[0]), np.float32)
    )
    return rerank_rows(
        query,
        SparseRows.build(candidates, idf),
        emb,
        idf,
        tfidf_weight=tfidf_weight,
        feedback_docs=feedback_docs,
        feedback_weight=feedback_weight,
        skip=skip,
        near_duplicate=near_duplicate,
        center=center,
    )


def rerank_rows(
    query: ArticleVectors,
    rows: SparseRows,
    emb: FloatArray,
    idf: IdfTable,
    *,
    tfidf_weight: float,
    feedback_docs: int,
    feedback_weight: float,
    skip: npt.NDArray[np.bool_] | None = None,
    near_duplicate: float = 9.0,
    center: FloatArray | None = None,
) -> Reranked:
    """`rerank` over candidates already laid out as sparse rows and an embedding matrix.

    `center` is the collection's mean embedding. Static word-embedding averages share a large common
    direction, so raw cosines crowd together and a feedback centroid of many documents drifts toward
    "any news article"; measured from the collection's mean they spread out, and a wide feedback set
    then pulls toward the query's subject (BBC dev, full scan: P@5 0.944 raw, 0.952 centred)."""
    n = rows.n
    if n == 0:
        empty = np.zeros(0, dtype=np.float32)
        return Reranked(empty, empty, empty, rows, np.zeros((0, query.embedding.shape[0]), np.float32))
    q_weights = idf.weigh(query.terms)
    tfidf = rows.dot(query.terms.buckets, q_weights)
    emb_sim = (emb @ query.embedding).astype(np.float32)  # raw cosine: what near-duplicate tests use
    topical, q_topical = _centred(emb, query.embedding, center)
    topical_sim = (topical @ q_topical).astype(np.float32)
    base = tfidf_weight * tfidf + (1.0 - tfidf_weight) * topical_sim
    score = base
    if feedback_docs > 0 and feedback_weight > 0:
        blocked = is_near_duplicate(tfidf, emb_sim, near_duplicate)
        if skip is not None:
            blocked = blocked | skip
        order = np.argsort(-base, kind="stable")
        top = order[~blocked[order]][: 4 * feedback_docs]
        if len(top):
            shares = np.exp(-np.arange(len(top), dtype=np.float32) / feedback_docs)
            c_emb = normalise((topical[top] * shares[:, None]).sum(axis=0))
            centroid = tfidf_weight * rows.dot_dense(rows.centroid(top.astype(np.int64), shares)) + (
                1.0 - tfidf_weight
            ) * (topical @ c_emb)
            score = (base + feedback_weight * centroid) / (1.0 + feedback_weight)
    return Reranked(tfidf, emb_sim, score.astype(np.float32), rows, emb)


def _centred(emb: FloatArray, query: FloatArray, center: FloatArray | None) -> tuple[FloatArray, FloatArray]:
    """Candidates' and query's embeddings measured from `center`, L2-normalised again."""
    if center is None or not center.any():
        return emb, query
    shifted = emb - center
    norms = np.linalg.norm(shifted, axis=1, keepdims=True)
    return (shifted / np.maximum(norms, 1e-9)).astype(np.float32), normalise(query - center)


def is_near_duplicate(tfidf: FloatArray, embedding: FloatArray, threshold: float) -> npt.NDArray[np.bool_]:
    """Same story: near-identical wording, or a very close embedding with largely shared terms.

    On the BBC set, different stories stay below 0.95 embedding cosine while copies with a new headline
    or a trimmed paragraph sit above 0.97 (and well above `threshold - 0.2` in TF-IDF).
    """
    return (tfidf >= threshold + 0.1) | ((embedding >= 0.95) & (tfidf >= threshold - 0.2))
