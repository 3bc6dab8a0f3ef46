"""Per-article vectors for related pieces: a hashed term-count vector (weighted by idf at query time,
so weights follow the growing store) and a 256-dim wordllama embedding, both packed to bytes for storage.

`article_vectors(article)` is pure and CPU-only (~1–2 ms); ingest calls it through `index_article`.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.models import Article
from bot.search.text import BUCKETS, bucket, join_texts, term_counts

log = logging.getLogger(__name__)

VECTOR_VERSION = 1
EMBED_DIM = 256
_MAX_EMBED_CHARS = 20_000  # the model pools token embeddings; the lead of an article says enough

FloatArray = npt.NDArray[np.float32]


@dataclass(slots=True)
class TermVector:
    """Sorted hashed buckets with their (title-boosted) counts."""

    buckets: npt.NDArray[np.uint32]
    counts: npt.NDArray[np.uint16]

    def pack(self) -> bytes:
        return self.buckets.astype("<u4").tobytes() + self.counts.astype("<u2").tobytes()

    @classmethod
    def unpack(cls, data: bytes) -> TermVector:
        n = len(data) // 6
        buckets = np.frombuffer(data, dtype="<u4", count=n)
        counts = np.frombuffer(data, dtype="<u2", count=n, offset=4 * n)
        return cls(buckets, counts)

    @classmethod
    def from_counts(cls, counts: Counter[str]) -> TermVector:
        merged: dict[int, int] = {}
        for term, n in counts.items():
            b = bucket(term)
            merged[b] = merged.get(b, 0) + n
        keys = np.fromiter(sorted(merged), dtype=np.uint32, count=len(merged))
        values = np.fromiter((min(merged[int(k)], 65535) for k in keys), dtype=np.uint16, count=len(keys))
        return cls(keys, values)


class _Embedder:
    """The wordllama model, loaded once from inside its wheel (no download), shared by threads."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    root = logging.getLogger()
                    handlers, level = list(root.handlers), root.level
                    import wordllama  # calls logging.basicConfig(level=INFO) at import time
                    from wordllama import WordLlama

                    for handler in root.handlers[:]:  # undo that: logging is the application's choice
                        if handler not in handlers:
                            root.removeHandler(handler)
                    root.setLevel(level)

                    self._model = WordLlama.load(
                        cache_dir=Path(wordllama.__file__).parent, disable_download=True
                    )
                    log.info("wordllama model loaded")
        return self._model

    def embed(self, text: str) -> FloatArray:
        vector = np.asarray(self.model().embed(text[:_MAX_EMBED_CHARS] or " ")[0], dtype=np.float32)
        return normalise(vector)


EMBEDDER = _Embedder()


def normalise(vector: FloatArray) -> FloatArray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def pack_embedding(vector: FloatArray) -> bytes:
    return normalise(vector).astype("<f2").tobytes()


def unpack_embedding(data: bytes) -> FloatArray:
    if len(data) != EMBED_DIM * 2:
        return np.zeros(EMBED_DIM, dtype=np.float32)
    return np.frombuffer(data, dtype="<f2").astype(np.float32)


@dataclass(slots=True)
class ArticleVectors:
    terms: TermVector
    embedding: FloatArray

    def packed(self) -> tuple[bytes, bytes]:
        return self.terms.pack(), pack_embedding(self.embedding)


def text_vectors(title: str, body: str) -> ArticleVectors:
    counts = term_counts(title, body)
    return ArticleVectors(TermVector.from_counts(counts), EMBEDDER.embed(join_texts([title, body])))


def article_vectors(article: Article) -> ArticleVectors:
    """The vectors ingest stores for an article (title, subtitle and body)."""
    return text_vectors(article.title, join_texts([article.subtitle, article.body]))


class IdfTable:
    """idf per bucket from the store's document frequencies; smooth, so unseen terms weigh most."""

    def __init__(self, documents: int, df: npt.NDArray[np.int32]) -> None:
        self.documents = documents
        self.df = df
        self.idf = (np.log((documents + 1) / (df.astype(np.float32) + 1)) + 1).astype(np.float32)

    @classmethod
    def empty(cls) -> IdfTable:
        return cls(0, np.zeros(BUCKETS, dtype=np.int32))

    def weigh(self, vector: TermVector) -> FloatArray:
        """Sublinear tf × idf, L2-normalised, aligned with vector.buckets."""
        if len(vector.buckets) == 0:
            return np.zeros(0, dtype=np.float32)
        w = (1.0 + np.log(vector.counts.astype(np.float32))) * self.idf[vector.buckets]
        return normalise(w.astype(np.float32))

    def document_frequency(self, term_bucket: int) -> int:
        return int(self.df[term_bucket])

    def term_idf(self, term_bucket: int) -> float:
        return float(self.idf[term_bucket])


def sparse_cosine(
    a_buckets: npt.NDArray[np.uint32],
    a_weights: FloatArray,
    b_buckets: npt.NDArray[np.uint32],
    b_weights: FloatArray,
) -> float:
    """Dot product of two L2-normalised sparse vectors with sorted bucket ids."""
    if len(a_buckets) == 0 or len(b_buckets) == 0:
        return 0.0
    _, ia, ib = np.intersect1d(a_buckets, b_buckets, assume_unique=True, return_indices=True)
    return float(np.dot(a_weights[ia], b_weights[ib]))


def recency_factor(age_days: float, half_life_days: float) -> float:
    """Gentle preference: never below 0.8 of the content score, so relevance still leads."""
    return 0.8 + 0.2 * math.exp(-max(age_days, 0.0) / max(half_life_days, 1e-6))
