"""Keyphrases: the article's main topics as short phrases, best first.

Candidates are runs of up to three content words between stopwords and punctuation (RAKE-style) plus the
named entities; a phrase scores by how often its words occur (with an early-mention bonus and a title bonus),
so the phrases that carry the article rise. Plain frequency of stems, no corpus statistics needed.
"""

from __future__ import annotations

import re
from collections import Counter

from bot.analysis.entities import canonical_names, find_mentions, is_place_demonym
from bot.analysis.lexicon import STOPWORDS, content_stems, stem
from bot.models import Paragraph, join_body

_SPLIT = re.compile(r"[^\w'’ -]+|\s-\s|\s+[—–]\s+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def _phrases(text: str) -> list[list[str]]:
    """Runs of non-stopword words, cut at punctuation and stopwords, at most three words long."""
    out: list[list[str]] = []
    for chunk in _SPLIT.split(text):
        run: list[str] = []
        for w in _WORD.findall(chunk):
            if w.lower() in STOPWORDS or w.isdigit() or len(w) < 3 and not w.isupper():
                if run:
                    out.append(run)
                run = []
            else:
                run.append(w)
        if run:
            out.append(run)
    return [win for r in out for win in ((r,) if len(r) <= 3 else _windows(r))]


def _windows(run: list[str]) -> list[list[str]]:
    """Three-word windows of a long run, except those that cut a name in two ("dictator Slobodan | Milosevic")."""

    def cap(i: int) -> bool:
        return 0 <= i < len(run) and run[i][:1].isupper()

    return [
        run[i : i + 3]
        for i in range(len(run) - 2)
        if not (cap(i - 1) and cap(i)) and not (cap(i + 2) and cap(i + 3))
    ]


def extract_keywords(paragraphs: list[Paragraph], *, title: str | None = None, limit: int = 10) -> list[str]:
    """Up to `limit` keyphrases, best first, without near-duplicates ("sanction" vs "sanctions")."""
    body = "\n\n".join(p.text for p in paragraphs if p.kind == "text")
    if not body.strip():
        return []
    freq = Counter(content_stems(body))
    n_words = max(1, sum(freq.values()))
    title_stems = set(content_stems(title)) if title else set()
    first_pos: dict[str, int] = {}
    for i, s in enumerate(content_stems(body)):
        first_pos.setdefault(s, i)

    def word_score(s: str) -> float:
        early = 1.0 + 0.5 * (1.0 - min(1.0, first_pos.get(s, n_words) / n_words))
        return freq[s] * early * (1.5 if s in title_stems else 1.0)

    scores: dict[str, float] = {}
    surface: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for run in _phrases(body):
        stems = tuple(stem(w) for w in run)
        key = " ".join(stems)
        counts[key] += 1
        s = sum(word_score(x) for x in stems) / len(stems) ** 0.5
        scores[key] = s
        surface.setdefault(
            key,
            " ".join(
                w if w.isupper() or w[:1].isupper() and i > 0 else w.lower() if not w[:1].isupper() else w
                for i, w in enumerate(run)
            ),
        )
    mentions = [m for m in find_mentions(join_body(paragraphs)) if m.text in body]
    canon = canonical_names(mentions)
    named: Counter[str] = Counter()
    name_scores: dict[str, float] = {}
    for m in mentions:
        name = canon.get(m.text, m.text)
        key = " ".join(stem(w) for w in name.split())
        surface[key] = name
        named[key] += 1
        # A demonym says nothing of a name's weight: "Belarusian Guyun", named once, is not as big as Belarus.
        own = sum(word_score(stem(w)) for w in m.text.split() if not is_place_demonym(w))
        name_scores[key] = max(name_scores.get(key, 0.0), own * 1.2)
    scores.update(name_scores)  # a name scores as a name, not as the word run it also is
    for key, n in named.items():  # a name is also a word run: one mention must not count twice
        counts[key] = max(counts[key], n)
    # A phrase said once counts half and a single plain word must recur; names count in full; a lone demonym is
    # no topic.
    ranked = sorted(
        (
            k
            for k in scores
            if (counts[k] >= 2 or len(k.split()) > 1 or k in named)
            and scores[k] > 0
            and not (" " not in surface[k] and is_place_demonym(surface[k]))
        ),
        key=lambda k: (-scores[k] * (1.0 if counts[k] >= 2 or k in named else 0.5), k),
    )
    out: list[str] = []
    seen: list[set[str]] = []
    for k in ranked:
        ks = set(k.split())
        if any(ks <= s or s <= ks for s in seen):
            continue
        out.append(surface[k])
        seen.append(ks)
        if len(out) >= limit:
            break
    return out
