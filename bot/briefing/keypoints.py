"""Key points: a multi-document extractive summary of the whole story.

Central sentences (closest to the story's TF-IDF centroid, early in their article) picked greedily while
they add something new: a sentence too close to one already taken is skipped (maximal marginal relevance),
and an outlet already quoted weighs less, so the points come from different outlets. Shown in time order.
"""

from __future__ import annotations

import math
from datetime import date

from bot.briefing.corpus import Corpus, Sent, add_into, dot, normalized
from bot.briefing.types import KeyPoint

REDUNDANCY = 0.4  # cosine above which a sentence repeats a point already made
SOURCE_PENALTY = 0.15  # per point an outlet already has


def key_points(corpus: Corpus, count: int = 10, *, query_terms: list[str] | None = None) -> list[KeyPoint]:
    if count <= 0 or not corpus.sents:
        return []
    centroid: dict[str, float] = {}
    for s in corpus.sents:
        add_into(centroid, s.vec)
    center = normalized(centroid)
    wanted = set(query_terms or [])

    def base(s: Sent) -> float:
        relevance = dot(s.vec, center) / math.sqrt(1.0 + s.position / 3.0)
        if wanted and not wanted.intersection(s.terms):
            relevance *= 0.5
        return relevance

    pool = sorted(corpus.sents, key=base, reverse=True)[: max(200, count * 20)]
    scored = {id(s): base(s) for s in pool}
    chosen: list[Sent] = []
    per_source: dict[str, int] = {}
    seen_texts: set[str] = set()
    while len(chosen) < count and pool:
        best: Sent | None = None
        best_score = -1.0
        for s in pool:
            if s.text in seen_texts:
                continue
            source = corpus.docs[s.doc].source
            value = scored[id(s)] * (1.0 - SOURCE_PENALTY * per_source.get(source, 0))
            if value > best_score:
                best, best_score = s, value
        if best is None:
            break
        pool = [s for s in pool if s is not best and dot(s.vec, best.vec) <= REDUNDANCY]
        chosen.append(best)
        seen_texts.add(best.text)
        source = corpus.docs[best.doc].source
        per_source[source] = per_source.get(source, 0) + 1
    chosen.sort(key=lambda s: (corpus.docs[s.doc].published or date.max, s.doc, s.position))
    return [
        KeyPoint(s.text, corpus.docs[s.doc].id, corpus.docs[s.doc].source, corpus.docs[s.doc].published)
        for s in chosen
    ]
