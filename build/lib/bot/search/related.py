"""Related pieces: candidates from the full-text index (the article's weighted key terms and entities
as an OR query), re-ranked by a mix of TF-IDF and embedding cosine over stored vectors. No full scan:
only the top candidates' vectors are read. Stored copies and near-identical texts are grouped as
"also covered by" instead of filling the list.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from weakref import WeakKeyDictionary

import numpy as np
import numpy.typing as npt

from bot.errors import ArticleNotFound
from bot.models import Article
from bot.search.rerank import PackedTerms, Reranked, SparseRows, is_near_duplicate, rerank_rows
from bot.search.text import BUCKETS, bucket, index_terms, term_counts, words
from bot.search.types import Candidate, RelatedItem, RelatedResult, StoredVectors
from bot.search.vectors import (
    EMBED_DIM,
    EMBEDDER,
    VECTOR_VERSION,
    ArticleVectors,
    IdfTable,
    TermVector,
    article_vectors,
    recency_factor,
    text_vectors,
    unpack_embedding,
)
from bot.store.base import ArticleStore, Scope

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RelatedConfig:
    fetched: int = 500  # full-text candidates read per query
    candidates: int = 150  # of those, the closest by TF-IDF cosine are re-ranked
    key_terms: int = 30  # weighted terms in the candidate query
    tfidf_weight: float = 0.3  # rest goes to the embedding cosine
    near_duplicate: float = 0.8  # TF-IDF cosine around which two texts count as the same story
    max_df_share: float = 0.2  # terms in more than this share of documents do not pick candidates
    posting_budget: int = 3_000  # summed document frequency of the candidate query's terms
    feedback_docs: int = 50  # pseudo-relevance feedback: centroid of the best candidates
    feedback_weight: float = 4.0


DEFAULT_CONFIG = RelatedConfig()


# --- indexing --------------------------------------------------------------------------------------
async def index_article(store: ArticleStore, article: Article) -> None:
    """Compute and store an article's vectors; ingest calls this after the article row is written."""
    vectors = await asyncio.to_thread(article_vectors, article)
    await _put(store, article.id, vectors)


async def _put(store: ArticleStore, article_id: int, vectors: ArticleVectors) -> None:
    terms, embedding = vectors.packed()
    await store.put_vectors(article_id, terms, embedding, vectors.terms.buckets.tolist(), VECTOR_VERSION)


async def backfill_vectors(store: ArticleStore, scope: Scope | None = None, batch: int = 200) -> int:
    """Vectors for every article that lacks them (stores created before search existed)."""
    scope = scope or Scope.all()
    done = 0
    while True:
        ids = await store.ids_without_vectors(scope, VECTOR_VERSION, limit=batch)
        if not ids:
            return done
        for article in await store.get_articles(ids, Scope.all()):
            await index_article(store, article)
            done += 1


# --- collection statistics cache -------------------------------------------------------------------
@dataclass(slots=True)
class CollectionStats:
    """What related ranking needs to know about the whole store: idf weights and the mean embedding."""

    idf: IdfTable
    center: npt.NDArray[np.float32]


@dataclass(slots=True)
class _Cached:
    stats: CollectionStats
    documents: int
    loaded: float
    checked: float  # last time the store's document count was compared


_STATS: WeakKeyDictionary[ArticleStore, _Cached] = WeakKeyDictionary()
_MAX_AGE = 600.0
_SETTLED = 5_000  # documents above which the count is not re-read on every query
_CENTER_SAMPLE = 5_000  # newest embeddings averaged for the collection's mean (a stable statistic)
_CENTER_PRIOR = 50  # shrinks the mean of a small store toward zero: a handful of texts is no collection


async def idf_table(store: ArticleStore) -> IdfTable:
    return (await collection_stats(store)).idf


async def collection_stats(store: ArticleStore) -> CollectionStats:
    """Statistics change slowly; reload them when the store grew noticeably or went stale."""
    cached = _STATS.get(store)
    if cached is not None and cached.documents >= _SETTLED and time.monotonic() - cached.checked < 5.0:
        return cached.stats  # a large store: a few seconds' growth cannot move them (saves a query)
    documents = await store.indexed_documents()
    if cached is not None:
        drift = abs(documents - cached.documents)
        fresh = time.monotonic() - cached.loaded < _MAX_AGE
        if drift == 0 or (fresh and drift <= max(50, cached.documents // 50)):
            cached.checked = time.monotonic()
            return cached.stats
    terms = await store.term_stats()
    df = np.zeros(BUCKETS, dtype=np.int32)
    if len(terms.buckets):
        df[terms.buckets] = terms.df
    sample = _embedding_matrix(await store.recent_embeddings(_CENTER_SAMPLE))
    center = (sample.sum(axis=0) / (len(sample) + _CENTER_PRIOR)).astype(np.float32)
    stats = CollectionStats(IdfTable(terms.documents, df), center)
    now = time.monotonic()
    _STATS[store] = _Cached(stats, documents, now, now)
    return stats


# --- related ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Query:
    vectors: ArticleVectors
    terms: list[str]
    exclude: set[int] = field(default_factory=set)


@dataclass(slots=True)
class _Scored:
    candidate: Candidate
    score: float
    index: int  # row in the re-ranked candidate arrays
    copies: list[int] = field(default_factory=list)


def key_terms(title: str, body: str, idf: IdfTable, extra: list[str], config: RelatedConfig) -> list[str]:
    """The article's highest tf-idf terms (then analysis keywords/entities), leaving out words most
    documents share and keeping the summed document frequency within `posting_budget`, which bounds
    the full-text work per query however large the store grows."""
    counts = term_counts(title, body)
    for phrase in extra:  # analysis keywords and entities, when present, count as title words
        for w in index_terms(phrase):
            counts[w] += 2
    limit_df = idf.documents * config.max_df_share if idf.documents >= 50 else float("inf")
    ranked: list[tuple[float, str, float]] = []
    for term, n in counts.items():
        b = bucket(term)
        df = _df_of(idf, b)
        if df > limit_df:
            continue
        ranked.append(((1.0 + float(np.log(n))) * idf.term_idf(b), term, df))
    ranked.sort(key=lambda x: (-x[0], x[1]))
    chosen: list[str] = []
    postings = 0.0
    for _, term, df in ranked:
        if len(chosen) >= config.key_terms:
            break
        if postings + df > config.posting_budget:
            continue
        chosen.append(term)
        postings += df
    if not chosen and ranked:  # every term is common: the rarest one alone keeps the query narrowest
        chosen.append(min(ranked, key=lambda x: (x[2], -x[0], x[1]))[1])
    return chosen


def _df_of(idf: IdfTable, b: int) -> float:
    return float(idf.document_frequency(b))


def _analysis_terms(article: Article) -> list[str]:
    if article.analysis is None:
        return []
    ents = article.analysis.entities
    return [*article.analysis.keywords[:6], *ents.people[:4], *ents.organizations[:4], *ents.places[:3]]


async def _vectors_for(store: ArticleStore, article: Article) -> ArticleVectors:
    stored = (await store.get_vectors([article.id])).get(article.id)
    if stored is not None and stored.version == VECTOR_VERSION:
        return _unpack(stored)
    vectors = await asyncio.to_thread(article_vectors, article)
    await _put(store, article.id, vectors)
    return vectors


def _embedding_matrix(packed: list[bytes]) -> npt.NDArray[np.float32]:
    """Stored embeddings as one matrix (a malformed one counts as zeros, like unpack_embedding)."""
    if all(len(b) == EMBED_DIM * 2 for b in packed):
        return np.frombuffer(b"".join(packed), dtype="<f2").reshape(len(packed), EMBED_DIM).astype(np.float32)
    return np.stack([unpack_embedding(b) for b in packed]) if packed else np.zeros((0, EMBED_DIM), np.float32)


def _unpack(stored: StoredVectors) -> ArticleVectors:
    return ArticleVectors(TermVector.unpack(stored.terms), unpack_embedding(stored.embedding))


async def related_to_article(
    store: ArticleStore,
    article_ref: int | Article,
    scope: Scope,
    *,
    limit: int = 5,
    recent_half_life_days: float | None = None,
    config: RelatedConfig = DEFAULT_CONFIG,
) -> RelatedResult:
    """Related pieces for a stored article visible in `scope` (a copy is answered as its original).
    Pass the article itself when the caller has already resolved it in that scope."""
    article = article_ref if isinstance(article_ref, Article) else await store.get_article(article_ref, scope)
    if article is None:
        raise ArticleNotFound(article_ref)
    if article.duplicate_of is not None:
        original = await store.get_article(article.duplicate_of, scope)
        if original is not None:
            article = original
    stats = await collection_stats(store)
    idf = stats.idf
    vectors = await _vectors_for(store, article)
    terms = key_terms(
        article.title,
        "\n".join(filter(None, [article.subtitle, article.body])),
        idf,
        _analysis_terms(article),
        config,
    )
    query = _Query(vectors, terms, {article.id})
    result = await _related(store, query, stats, scope, limit, recent_half_life_days, config)
    result.article_id = article.id
    return result


async def related_to_topic(
    store: ArticleStore,
    topic: str,
    scope: Scope,
    *,
    limit: int = 5,
    recent_half_life_days: float | None = None,
    config: RelatedConfig = DEFAULT_CONFIG,
) -> RelatedResult:
    """Related pieces for free text (a few words or a paragraph)."""
    topic = " ".join(topic.split())[:5000]
    stats = await collection_stats(store)
    vectors = await asyncio.to_thread(text_vectors, "", topic)
    terms = key_terms("", topic, stats.idf, [], config) if words(topic) else []
    result = await _related(store, _Query(vectors, terms), stats, scope, limit, recent_half_life_days, config)
    result.topic = topic
    return result


async def _related(
    store: ArticleStore,
    query: _Query,
    stats: CollectionStats,
    scope: Scope,
    limit: int,
    half_life: float | None,
    config: RelatedConfig,
) -> RelatedResult:
    limit = max(1, min(int(limit), 50))
    result = RelatedResult(items=[])
    if not query.terms:
        return result
    candidates = [
        c
        for c in await store.related_candidates(query.terms, scope, config.fetched)
        if c.id not in query.exclude
    ]
    await _fill_missing_vectors(store, candidates)
    candidates, terms = _closest(
        [c for c in candidates if c.vectors is not None], query, stats.idf, config.candidates
    )
    stored = [c.vectors for c in candidates if c.vectors is not None]
    own_copy = np.array(
        [c.duplicate_of is not None and c.duplicate_of in query.exclude for c in candidates], dtype=bool
    )
    ranked = rerank_rows(
        query.vectors,
        SparseRows.from_parsed(terms, stats.idf),
        _embedding_matrix([v.embedding for v in stored]),
        stats.idf,
        tfidf_weight=config.tfidf_weight,
        feedback_docs=config.feedback_docs,
        feedback_weight=config.feedback_weight,
        skip=own_copy,
        near_duplicate=config.near_duplicate,
        center=stats.center,
    )
    near_dup = is_near_duplicate(ranked.tfidf, ranked.embedding, config.near_duplicate)
    now = datetime.now(UTC)
    scored: list[_Scored] = []
    for i, cand in enumerate(candidates):
        score = float(ranked.score[i])
        if own_copy[i] or near_dup[i]:
            result.also_covered_by.append(cand.id)  # a copy of the article itself
            continue
        if half_life and cand.published is not None:
            score *= recency_factor((now - cand.published).total_seconds() / 86400, half_life)
        scored.append(_Scored(cand, score, i))
    scored.sort(key=lambda s: (-s.score, s.candidate.id))
    chosen = _group(scored, ranked, limit, config)
    copies = await store.copies_of([s.candidate.id for s in chosen] + sorted(query.exclude), scope)
    for s in chosen:
        for cid in copies.get(s.candidate.id, []):
            if cid not in s.copies:
                s.copies.append(cid)
    for orig in query.exclude:
        for cid in copies.get(orig, []):
            if cid not in result.also_covered_by:
                result.also_covered_by.append(cid)
    result.also_covered_by.sort()
    result.items = [
        RelatedItem(
            id=s.candidate.id,
            title=s.candidate.title,
            score=s.score,
            published=s.candidate.published,
            source=s.candidate.source,
            also_covered_by=sorted(s.copies),
        )
        for s in chosen
    ]
    return result


def _closest(
    candidates: list[Candidate], query: _Query, idf: IdfTable, keep: int
) -> tuple[list[Candidate], PackedTerms]:
    """The `keep` candidates nearest the query by TF-IDF cosine, in full-text order, with their parsed
    term vectors. The full-text score weighs every key term alike, so a text sharing many minor terms
    outranks one sharing the article's main subject; the cosine weighs them as the article does."""
    parsed = PackedTerms.parse([c.vectors.terms for c in candidates if c.vectors is not None])
    if len(candidates) <= keep:
        return candidates, parsed
    cosine = parsed.cosine(query.vectors.terms, idf)
    chosen = np.sort(np.argsort(-cosine, kind="stable")[:keep])
    return [candidates[i] for i in chosen], parsed.subset(chosen)


def _group(scored: list[_Scored], ranked: Reranked, limit: int, config: RelatedConfig) -> list[_Scored]:
    """Best first; a stored copy or a near-identical text joins the item it copies. A copy that
    outscores its original (a punchier headline) lists the original in its place, so one story never
    shows both as an item and as "also covered by"."""
    present = {s.candidate.id: s for s in scored}
    chosen: list[tuple[_Scored, npt.NDArray[np.bool_]]] = []
    by_id: dict[int, _Scored] = {}
    handled: set[int] = set()
    for s in scored:
        if s.candidate.id in handled:
            continue
        original = s.candidate.duplicate_of
        lead = present.get(original, s) if original is not None else s
        members = [s.candidate.id] if lead is s else [lead.candidate.id, s.candidate.id]
        handled.update(members)
        if lead.candidate.id in by_id:
            by_id[lead.candidate.id].copies.append(s.candidate.id)
            continue
        twin = next((c for c, twins in chosen if twins[lead.index]), None)
        if twin is not None:
            twin.copies.extend(members)
            continue
        if len(chosen) >= limit:
            continue  # still scanning: later copies of chosen items are grouped above
        twins = is_near_duplicate(
            ranked.rows.dot_dense(ranked.rows.row(lead.index)),
            ranked.embeddings @ ranked.embeddings[lead.index],
            config.near_duplicate,
        )
        if lead is not s:
            lead.score = max(lead.score, s.score)  # the story ranks where its best version does
            lead.copies.append(s.candidate.id)
        chosen.append((lead, twins))
        by_id[lead.candidate.id] = lead
    return [c for c, _ in chosen]


async def _fill_missing_vectors(store: ArticleStore, candidates: list[Candidate]) -> None:
    """Lazily index candidates that have no (current) vectors yet."""
    missing = [c for c in candidates if c.vectors is None or c.vectors.version != VECTOR_VERSION]
    if not missing:
        return
    articles = {a.id: a for a in await store.get_articles([c.id for c in missing], Scope.all())}
    for cand in missing:
        article = articles.get(cand.id)
        if article is None:
            continue
        vectors = await asyncio.to_thread(article_vectors, article)
        await _put(store, cand.id, vectors)
        terms, embedding = vectors.packed()
        cand.vectors = StoredVectors(cand.id, terms, embedding, VECTOR_VERSION)


__all__ = [
    "EMBEDDER",
    "RelatedConfig",
    "backfill_vectors",
    "collection_stats",
    "idf_table",
    "index_article",
    "related_to_article",
    "related_to_topic",
]
