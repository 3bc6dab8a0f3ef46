"""Who said what: the stored quotes grouped by person across articles.

The same person appears as "Lukashenko", "Alexander Lukashenko", "President Lukashenko" or "the Belarusian
president". Titles are dropped; a role noun is replaced by the name the same article gives it ("Belarusian
President Alexander Lukashenko"); a shorter form joins the one full name it is part of.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date

from bot.briefing.types import BriefDoc, Voice, VoiceQuote

_TITLES = frozenset(
    """mr mrs ms miss dr prof sir dame lord lady president prime minister pm secretary senator sen rep
    representative gov governor gen general col colonel capt captain chancellor king queen prince princess
    pope judge justice mayor chairman chairwoman chair ceo chief director spokesman spokeswoman spokesperson
    admiral lt sgt officer minister premier sheikh rev father deputy vice former acting executive
    commissioner ambassador inspector superintendent professor doctor""".split()
)
_EPOCH = date(1, 1, 1)
_NAME = r"((?:[A-Z][\w'’.-]+\s+){0,3}[A-Z][\w'’-]+)"


def _strip_titles(name: str) -> str:
    words = [w for w in re.split(r"\s+", name.strip().rstrip(",.")) if w]
    while len(words) > 1 and words[0].lower().rstrip(".") in _TITLES:
        words = words[1:]
    text = " ".join(words)
    return re.sub(r"['’]s$", "", text)


def _is_role(speaker: str) -> bool:
    """ "the Belarusian president", "a spokesman": a description, not a name."""
    first = speaker.split()[0] if speaker.split() else ""
    return first.lower() in ("the", "a", "an", "his", "her", "their", "its") or speaker[:1].islower()


def _name_for_role(role: str, doc: BriefDoc) -> str | None:
    """The person the article itself names with this role ("Belarusian President Alexander Lukashenko",
    "Alexander Lukashenko, the Belarusian president")."""
    words = [w for w in role.split() if w.lower() not in ("the", "a", "an", "his", "her", "their", "its")]
    if not words:
        return None
    head = re.escape(words[-1])
    before = re.compile(rf"\b(?i:{head})\s+{_NAME}")
    after = re.compile(rf"{_NAME},\s+(?:the\s+|a\s+)?(?:[\w'’-]+\s+){{0,3}}(?i:{head})\b")
    people = set(doc.people)
    for sentence in doc.sentences:
        for pattern in (before, after):
            for m in pattern.finditer(sentence):
                candidate = _strip_titles(m.group(1))
                if not candidate[:1].isupper():
                    continue
                if not people or candidate in people or any(candidate in p or p in candidate for p in people):
                    return candidate
    return None


def group_voices(docs: Sequence[BriefDoc], *, limit: int = 10, per_voice: int = 3) -> list[Voice]:
    """People by number of quotes (most quoted first); each with their quotes, newest first."""
    raw: list[tuple[str, str, BriefDoc]] = []  # (form, quote, doc)
    for doc in docs:
        for text, speaker in doc.quotes:
            if not speaker or not text.strip():
                continue
            form = speaker.strip()
            if _is_role(form):
                named = _name_for_role(form, doc)
                if named is None:
                    continue
                form = named
            raw.append((_strip_titles(form), text, doc))
    uses = Counter(f for f, _, _ in raw)
    forms = sorted(uses, key=lambda f: -len(f.split()))
    canonical: dict[str, str] = {}
    full_names = [f for f in forms if len(f.split()) >= 2]
    for form in forms:
        if form in canonical:
            continue
        tokens = set(form.lower().split())
        containing = [
            n for n in full_names if n != form and tokens < set(n.lower().split()) and _surname_ok(form, n)
        ]
        heads = Counter(canonical.get(n, n) for n in containing for _ in range(uses[n]))
        if not heads:
            canonical[form] = form
            continue
        (top, top_uses), *rest = heads.most_common()
        # one full name, or one that clearly dominates ("Barack Obama" over a rarely quoted "Michelle Obama")
        canonical[form] = top if not rest or top_uses >= 3 * sum(n for _, n in rest) else form
    groups: dict[str, list[tuple[str, str, BriefDoc]]] = defaultdict(list)
    for form, text, doc in raw:
        groups[canonical[form]].append((form, text, doc))
    voices: list[Voice] = []
    for name, items in groups.items():
        seen: set[str] = set()
        quotes: list[VoiceQuote] = []
        for _, text, doc in sorted(items, key=lambda x: (x[2].published or _EPOCH, x[2].id), reverse=True):
            key = " ".join(text.lower().split())
            if key in seen:
                continue
            seen.add(key)
            quotes.append(VoiceQuote(text, doc.id, doc.published, doc.source))
        forms_used = sorted({f for f, _, _ in items}, key=lambda f: (-len(f), f))
        voices.append(Voice(name, forms_used, quotes))
    voices.sort(key=lambda v: (-len(v.quotes), v.speaker))
    for v in voices:
        v.quotes = v.quotes[:per_voice] if per_voice > 0 else v.quotes
    return voices[:limit]


def _surname_ok(short: str, full: str) -> bool:
    """ "Lukashenko" joins "Alexander Lukashenko" (the family name), not a first name shared by many."""
    short_words = short.lower().split()
    full_words = full.lower().split()
    return short_words[-1] == full_words[-1] or len(short_words) > 1
