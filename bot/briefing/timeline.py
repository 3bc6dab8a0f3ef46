"""The dated developments of a story (DATEWISE-style: rank dates, then summarise each date).

Dates are ranked by how much the coverage points at them: the articles published that day, and above all
the articles that mention the day (a later article saying "on June 15" or "last Tuesday" tells that
something happened then; a busy news day with nothing anyone refers back to is not automatically an event).
Each chosen date is then summarised by the candidate sentences most central to what was written about
it — sentences mentioning it, and sentences of that day's articles that mention no other date — restricted
to sentences on the story's own terms, without repeating what is already in the timeline.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from bot.briefing.corpus import Corpus, Sent, Vector, add_into, dot, normalized
from bot.briefing.types import BriefSentence, TimelineEntry


@dataclass(frozen=True, slots=True)
class TimelineParams:
    """Method settings (tuned on the method's behaviour, not on any one story)."""

    mention_weight: float = 2.0  # weight of date references against publication counts
    lead_positions: int = 5  # sentences of a day's article that speak for that day
    keywords: int = 20  # story terms a sentence should share when there is no query
    redundancy: float = 0.5  # cosine above which a sentence repeats one already chosen
    later_bonus: float = 1.0  # extra weight of a reference from an article published after the date
    position_decay: float = 100.0  # how fast a sentence's weight falls with its place in the article
    mention_bonus: float = 0.7  # weight of a sentence naming the date against one merely published on it
    length_target: float = 0.0  # > 0: prefer sentences of about this many words
    burst_window: int = 3  # > 0: count a day's articles above the mean of the days around it
    burst_share: float = 0.5  # how much of the surrounding level is taken off


def _in_span(d: date, start: date | None, end: date | None) -> bool:
    return (start is None or d >= start) and (end is None or d <= end)


def date_scores(
    corpus: Corpus, start: date | None, end: date | None, params: TimelineParams
) -> dict[date, float]:
    """Importance of each day: share of publications plus share of (distinct-article) references."""
    pub: dict[date, float] = defaultdict(float)
    for doc in corpus.docs:
        if doc.published and _in_span(doc.published, start, end):
            pub[doc.published] += 1
    refs: dict[date, float] = defaultdict(float)
    seen: set[tuple[int, date]] = set()
    for s in corpus.sents:
        published = corpus.docs[s.doc].published
        for d in s.dates:
            if not _in_span(d, start, end) or (s.doc, d) in seen or d == published:
                continue
            seen.add((s.doc, d))
            later = published is not None and published > d
            refs[d] += 1.0 + (params.later_bonus if later else 0.0)
    if params.burst_window > 0:
        w = params.burst_window
        level = {
            d: sum(pub.get(d + timedelta(days=i), 0) for i in range(-w, w + 1) if i) / (2 * w) for d in pub
        }
        pub = {d: max(0.0, n - params.burst_share * level[d]) for d, n in pub.items()}
    total_pub = sum(pub.values()) or 1
    total_refs = sum(refs.values()) or 1
    scores: dict[date, float] = {}
    for d in set(pub) | set(refs):
        scores[d] = pub.get(d, 0.0) / total_pub + params.mention_weight * refs.get(d, 0.0) / total_refs
    return scores


def default_size(scores: dict[date, float], articles: int) -> tuple[int, int]:
    """How many dates and sentences per date when the caller does not say: about one date in four days
    with news, between 5 and 12."""
    if not scores:
        return 0, 1
    n = max(5, min(12, len(scores) // 4))
    return min(n, len(scores)), (2 if articles >= 20 else 1)


def build_timeline(
    corpus: Corpus,
    *,
    start: date | None = None,
    end: date | None = None,
    n_dates: int | None = None,
    per_date: int | None = None,
    query_terms: list[str] | None = None,
    params: TimelineParams | None = None,
) -> list[TimelineEntry]:
    params = params or TimelineParams()
    scores = date_scores(corpus, start, end, params)
    if n_dates is None or per_date is None:
        auto_n, auto_k = default_size(scores, len(corpus.docs))
        n_dates = auto_n if n_dates is None else n_dates
        per_date = auto_k if per_date is None else per_date
    if n_dates <= 0 or per_date <= 0:
        return []
    keywords = set(query_terms or []) | set(corpus.article_terms(params.keywords))

    by_date: dict[date, list[Sent]] = defaultdict(list)
    for s in corpus.sents:
        if not keywords.intersection(s.terms):
            continue
        published = corpus.docs[s.doc].published
        if s.dates:
            for d in s.dates:
                if _in_span(d, start, end):
                    by_date[d].append(s)
        elif published is not None and s.position < params.lead_positions and _in_span(published, start, end):
            by_date[published].append(s)

    ranked = sorted(scores, key=lambda d: (-scores[d], d))
    chosen: list[Vector] = []
    used_texts: set[str] = set()
    entries: list[TimelineEntry] = []
    for d in ranked:
        if len(entries) >= n_dates:
            break
        picked = _summarise_day(d, by_date.get(d, []), per_date, chosen, used_texts, params, corpus)
        if picked:
            entries.append(TimelineEntry(d, picked))
    entries.sort(key=lambda e: e.date)
    return entries


def _summarise_day(
    day: date,
    candidates: list[Sent],
    k: int,
    chosen: list[Vector],
    used_texts: set[str],
    params: TimelineParams,
    corpus: Corpus,
) -> list[BriefSentence]:
    if not candidates:
        return []
    centroid: dict[str, float] = {}
    for s in candidates:
        add_into(centroid, s.vec)
    center = normalized(centroid)

    def value(s: Sent) -> float:
        v = dot(s.vec, center) / math.sqrt(1 + s.position / params.position_decay)
        if day in s.dates:
            v *= params.mention_bonus
        if params.length_target > 0:
            v /= 1.0 + abs(len(s.text.split()) - params.length_target) / params.length_target
        return v

    ranked = sorted(candidates, key=lambda s: -value(s))
    out: list[BriefSentence] = []
    for s in ranked:
        if len(out) >= k:
            break
        if s.text in used_texts or any(dot(s.vec, c) > params.redundancy for c in chosen):
            continue
        out.append(BriefSentence(s.text, corpus.docs[s.doc].id))
        chosen.append(s.vec)
        used_texts.add(s.text)
    return out


def span_of(corpus: Corpus) -> tuple[date | None, date | None]:
    days = [d.published for d in corpus.docs if d.published]
    return (min(days), max(days) + timedelta(days=0)) if days else (None, None)
