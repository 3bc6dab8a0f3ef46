"""Extractive summaries: the few sentences that best stand for an article, in article order.

Score = position prior (news puts the point first) + centrality (similarity to the whole article) + coverage
(shared words with the title and the article's most frequent content words); chosen greedily, skipping a
sentence too similar to one already chosen. Headings, captions, credit lines, newsletter/subscription lines,
datelines and bare fragments are never candidates.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.analysis.lexicon import content_stems
from bot.analysis.sentences import sentence_spans, strip_dateline
from bot.models import Paragraph

# Lines a site wraps around an article: calls to subscribe, share, follow, read more...
_BOILERPLATE = re.compile(
    r"\b(?:sign up|subscribe|subscriber|newsletter|stay up[- ]to[- ]date|click here|read more|read also|"
    r"follow us|share (?:this|on)|all rights reserved|copyright|©|log in|sign in|cookies?\b|advertisement|"
    r"download (?:our|the) app|free articles?|terms of (?:use|service)|privacy policy|related:|"
    r"watch video|keep reading|show less|most read|trending)\b",
    re.IGNORECASE,
)
# Photo credits: "Peter Kovalev/TASS/ZUMA", "Getty Images", "Photo: Reuters".
_CREDIT = re.compile(
    r"(?:^[\w .'’-]{2,40}/[\w .'’/-]{2,60}$|\b(?:Getty Images|AFP|Reuters|AP Photo|EPA|Shutterstock|Photo:|Image:|"
    r"Credit:|File photo|pictured)\b)"
)
_TERMINAL = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}|[\u200b\u200c\u200d\ufeff]")


@dataclass(slots=True)
class Candidate:
    text: str
    paragraph: int
    order: int  # position among all candidates
    stems: list[str]


def _words(text: str) -> int:
    return len(text.split())


def _is_heading(p: Paragraph) -> bool:
    t = p.text.strip()
    return (
        p.kind == "heading"
        or (not _TERMINAL.search(t) and _words(t) <= 14)
        or t.startswith("-")
        and t.endswith("-")
    )


def _is_caption(paragraphs: list[Paragraph], i: int) -> bool:
    """Captions sit beside a credit line, repeat their neighbour, or carry escaped image markup."""
    t = paragraphs[i].text.strip()
    if _ESCAPE.search(t) or _CREDIT.search(t) and _words(t) <= 25:
        return True
    for j in (i - 1, i + 1):
        if 0 <= j < len(paragraphs):
            o = paragraphs[j].text.strip()
            o_clean = _ESCAPE.sub("", o)
            if _words(o) <= 8 and "/" in o and not _TERMINAL.search(o):
                return True  # next to a credit line
            if (
                len(o_clean) > 20
                and (t.startswith(o_clean[:40]) or o_clean.startswith(t[:40]))
                and o_clean != t
            ):
                return True  # a caption and its repeated/shortened form
    return False


def _is_pull_quote(paragraphs: list[Paragraph], i: int, counts: Counter[str]) -> bool:
    """A short one-sentence paragraph whose words all reappear later: a pull quote or teaser, not prose."""
    t = paragraphs[i].text
    if _words(t) > 12 or len(sentence_spans(t)) > 1:
        return False
    own = set(content_stems(t))
    if not own:
        return True
    mine = Counter(content_stems(t))
    later = sum(1 for w in own if counts[w] > mine[w])
    return later / len(own) >= 0.75


def candidates(paragraphs: list[Paragraph]) -> list[Candidate]:
    """The sentences a summary may use, in article order (datelines stripped)."""
    out: list[Candidate] = []
    counts: Counter[str] = Counter()
    for p in paragraphs:
        counts.update(content_stems(p.text))
    for i, p in enumerate(paragraphs):
        t = p.text.strip()
        if (
            not t
            or _is_heading(p)
            or _BOILERPLATE.search(t)
            and _words(t) <= 30
            or _is_caption(paragraphs, i)
        ):
            continue
        if _words(t) <= 12 and _is_pull_quote(paragraphs, i, counts):
            continue
        for a, b in sentence_spans(t):
            s = t[a:b]
            if not out:
                s = strip_dateline(s)
            s = strip_dateline(s) if s.startswith("(") else s
            n = _words(s)
            if n < 5 or n > 120 or s[:1].islower() or s.endswith(":") or _BOILERPLATE.search(s):
                continue
            stems = content_stems(s)
            if len(stems) < 3:
                continue
            out.append(Candidate(s, i, len(out), stems))
    return out


def _cosine(a: Counter[str], b: Counter[str], nb: float) -> float:
    """Cosine of a against b, with b's norm given (b is the same document vector every time)."""
    if not a or not nb:
        return 0.0
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    return dot / (na * nb) if na else 0.0


def rank(cands: list[Candidate], title: str | None = None) -> list[float]:
    """A score per candidate: position prior + centrality + coverage."""
    n = len(cands)
    if not n:
        return []
    df: Counter[str] = Counter()
    for c in cands:
        df.update(set(c.stems))
    idf = {w: math.log((n + 1) / (d + 0.5)) + 1.0 for w, d in df.items()}
    vecs = [Counter({w: (1 + math.log(k)) * idf[w] for w, k in Counter(c.stems).items()}) for c in cands]
    doc: Counter[str] = Counter()
    for c in cands:
        doc.update(c.stems)
    doc_vec = Counter({w: (1 + math.log(k)) * idf[w] for w, k in doc.items()})
    doc_norm = math.sqrt(sum(x * x for x in doc_vec.values()))
    top = {w for w, _ in doc.most_common(10) if doc[w] > 1}
    title_stems = set(content_stems(title)) if title else set()
    scores: list[float] = []
    for c, v in zip(cands, vecs, strict=True):
        position = 1.0 / (1.0 + c.order) ** WEIGHTS["decay"]
        centrality = _cosine(v, doc_vec, doc_norm)
        own = set(c.stems)
        coverage = len(own & top) / max(1, len(top))
        title_hit = len(own & title_stems) / max(1, len(title_stems)) if title_stems else 0.0
        length = min(1.0, len(c.stems) / 12)  # negative weight: short crisp sentences score better
        scores.append(
            WEIGHTS["position"] * position
            + WEIGHTS["centrality"] * centrality
            + WEIGHTS["coverage"] * coverage
            + WEIGHTS["title"] * title_hit
            + WEIGHTS["length"] * length
        )
    return scores


# Tuned on the CNN/DM development file (bench/summaries.py): position dominates (news leads with the point),
# centrality and coverage reorder the early sentences, and long sentences are mildly penalised.
WEIGHTS = {
    "decay": 1.0,
    "position": 1.0,
    "centrality": 0.2,
    "coverage": 0.3,
    "title": 0.3,
    "length": -0.4,
    "redundancy": 0.5,
}


def _overlap(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / max(1, min(len(sa), len(sb)))


def summarize(
    paragraphs: list[Paragraph],
    *,
    title: str | None = None,
    sentences: int | None = 3,
    words: int | None = None,
) -> list[str]:
    """Up to `sentences` sentences (or about `words` words) chosen from the article, in article order."""
    cands = candidates(paragraphs)
    if not cands:
        return []
    scores = rank(cands, title)
    order = sorted(range(len(cands)), key=lambda i: -scores[i])
    chosen: list[int] = []
    total = 0
    limit_n = sentences if sentences is not None and sentences > 0 else (None if words else 3)
    for i in order:
        if limit_n is not None and len(chosen) >= limit_n:
            break
        if words is not None and total >= words:
            break
        if any(_overlap(cands[i].stems, cands[j].stems) > WEIGHTS["redundancy"] for j in chosen):
            continue
        n = _words(cands[i].text)
        if words is not None and chosen and total + n > words * 1.2:
            continue
        chosen.append(i)
        total += n
    return [cands[i].text for i in sorted(chosen)]
