"""People, places and organisations named in an article, from capitalised spans and small word lists.

No gazetteer beyond countries/cities in `lexicon`: a span is a person when it looks like a name (two or more
name-like words, or follows a title such as "President"), an organisation when it carries an organisation word
("Ministry", "Council"...) or is an acronym, a place when the built-in list knows it. Short mentions ("Danilov")
are folded into the fullest form the article uses ("Oleksiy Danilov").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from bot.analysis.lexicon import (
    FEMALE_NAMES,
    MALE_NAMES,
    NAME_NOISE,
    ORG_WORDS,
    PERSON_TITLES,
    PLACE_SUFFIXES,
    PLACES,
    STOPWORDS,
)
from bot.analysis.lexicon import ROLE_NOUNS as _ROLE_WORDS
from bot.models import Entities, Paragraph, join_body

MentionKind = Literal["person", "place", "organization", "other"]

_CAP_WORD = r"(?:(?:[A-Z]\.){2,4}|(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov|Lt|Col|Jr|Sr|Rev|Sgt|Capt|Adm|Prof|Fr|Hon)\.|[A-Z]\.(?=[ \t]+[A-Z])|[A-Z][\w'’-]*|(?:al|el|bin|ibn)-[A-Z][\w'’-]*)"
_CONNECTOR = r"(?:of|of the|for|for the|and|de|del|da|van|von|der|den|la|le|du|al|bin|ibn)"
_SPAN = re.compile(rf"{_CAP_WORD}(?:[ \t]+(?:{_CONNECTOR}[ \t]+)?{_CAP_WORD})*")
_ACRONYM = re.compile(r"^(?:[A-Z]{2,6}|(?:[A-Z]\.){2,4})$")
_DEMONYM = re.compile(r"^[A-Z][a-z]{2,}(?:ian|ean|ese|ish|ic|i|an)s?$")
# Lower-case nouns that introduce the name of a group, not a person: 'the monitoring group "Belarusian Guyun"'.
_GROUP_NOUNS = frozenset(
    "group organisation organization movement network collective coalition outlet channel initiative project "
    "foundation association charity ngo company firm startup start-up band militia faction platform".split()
)
_OPEN_QUOTES = "\"“«‘'„"
_CLOSE_QUOTES = "\"”»’'“"
_CALENDAR = frozenset(
    "January February March April May June July August September October November December Jan Feb Mar Apr Jun "
    "Jul Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    text: str  # the name without leading titles and descriptors
    kind: MentionKind
    titles: set[str] = field(default_factory=set)  # lower-case role words seen with it ("president")


def _clean_word(w: str) -> str:
    return w.rstrip(".,’'s") if w.endswith(("’s", "'s")) else w


def _strip_possessive(span: str) -> str:
    return re.sub(r"['’]s?$", "", span)


def _is_sentence_start(text: str, pos: int) -> bool:
    before = text[max(0, pos - 3) : pos]
    return pos == 0 or bool(re.search(r"(?:[.!?:…]\s*|[.!?:…][\"“”]?\s*|\n\s*|^\s*)$", before))


_PLACE_STEMS = frozenset(
    p[: max(3, len(p) - 1)] for p in PLACES if len(p) >= 4 and " " not in p and p.isalpha()
)
_PLACE_STEM_LENS = sorted({len(x) for x in _PLACE_STEMS})


@lru_cache(maxsize=4096)
def is_place_demonym(word: str) -> bool:
    """ "Serbian", "Ukrainian", "Pakistani": a demonym-shaped word built on a known place ("Slobodan" is not)."""
    return (
        bool(_DEMONYM.match(word))
        and word not in PLACES
        and any(word[:n] in _PLACE_STEMS for n in _PLACE_STEM_LENS)
    )


def _classify(words: list[str], titles: set[str]) -> MentionKind:
    joined = " ".join(words)
    lows = [w.lower().rstrip(".") for w in words]
    if joined in PLACES or (len(words) >= 2 and lows[-1] in PLACE_SUFFIXES):
        return "place"
    if joined.isupper() and joined.title() in PLACES:  # a dateline: "KYIV —", "NEW YORK —"
        return "place"
    if any(w in ORG_WORDS or w + "." in ORG_WORDS for w in lows) or (
        len(words) == 1 and _ACRONYM.match(words[0])
    ):
        return "organization"
    if titles:
        return "person"
    name_like = [
        w
        for w in words
        if re.fullmatch(r"(?:[A-Z]\.|[A-Z][a-z'’-]+(?:-[A-Z][a-z]+)?|Mc[A-Z][a-z]+|O['’][A-Z][a-z]+)", w)
    ]
    if 2 <= len(words) <= 4 and len(name_like) == len(words) and not any(w in PLACES for w in words):
        return "person"
    return "other"


def find_mentions(text: str) -> list[Mention]:
    """Capitalised spans in `text` (offsets into it), each typed and stripped of titles, in order.

    Cached for the last few texts: quotes, keywords and entities all ask about the same article body.
    Callers must not mutate the returned mentions.
    """
    return _find_mentions(text)


@lru_cache(maxsize=8)
def _find_mentions(text: str) -> list[Mention]:
    spans = list(_SPAN.finditer(text))
    mid_sentence = {m.group(0) for m in spans if not _is_sentence_start(text, m.start())}
    lower_words = set(re.findall(r"\b[a-z][a-z'’-]+\b", text))
    # Last words of multi-word spans: "Vindman" after "Alexander Vindman" is a surname, not a demonym.
    surnames = {
        _strip_possessive(ws[-1].rstrip(".,"))
        for m in spans
        if len(ws := m.group(0).split()) >= 2 and ws[-2] not in ("and", "&")
    }
    out: list[Mention] = []
    for m0 in spans:
        for start, raw0, titles in _pieces(m0.start(), m0.group(0)):
            raw = _strip_possessive(raw0.rstrip(".,"))
            if raw.endswith(".") and not re.search(r"(?:^|\s)[A-Z]\.$|[A-Z]\.[A-Z]\.$|(?:Jr|Sr)\.$", raw):
                raw = raw[:-1]
            words = raw.split()
            while len(words) > 2 and words[0].lower() in PERSON_TITLES and words[1] in {"of", "for"}:
                words = words[2:]  # "Secretary of the National Security Council" -> the council
                if words[0] == "the":
                    words = words[1:]
                raw = " ".join(words)
                start = text.find(raw, start)
            first_kind = _classify(words, set())
            if first_kind == "organization" and words[0].lower() not in NAME_NOISE:
                out.append(Mention(start, start + len(raw), raw, "organization", set()))
                continue
            if (
                first_kind == "place"
            ):  # before noise stripping: "New York", "NEW YORK —" (a dateline: New York)
                out.append(
                    Mention(
                        start,
                        start + len(raw),
                        raw.title() if raw.isupper() and raw.title() in PLACES else raw,
                        "place",
                        set(),
                    )
                )
                continue
            # Leading noise: sentence-initial common words, titles, demonyms ("Belarusian President ...").
            while words:
                w = words[0]
                lw = w.lower().rstrip(".")
                if lw in PERSON_TITLES or w.lower() in PERSON_TITLES:
                    titles.add(lw)
                elif (
                    lw in NAME_NOISE
                    or lw in STOPWORDS
                    or (
                        _DEMONYM.match(w)
                        and w not in PLACES
                        and len(words) > 1
                        and (
                            words[1].lower().rstrip(".") in PERSON_TITLES
                            or (_DEMONYM.match(words[1]) and (len(words) > 2 or is_place_demonym(w)))
                        )
                    )
                ):
                    pass
                elif (
                    len(words) == 1
                    and _is_sentence_start(text, start)
                    and w not in mid_sentence
                    and w not in PLACES
                    and (w.lower() in lower_words or re.search(r"(?:ly|ing|ed)$", w))
                ):
                    pass  # "Combined" at a sentence start, seen lower-case elsewhere: an ordinary word
                elif w in _CALENDAR:
                    pass
                else:
                    break
                start = text.find(words[0], start) + len(words[0])
                words = words[1:]
                while start < len(text) and text[start] == " ":
                    start += 1
            while words and words[-1].lower() in {"of", "for", "and", "the", "de", "on", "al"}:
                words = words[:-1]
            if not words:
                continue
            if (
                len(words) == 1
                and _DEMONYM.match(words[0])
                and words[0] not in PLACES | surnames
                and not titles
            ):
                continue
            name = " ".join(words)
            if len(words) == 1 and words[0].lower() in STOPWORDS:
                continue
            # A lower-case role just before the span: "sociologist Andriy Vardamatsky", "opposition leader X".
            pre = re.search(r"(?<![A-Za-z])([a-z]+)\s+$", text[max(0, start - 30) : start])
            if pre and pre.group(1) in _ROLE_WORDS:
                titles.add(pre.group(1))
            kind = _classify(words, titles)
            if kind in ("person", "other"):
                kind = _group_name_kind(text, start, start + len(name), kind)
            out.append(Mention(start, start + len(name), name, kind, titles))
    _add_appositive_titles(text, out)
    return out


def _group_name_kind(text: str, start: int, end: int, kind: MentionKind) -> MentionKind:
    """A name the text introduces as a group ("the group X", 'the monitoring group "X"') is an organisation; a
    name standing alone in quotation marks is a title or alias, not a person."""
    before = text[max(0, start - 40) : start]
    quoted = (
        bool(before)
        and before[-1] in _OPEN_QUOTES
        and bool(re.match(r"[.,!?]?[\"”»’'“]", text[end : end + 2]))
    )
    last = before.rstrip().rstrip(_OPEN_QUOTES).rsplit(None, 1)[-1:]
    if last and last[0].lower() in _GROUP_NOUNS and (last[0].islower() or last[0] == "NGO"):
        return "organization"
    if quoted and kind == "person":
        return "other"
    return kind


_NAME_WORD = re.compile(
    r"(?:[A-Z]\.|[A-Z][a-z'’]+(?:-[A-Za-z][a-z'’]+)*|Mc[A-Z][a-z]+|O['’][A-Z][a-z]+|(?:Jr|Sr)\.?|II|III|"
    r"[A-Z][a-z]*[A-Z][a-z]+|van|von|der|den|de|da|del|bin|ibn|al)"
)
GIVEN_NAMES = FEMALE_NAMES | MALE_NAMES
_SPLIT_AND = re.compile(r"\s+(?:and|&)\s+")


def _name_like(words: list[str]) -> bool:
    """1-4 words that can make up a person's name (no organisation word, capitalised first and last)."""
    return (
        1 <= len(words) <= 4
        and all(_NAME_WORD.fullmatch(w) for w in words)
        and words[0][:1].isupper()
        and not any(w.lower().rstrip(".") in ORG_WORDS for w in words)
        and words[-1].lower().rstrip(".") not in PERSON_TITLES
    )


def _pieces(start: int, span: str) -> list[tuple[int, str, set[str]]]:
    """Split a capitalised span into name candidates: "Bruno Tonioli and Carrie Ann Inaba" gives two, "White House
    Press Secretary Stephanie Grisham" gives the name after the last title, "Martin Taylor of Aberdeenshire" the
    name before "of". Returns (start, text, titles seen) for each."""
    lows = [w.lower().rstrip(".,") for w in span.split()]
    if " and " in span or " & " in span:
        if not any(w in ORG_WORDS for w in lows):
            out: list[tuple[int, str, set[str]]] = []
            pos = 0
            for part in _SPLIT_AND.split(span):
                j = span.find(part, pos)
                out += _pieces(start + j, part)
                pos = j + len(part)
            return out
    words = span.split()
    titles: set[str] = set()
    cut = -1
    for i, w in enumerate(words[:-1]):
        if w.lower().rstrip(".,") in PERSON_TITLES or w.lower() in PERSON_TITLES:
            cut = i
    if cut >= 0:
        rest = words[cut + 1 :]
        if rest and rest[0] in {"of", "for"}:  # "Secretary of State Mike Pompeo"
            rest = rest[1:]
            if rest and rest[0] == "the":
                rest = rest[1:]
            rest = rest[1:] if len(rest) >= 3 else []
        tail = [w.rstrip(",") for w in rest]
        if tail and _name_like([_strip_possessive(w) for w in tail]):
            titles = {
                w.lower().rstrip(".,")
                for w in words[: len(words) - len(rest)]
                if w.lower().rstrip(".,") in PERSON_TITLES
            }
            j = span.rfind(" ".join(rest))
            return [(start + j, " ".join(rest), titles)]
    if len(words) >= 3 and not any(w in ORG_WORDS for w in lows):
        for k in (
            len(words) - 2,
            len(words) - 3,
        ):  # "Browns DL Sheldon Richardson": a given name starts the name
            if k >= 1 and words[k].lower() in GIVEN_NAMES and _name_like(words[k:]):
                j = span.rfind(" ".join(words[k:]))
                return [(start + j, " ".join(words[k:]), titles)]
    if " of " in span:
        left = span.split(" of ", 1)[0]
        lw = left.split()
        if len(lw) >= 2 and _name_like(lw) and not any(w.lower() in PERSON_TITLES for w in lw):
            return [(start, left, titles)]
    return [(start, span, titles)]


def _add_appositive_titles(text: str, mentions: list[Mention]) -> None:
    """ "Oleksiy Danilov, the security council secretary," gives Danilov the role "secretary"."""
    for m in mentions:
        if m.kind == "organization" or m.kind == "place":
            continue
        tail = re.match(r",\s+(?:the|a|an)\s+([^,.;:]{2,80}?)[,.;]", text[m.end : m.end + 100])
        if tail:
            for w in re.findall(r"[a-z]+", tail.group(1)):
                if w in _ROLE_WORDS:
                    m.titles.add(w)
            if m.titles and m.kind == "other":
                m.kind = "person"


def canonical_names(mentions: list[Mention]) -> dict[str, str]:
    """Map every person mention to the fullest form used: "Lukashenko" -> "Alexander Lukashenko"."""
    people = [m.text for m in mentions if m.kind == "person"]
    first_seen = {p: i for i, p in reversed(list(enumerate(people)))}
    # Longest first; among equals the first introduced ("Cruz" is Ted Cruz, not his father Rafael Cruz named later).
    full = sorted(set(people), key=lambda s: (-len(s.split()), first_seen[s]))
    out: dict[str, str] = {}
    for m in mentions:
        name = m.text
        words = name.split()
        best = name
        for cand in full:
            cw = cand.split()
            if len(cw) > len(words) and (cw[-len(words) :] == words or (len(words) == 1 and words[0] in cw)):
                best = cand
                break
        out[name] = best
    return out


def _surname(name: str) -> str:
    words = [w for w in name.split() if w.rstrip(".") not in {"Jr", "Sr", "II", "III"}]
    return words[-1] if words else name


def person_names(mentions: list[Mention]) -> set[str]:
    """Names that denote people: typed persons, plus single words that are a known person's surname."""
    people = {m.text for m in mentions if m.kind == "person"}
    surnames = {_surname(p) for p in people if len(p.split()) > 1}
    return people | {m.text for m in mentions if m.kind == "other" and m.text in surnames}


def extract_entities(paragraphs: list[Paragraph], *, title: str | None = None, limit: int = 15) -> Entities:
    """People, places and organisations, most mentioned first (ties: first seen), full names preferred."""
    body = join_body(paragraphs)
    mentions = list(find_mentions(body))
    acronyms = _introduced_acronyms(body, mentions)
    if title:
        mentions += find_mentions(title)
    canon = canonical_names(mentions)
    people_set = person_names(mentions)
    counts: dict[MentionKind, Counter[str]] = {
        "person": Counter(),
        "place": Counter(),
        "organization": Counter(),
    }
    first: dict[str, int] = {}
    forms: dict[
        tuple[MentionKind, str], Counter[str]
    ] = {}  # the spellings of one name, differing only in case
    for i, m in enumerate(mentions):
        kind: MentionKind = "person" if m.text in people_set else m.kind
        if kind == "other":
            continue
        name = canon.get(m.text, m.text) if kind == "person" else acronyms.get(m.text, m.text)
        key = name.casefold()
        counts[kind][key] += 1
        forms.setdefault((kind, key), Counter())[name] += 1
        first.setdefault(key, i)

    def ranked(kind: MentionKind) -> list[str]:
        c = counts[kind]
        return [
            _usual_form(forms[(kind, k)], kind) for k in sorted(c, key=lambda n: (-c[n], first[n]))[:limit]
        ]

    return Entities(people=ranked("person"), places=ranked("place"), organizations=ranked("organization"))


def _usual_form(forms: Counter[str], kind: MentionKind) -> str:
    """The normal spelling among case variants: not SHOUTED (a dateline, a heading) unless it is an acronym."""

    def rank(f: str) -> tuple[bool, int]:
        shouted = f.isupper() and not (kind == "organization" and _ACRONYM.match(f))
        return shouted, -forms[f]

    return min(forms, key=rank)


def _introduced_acronyms(text: str, mentions: list[Mention]) -> dict[str, str]:
    """ "National Security and Defense Council (NSDC)": the acronym is the same organisation under its short name."""
    out: dict[str, str] = {}
    for a, b in zip(mentions, mentions[1:], strict=False):
        if a.kind != "organization" or not _ACRONYM.match(b.text) or len(a.text.split()) < 2:
            continue
        if not re.fullmatch(r"\s*\(\s*", text[a.end : b.start]) or not text[b.end : b.end + 1] == ")":
            continue
        words = a.text.split()
        initials = {
            "".join(w[0] for w in words if w[:1].isupper()),  # NSDC
            "".join(w[0] for w in words if w not in ("the", "and", "&")).upper(),  # MOF: Ministry of Finance
        }
        if b.text.replace(".", "") in initials:
            out[b.text] = a.text
    return out
