"""Direct quotations and who said them.

Steps: pair quotation marks by context (so mixed “…" typing, „…“ and »…« all pair up), continue quotes that
run over paragraphs (a paragraph left open, the next one re-opened), join a quote split by its attribution
("A," she said. "B."), drop terms and titles (short fragments, Title Case names, quotes after "called"/"so-called"),
find the speech verb before or after the quote, take its subject, and resolve pronouns and role nouns ("he",
"the minister") to the most salient person named earlier; names become the fullest form the article uses.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass, field

from bot.analysis.entities import Mention, canonical_names, find_mentions, person_names
from bot.analysis.lexicon import (
    FEMALE_NAMES,
    FEMALE_ROLES,
    MALE_NAMES,
    MALE_ROLES,
    NAMING_WORDS,
    ORG_VOICE_NOUNS,
    PREPOSITIONS,
    PRONOUNS,
    ROLE_NOUNS,
    SPEECH_PHRASES,
    SPEECH_VERBS,
    STOPWORDS,
    content_stems,
)
from bot.analysis.sentences import sentence_spans
from bot.models import Paragraph, Quote

log = logging.getLogger(__name__)

# Mark families: a quote closes with a mark of the family that opened it.
_FAMILY = {
    "“": "d",
    "”": "d",
    '"': "d",
    "„": "d",
    "‟": "d",
    "«": "g",
    "»": "g",
    "‹": "g",
    "›": "g",
    "‘": "s",
    "’": "s",
    "‚": "s",
    "「": "c",
    "」": "c",
    "『": "c2",
    "』": "c2",
}
_FIXED_ROLE = {"「": "open", "『": "open", "」": "close", "』": "close", "„": "open", "‚": "open"}
_OPEN_CONTEXT = set("([{—–-/:;")
_CLOSE_CONTEXT = set(".,;:!?)]}—–-…")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SPEAKER_STOP = re.compile(r"[.;:!?()\"“”«»]")


@dataclass(slots=True)
class _Span:
    """One quotation (possibly several pieces): inner text ranges and mark positions in the joined text."""

    pieces: list[tuple[int, int]]  # inner (start, end) of each piece
    open_at: int  # position of the first opening mark
    close_at: int  # position just after the last closing mark
    speaker: str | None = None
    resolved_from: str = ""  # "name" | "pronoun" | "role" | "inherit" | "org"
    kind: str = "full"
    merged_cue: tuple[int, int] | None = None  # the attribution between two pieces
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def first_inner(self) -> tuple[int, int]:
        return self.pieces[0]


def _role(text: str, i: int) -> str | None:
    ch = text[i]
    if ch in _FIXED_ROLE:
        return _FIXED_ROLE[ch]
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    p_open = prev.isspace() or prev in _OPEN_CONTEXT or prev in "“‘«„‚"
    n_close = nxt.isspace() or nxt in _CLOSE_CONTEXT or nxt in '”’»"'
    if ch in "’‘" and prev.isalnum() and nxt.isalnum():
        return None  # an apostrophe
    if p_open and not n_close:
        return "open"
    if n_close and not p_open:
        return "close"
    if not p_open and not n_close:
        return "close" if ch in "”»’" else None
    return None


def _scan(text: str, paras: list[tuple[int, int]]) -> list[_Span]:
    """Pair quotation marks paragraph by paragraph, letting a quote continue into a re-opened paragraph."""
    spans: list[_Span] = []
    carry: _Span | None = None  # a quote left open at the end of the previous paragraph
    for pi, (ps, pe) in enumerate(paras):
        open_at: int | None = None
        family = ""
        pieces: list[tuple[int, int]] = []
        current: _Span | None = None
        if carry is not None:
            first = ps
            while first < pe and text[first].isspace():
                first += 1
            if (
                first < pe
                and text[first] in _FAMILY
                and _FAMILY[text[first]] == carry.extra["family"]
                and _role(text, first) == "open"
            ):
                current = carry
                open_at, family = first, str(carry.extra["family"])
            carry = None
        i = open_at + 1 if current is not None and open_at is not None else ps
        while i < pe:
            ch = text[i]
            fam = _FAMILY.get(ch)
            if fam is None or (open_at is not None and fam != family):
                i += 1
                continue
            role = _role(text, i)
            if role is None and (ch == '"' or fam == "g"):  # '« Bonjour »', a lone '"': go by state and glyph
                role = (
                    "close"
                    if open_at is not None and ch not in "«‹" or ch in "»›" and open_at is not None
                    else ("open" if open_at is None and ch != "»" else None)
                )
            if open_at is None:
                if role == "open":
                    open_at, family = i, fam
                    current = None
            elif role == "close" or (role is None and fam in ("d", "g")):
                if current is None:
                    current = _Span(pieces=[], open_at=open_at, close_at=i + 1, extra={"family": family})
                    spans.append(current)
                current.pieces.append((open_at + 1, i))
                current.close_at = i + 1
                pieces.append((open_at + 1, i))
                open_at, current = None, None
            elif role == "open" and fam != "s":
                if (
                    current is not None and current.pieces
                ):  # a continued quote never closed: keep what we have
                    current = None
                open_at = i  # the earlier mark was stray; start again here
            i += 1
        if open_at is not None and pi + 1 < len(paras) and (pe - open_at) > 20:
            span = current or _Span(pieces=[], open_at=open_at, close_at=pe, extra={"family": family})
            if current is None:
                spans.append(span)
            span.pieces.append((open_at + 1, pe))
            span.close_at = pe
            span.extra["open_end"] = True
            carry = span
    # Drop quotes whose last piece ran to the paragraph end without ever closing.
    return [
        s
        for s in spans
        if not (s.extra.get("open_end") and s.pieces[-1][1] == s.close_at and _never_closed(text, s))
    ]


def _never_closed(text: str, s: _Span) -> bool:
    end = s.close_at
    return not (end > 0 and text[end - 1] in '”"»’」』')


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_speech_verb(word: str) -> bool:
    return word.lower() in SPEECH_VERBS


def _find_cue(clause: str) -> tuple[int, int] | None:
    """(start, end) of the first speech verb or phrase in `clause`."""
    low = clause.lower()
    best: tuple[int, int] | None = None
    for phrase in SPEECH_PHRASES:
        j = low.find(phrase)
        if j != -1 and (best is None or j < best[0]):
            best = (j, j + len(phrase))
    for m in _WORD.finditer(clause):
        if _is_speech_verb(m.group(0)):
            if best is None or m.start() < best[0]:
                best = (m.start(), m.end())
            break
    return best


def _find_last_cue(clause: str) -> tuple[int, int] | None:
    low = clause.lower()
    best: tuple[int, int] | None = None
    for phrase in SPEECH_PHRASES:
        j = low.rfind(phrase)
        if j != -1 and (best is None or j > best[0]):
            best = (j, j + len(phrase))
    for m in _WORD.finditer(clause):
        if _is_speech_verb(m.group(0)) and (best is None or m.start() > best[0]):
            best = (m.start(), m.end())
    return best


@dataclass(slots=True)
class _Ctx:
    text: str
    mentions: list[Mention]
    mention_starts: list[int]
    people: set[str]
    canon: dict[str, str]
    sentences: list[tuple[int, int]]
    sentence_starts: list[int]
    quote_ranges: list[tuple[int, int]]  # quotations (not terms), marks included
    inner_ranges: list[tuple[int, int]]  # the quoted words of every quoted stretch, terms included
    paren_ranges: list[tuple[int, int]] = field(default_factory=list)
    gender: dict[str, str] = field(default_factory=dict)  # full name -> "m" | "f"

    def in_quote(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.inner_ranges)

    def in_parens(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.paren_ranges)

    def mentions_between(self, a: int, b: int) -> list[Mention]:
        lo = bisect.bisect_left(self.mention_starts, a)
        hi = bisect.bisect_left(self.mention_starts, b)
        return [
            m
            for m in self.mentions[lo:hi]
            if m.end <= b and not self.in_quote(m.start) and not self.in_parens(m.start)
        ]

    def sentence_of(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.sentence_starts, pos) - 1)

    def name(self, m: Mention) -> str:
        return self.canon.get(m.text, m.text)

    def is_person(self, m: Mention) -> bool:
        return m.text in self.people


@dataclass(slots=True)
class _Cand:
    start: int
    end: int
    phrase: str
    how: str  # "name" | "org" | "place" | "pronoun" | "role:<noun>" | "desc"


_ADVERBS = (
    r"(?:also|later|previously|then|once|again|further|repeatedly|recently|quickly|tearfully|simply|jokingly|"
    r"angrily|flatly|bluntly|earlier|himself|herself|itself|themselves|has|had|have|was|is|were|would|will|could|"
    r"did|does|do|not|never|often|first|finally|initially|publicly|privately|reportedly|separately|even|just|"
    r"only|still|already|ever|now|soon|"
    r"[a-z]+ly)"
)
_PRONOUN_END = re.compile(rf"\b((?i:he|she|they|it|we)|I)(?:\s+{_ADVERBS}){{0,2}}\s*$")
_NP_END = re.compile(
    rf"(?:^|[\s,])(?P<np>(?P<det>the|a|an|one|another|this|that|his|her|their|some)\s+(?:[^\s,;]+\s+){{0,4}}?"
    rf"(?P<head>[a-z][a-z-]+))(?:\s+{_ADVERBS}){{0,2}}\s*$",
    re.IGNORECASE,
)
_BARE_END = re.compile(
    rf"^\s*[,—–-]?\s*(?P<np>(?:[a-z][a-z-]+\s+){{0,2}}[a-z]+s)(?:\s+{_ADVERBS}){{0,2}}\s*$"
)
_PERSONISH = re.compile(r"(?:er|or|ist|ian|man|woman|ant|ent|ee|ess)$")
_NOT_HEAD = frozenset("way time day year week month thing point case issue matter fact idea news end".split())
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Rev|Sen|Rep|Gov|Gen|Jr|Sr|St|Lt|Col|Sgt|Capt|Prof|[A-Z])\.")


def _role_head(head: str) -> str | None:
    """'role:<noun>' for a person noun, 'orgvoice' for an organisation's voice, None otherwise."""
    h = head.lower()
    if h in ORG_VOICE_NOUNS:
        return "orgvoice"
    if h in ROLE_NOUNS or (_PERSONISH.search(h) and h not in _NOT_HEAD and len(h) > 3):
        return "role:" + h
    return None


def _named_cands(ctx: _Ctx, a: int, b: int) -> list[_Cand]:
    out = []
    for m in ctx.mentions_between(a, b):
        if ctx.is_person(m):
            out.append(_Cand(m.start, m.end, ctx.name(m), "name"))
        elif m.kind == "organization":
            out.append(_Cand(m.start, m.end, m.text, "org"))
        elif m.kind == "place":
            out.append(_Cand(m.start, m.end, m.text, "place"))
    return out


def _after_preposition(ctx: _Ctx, pos: int) -> bool:
    prev = re.search(r"([A-Za-z]+)[\s’'s]*$", ctx.text[max(0, pos - 20) : pos])
    return bool(prev and prev.group(1).lower() in PREPOSITIONS)


def _main_subject(ctx: _Ctx, a: int, b: int) -> _Cand | None:
    """The first subject-like name or pronoun of a clause: not after a preposition, outside quotes."""
    cands = [
        c
        for c in _named_cands(ctx, a, b)
        if c.how in ("name", "org") and not _after_preposition(ctx, c.start)
    ]
    for pm in re.finditer(r"\b(he|she|they|He|She|They|I)\b", ctx.text[a:b]):
        p = a + pm.start()
        if not ctx.in_quote(p) and not _after_preposition(ctx, p):
            cands.append(_Cand(p, a + pm.end(), pm.group(1).lower(), "pronoun"))
    return min(cands, key=lambda c: c.start) if cands else None


def _gap_words(ctx: _Ctx, a: int, b: int) -> int:
    seg = re.sub(r"\([^)]*\)", " ", ctx.text[a:b])
    return len(_words(seg))


def _subject_left(ctx: _Ctx, a: int, b: int, cue: str, sent_start: int) -> _Cand | None:
    """The speaker phrase of a cue at b, looking left of it (not before a)."""
    pre = ctx.text[a:b]
    if (cue.endswith("ing") and re.search(r",\s*$", pre)) or re.search(rf"\band(?:\s+{_ADVERBS})?\s*$", pre):
        main = _main_subject(ctx, sent_start, b)  # "..., saying", "... and said": the clause's subject speaks
        if main is not None:
            return main
    cands = _named_cands(ctx, a, b)
    for c in reversed(cands):  # "Steve Clarke, deputy associate administrator ..., said"
        if c.how == "name" and re.fullmatch(rf"\s*,[^;:\"“”]*,\s*(?:{_ADVERBS}\s+)*", ctx.text[c.end : b]):
            return c
    pm = _PRONOUN_END.search(pre)
    if pm and not ctx.in_quote(a + pm.start(1)):
        return _Cand(a + pm.start(1), a + pm.end(1), pm.group(1).lower(), "pronoun")
    nm = _NP_END.search(pre)
    if nm and not ctx.in_quote(a + nm.start("np")):
        how = _role_head(nm.group("head"))
        inner = [c for c in cands if c.start >= a + nm.start("np")]
        if how and not any(c.how == "name" for c in inner):
            return _Cand(a + nm.start("np"), a + nm.end("np"), nm.group("np"), how)
    if cands and _gap_words(ctx, cands[-1].end, b) <= 3:
        return cands[-1]
    bm = _BARE_END.match(pre)
    if bm and not cands:
        return _Cand(a + bm.start("np"), a + bm.end("np"), bm.group("np"), "desc")
    subj = [c for c in cands if c.how in ("name", "org") and not _after_preposition(ctx, c.start)]
    return subj[-1] if subj else None


def _subject_right(ctx: _Ctx, a: int, b: int) -> _Cand | None:
    """Inverted attribution: 'said Oleksiy Danilov, the council secretary', 'said the actor'."""
    seg = _ABBREV.sub(lambda m: "x" * len(m.group(0)), ctx.text[a:b])
    stop = re.search(r"[.;:!?()\"“”«»]", seg)
    limit = a + (stop.start() if stop else len(seg))
    ms = [c for c in _named_cands(ctx, a, b) if c.how != "place" or c.start - a < 3]
    if ms and ms[0].start <= limit and ms[0].start - a < 60:
        return ms[0]
    pm = re.match(r"\s*(he|she|they|it)\b", ctx.text[a:b], re.IGNORECASE)
    if pm:
        return _Cand(a + pm.start(1), a + pm.end(1), pm.group(1).lower(), "pronoun")
    rm = re.match(r"\s*((?:the|a|an|one|another)\s+(?:[\w’'-]+\s+){0,3}?([a-z]+))\b", ctx.text[a:b])
    if rm:
        how = _role_head(rm.group(2))
        if how:
            return _Cand(a + rm.start(1), a + rm.end(1), rm.group(1), how)
    return None


def _salient_person(ctx: _Ctx, before: int, role: str | None = None, gender: str | None = None) -> str | None:
    """Walk back sentence by sentence; in each, the first fitting subject-like person (else the first person) wins."""
    si = ctx.sentence_of(before)
    for k in range(si, max(-1, si - 12), -1):
        s, e = ctx.sentences[k]
        e = min(e, before)
        people = [m for m in ctx.mentions_between(s, e) if ctx.is_person(m)]
        if role:
            people = [m for m in people if role in m.titles or role in _titles_of(ctx, m)]
        if gender:
            people = [m for m in people if ctx.gender.get(ctx.name(m), gender) == gender]
        if people:
            subj = [m for m in people if not _after_preposition(ctx, m.start)]
            return ctx.name((subj or people)[0])
    return None


def _salient_org(ctx: _Ctx, before: int) -> str | None:
    si = ctx.sentence_of(before)
    for k in range(si, max(-1, si - 5), -1):
        s, e = ctx.sentences[k]
        orgs = [
            m
            for m in ctx.mentions_between(s, min(e, before))
            if m.kind == "organization" and not ctx.is_person(m)
        ]
        subj = [m for m in orgs if not _after_preposition(ctx, m.start)]
        if subj:
            return subj[0].text
    return None


def _titles_of(ctx: _Ctx, m: Mention) -> set[str]:
    full = ctx.name(m)
    out: set[str] = set()
    for other in ctx.mentions:
        if ctx.name(other) == full:
            out |= other.titles
    return out


def _genders(ctx: _Ctx) -> dict[str, str]:
    """Each person's gender where the article makes it clear: titles, gendered roles, given names, pronouns."""
    votes: dict[str, int] = {}
    for m in ctx.mentions:
        if not ctx.is_person(m):
            continue
        full = ctx.name(m)
        v = votes.get(full, 0)
        v += sum(3 for t in m.titles if t in MALE_ROLES) - sum(3 for t in m.titles if t in FEMALE_ROLES)
        votes[full] = v
    for full in list(votes):
        first = full.split()[0].lower()
        if first in MALE_NAMES:
            votes[full] += 2
        elif first in FEMALE_NAMES:
            votes[full] -= 2
    for s, e in ctx.sentences:  # a sentence about one person: its he/she counts a little
        names = {ctx.name(m) for m in ctx.mentions_between(s, e) if ctx.is_person(m)}
        if len(names) == 1:
            seg = ctx.text[s:e]
            he = len(re.findall(r"\b(?:he|him|his)\b", seg, re.IGNORECASE))
            she = len(re.findall(r"\b(?:she|her|hers)\b", seg, re.IGNORECASE))
            full = next(iter(names))
            votes[full] = votes.get(full, 0) + (1 if he > she else -1 if she > he else 0)
    return {n: ("m" if v > 0 else "f") for n, v in votes.items() if v != 0}


def _resolve(ctx: _Ctx, c: _Cand | None, pos: int) -> tuple[str | None, str]:
    if c is None:
        return None, ""
    if c.how == "pronoun":
        if c.phrase in PRONOUNS:
            return _salient_person(ctx, pos, gender="m" if c.phrase == "he" else "f"), "pronoun"
        if c.phrase == "i":
            return _salient_person(ctx, pos), "pronoun"
        if c.phrase in ("they", "it"):
            return _salient_org(ctx, pos), "org"
        return None, "pronoun"
    if c.how == "orgvoice":
        np = re.sub(r"^(?:the|a|an)\s+", "", c.phrase.strip(), flags=re.IGNORECASE)
        if re.match(r"[A-Z]", np):  # "the US military", "Russia's foreign ministry"
            return np, "org"
        return _salient_org(ctx, pos) or np, "org"
    if c.how.startswith("role:"):
        role = c.how[5:]
        det = c.phrase.split()[0].lower()
        np = re.sub(r"^(?:the|a|an)\s+", "", c.phrase.strip(), flags=re.IGNORECASE)
        if det in ("a", "an", "one", "another", "some"):
            return np, "role"  # an unnamed speaker: "one user quipped"
        gender = "f" if role in FEMALE_ROLES else "m" if role in MALE_ROLES else None
        person = _salient_person(ctx, pos, role, gender) or _salient_person(ctx, pos, None, gender)
        return (person or np), "role"
    return c.phrase, c.how


def _clause_after(ctx: _Ctx, pos: int) -> tuple[int, int]:
    """From pos to the end of its sentence (at most 300 characters)."""
    si = ctx.sentence_of(pos)
    end = ctx.sentences[si][1] if si < len(ctx.sentences) else len(ctx.text)
    if end <= pos:
        nxt = si + 1
        end = ctx.sentences[nxt][1] if nxt < len(ctx.sentences) and ctx.sentences[nxt][0] <= pos + 2 else pos
    para_end = ctx.text.find("\n\n", pos)
    if para_end != -1:
        end = min(end, para_end)
    return pos, min(end, pos + 300)


def _attribute(ctx: _Ctx, q: _Span) -> tuple[str | None, str, bool]:
    """(speaker, how, has_cue) for one quotation."""
    text = ctx.text
    sent_start = ctx.sentences[ctx.sentence_of(q.open_at)][0] if ctx.sentences else 0
    # 1. Between the pieces of a split quote, or right after the quote: '..." Lukashenko emphasized.'
    regions: list[tuple[int, int]] = []
    if q.merged_cue:
        regions.append(q.merged_cue)
    a, b = _clause_after(ctx, q.close_at)
    nxt_quote = min((r[0] for r in ctx.quote_ranges if r[0] >= q.close_at), default=len(text))
    regions.append((a, min(b, nxt_quote)))
    for ra, rb in regions:
        clause = text[ra:rb]
        if not re.match(r"^\s*[,—–-]?\s*\S", clause) or len(_words(clause)) == 0:
            continue
        cue = _find_cue(clause)
        if not cue:
            continue
        lead = _words(clause[: cue[0]])
        first = _named_cands(ctx, ra, ra + cue[0])
        appositive = bool(first) and first[0].how == "name" and len(_words(text[ra : first[0].start])) == 0
        if len(lead) > 6 and not (appositive and len(lead) <= 30):
            continue
        cue_word = clause[cue[0] : cue[1]].lower()
        if cue_word == "according to":
            c = _subject_right(ctx, ra + cue[1], rb)
        else:
            c = _subject_left(ctx, ra, ra + cue[0], cue_word, sent_start) or _subject_right(
                ctx, ra + cue[1], rb
            )
        if c is not None:
            speaker, how = _resolve(ctx, c, ra)
            return speaker, how, True
    # 2. Before the quote, within its sentence: 'Danilov once again noted that "..."', 'he said: "..."'.
    s0 = max(sent_start, max((r[1] for r in ctx.quote_ranges if r[1] <= q.open_at), default=0))
    pre = text[s0 : q.open_at]
    cue = _find_last_cue(pre)
    if cue:
        cue_word = pre[cue[0] : cue[1]].lower()
        if cue_word == "according to":
            c = _subject_right(ctx, s0 + cue[1], q.open_at)
        else:
            c = _subject_left(ctx, s0, s0 + cue[0], cue_word, sent_start) or _subject_right(
                ctx, s0 + cue[1], q.open_at
            )
        if c is not None:
            speaker, how = _resolve(ctx, c, s0)
            return speaker, how, True
    if re.search(r":\s*$", pre) and len(_words(pre)) <= 8:
        # "Lukashenko on the war:" introduces speech; only a person (not "Die Ausstellung ... Titel:") speaks
        c = _main_subject(ctx, s0, q.open_at)
        if c is not None and (c.how == "name" or (c.how == "pronoun" and _english(pre))):
            speaker, how = _resolve(ctx, c, s0)
            return speaker, how, True
    return None, "", False


_CLOSING = "”\"»’'」』"


def _merge_split(text: str, spans: list[_Span]) -> list[_Span]:
    """'"A," she said. "B."' becomes one quotation with the attribution remembered between the pieces."""
    out: list[_Span] = []
    for s in spans:
        if out:
            prev = out[-1]
            between = text[prev.close_at : s.open_at]
            words = _words(between)
            last_piece = text[prev.pieces[-1][0] : prev.pieces[-1][1]]
            nxt_piece = text[s.pieces[0][0] : s.pieces[-1][1]]
            after = text[s.close_at : s.close_at + 3]
            if (
                "\n\n" not in between
                and 1 <= len(words) <= 30
                and re.fullmatch(r"\s*[,.—–-]?\s*[^\"“”«»]*?[.,:—–-]\s*", between)
                and (cue := _find_cue(between))
                and len(_words(between[: cue[0]])) <= 6 + (len(words) > 6) * 24
                and re.search(rf"[,.!?—–-][{_CLOSING}]*\s*$", last_piece)
                and not _looks_like_title(last_piece)
                and (re.search(r"[.!?,…—–-]\s*$", nxt_piece) or re.match(r"\s*(?:[.,;:!?]|\n|$)", after))
            ):
                prev.merged_cue = (prev.close_at, s.open_at)
                prev.pieces.extend(s.pieces)
                prev.close_at = s.close_at
                continue
        out.append(s)
    return out


def _quote_text(text: str, q: _Span) -> str:
    parts = [re.sub(r"\s+", " ", text[a:b]).strip() for a, b in q.pieces]
    parts = [p for p in parts if p]
    out = ""
    for p in parts:
        if not out:
            out = p
        elif p[:1].isupper() or not p[:1].isalpha():
            out = re.sub(r",$", ".", out) + " " + p
        else:
            out = re.sub(r",$", ",", out) + " " + p
    return out


_TITLE_WORD = re.compile(r"^(?:[A-Z0-9][\w'’.-]*|of|the|and|a|an|in|on|for|to|at|by|with|from|or|de|la)$")


def _looks_like_title(inner: str) -> bool:
    """Title Case without sentence punctuation: a name, a work's title, a slogan -- not speech."""
    words = inner.strip().rstrip(".,!?").split()
    if not words or len(words) > 10 or re.search(r"[.!?,;]\s", inner):
        return False
    caps = sum(1 for w in words if w[:1].isupper())
    return all(_TITLE_WORD.match(w) for w in words) and caps >= max(1, len(words) - caps)


def _naming_context(text: str, q: _Span) -> bool:
    before = text[max(0, q.open_at - 40) : q.open_at].lower()
    last = re.findall(r"[a-z-]+", before)[-2:]
    return any(w in NAMING_WORDS for w in last) or before.rstrip().endswith(("so-called", "as", "the"))


def _is_term(text: str, s: _Span, body: str, words: list[str]) -> bool:
    """Scare quotes, names, titles and slogans: short, Title Case, or introduced/followed by a naming word."""
    if _looks_like_title(body) and len(words) <= 6:
        return True
    if _naming_context(text, s) and len(words) <= 4:
        return True
    nxt = re.match(r"\s*([a-z]+)", text[s.close_at : s.close_at + 20])
    if nxt and nxt.group(1) in NAMING_WORDS and len(words) <= 8:
        return True  # 'the "Meth. We're on it." campaign'
    first = body.lstrip("…. [(")[:1]
    return not (first.isupper() or first.isdigit()) and len(words) <= 3


def extract_quotes(paragraphs: list[Paragraph]) -> list[Quote]:
    """Every direct quotation in article order, with its speaker (or None), kind and paragraph index."""
    texts = [p.text for p in paragraphs]
    # Doubled single marks stand for double ones ('voters,’’ Will Moy'); same length, so offsets hold.
    text = "\n\n".join(texts).replace("’’", "” ").replace("‘‘", " “")
    paras: list[tuple[int, int]] = []
    pos = 0
    for t in texts:
        paras.append((pos, pos + len(t)))
        pos += len(t) + 2
    para_starts = [a for a, _ in paras]
    raw_spans = _scan(text, paras)
    spans = _merge_split(text, raw_spans)
    bodies = [_quote_text(text, s) for s in spans]
    terms = [_is_term(text, s, body, _words(body)) for s, body in zip(spans, bodies, strict=True)]
    sentences = sentence_spans(text)
    mentions = find_mentions(text)
    ctx = _Ctx(
        text=text,
        mentions=mentions,
        mention_starts=[m.start for m in mentions],
        people=person_names(mentions),
        canon=canonical_names(mentions),
        sentences=sentences or [(0, len(text))],
        sentence_starts=[a for a, _ in sentences] or [0],
        quote_ranges=[(s.open_at, s.close_at) for s, term in zip(spans, terms, strict=True) if not term],
        inner_ranges=[p for s in spans for p in s.pieces],
        paren_ranges=[(m.start(), m.end()) for m in re.finditer(r"\([^()\n]{0,60}\)", text)],
    )
    ctx.gender = _genders(ctx)
    quotes: list[Quote] = []
    last: tuple[str | None, int, int] | None = (
        None  # (speaker, paragraph, close position) of the previous quote
    )
    for s, body, term in zip(spans, bodies, terms, strict=True):
        words = _words(body)
        if not words or term:
            continue
        first = body.lstrip("…. [(")[:1]
        whole = first.isupper() or first.isdigit() or (first.isalpha() and not first.islower())
        speaker, _how, has_cue = _attribute(ctx, s)
        pi = max(0, bisect.bisect_right(para_starts, s.open_at) - 1)
        if whole and len(words) <= 3 and not (has_cue and re.search(r"[,.!?]$", body)):
            continue
        if not whole and len(words) <= 5 and not has_cue:
            continue
        if not has_cue:
            # A quote standing alone right after another one continues that speaker.
            if (
                last is not None
                and last[0]
                and pi - last[1] <= 1
                and not _has_sentence_between(ctx, last[2], s.open_at)
            ):
                speaker = last[0]
            elif whole and len(words) >= 4 and _english(text[paras[pi][0] : paras[pi][1]]):
                speaker = _salient_person(ctx, s.open_at)  # the person the narration just spoke of
            else:
                continue
        kind = "full" if whole and len(words) >= 4 else "partial"
        if kind == "full" and body.endswith(","):  # "…like it," he said → a statement ends with a full stop
            body = body[:-1] + "."
        quotes.append(Quote(text=body, speaker=speaker, kind=kind, paragraph=pi))  # type: ignore[arg-type]
        last = (speaker, pi, s.close_at)
    _score(quotes)
    return quotes


def _english(seg: str) -> bool:
    """Enough English function words that our name and cue rules apply (German nouns are capitalised too)."""
    ws = [w.lower() for w in _words(seg)]
    return bool(ws) and sum(1 for w in ws if w in STOPWORDS) >= 0.2 * len(ws)


def _has_sentence_between(ctx: _Ctx, a: int, b: int) -> bool:
    """Whether ordinary narration (not just marks and spaces) separates two quotes."""
    between = ctx.text[a:b]
    return len(_words(between)) > 3


def _para_is_quote(text: str, para: tuple[int, int], s: _Span) -> bool:
    inner = sum(b - a for a, b in s.pieces if para[0] <= a < para[1])
    return inner >= 0.8 * (para[1] - para[0] - 2)


def _score(quotes: list[Quote]) -> None:
    """Key-quote rank: whole statements by named speakers, informative, not repeating a better one."""
    base: list[float] = []
    stems = [set(content_stems(q.text)) for q in quotes]
    for q, st in zip(quotes, stems, strict=True):
        n = len(_words(q.text))
        score = 0.0
        score += 2.0 if q.kind == "full" else 0.0
        if q.speaker:
            score += 1.5 if q.speaker[:1].isupper() else 0.5
            score += 0.5 if len(q.speaker.split()) >= 2 and q.speaker[:1].isupper() else 0.0
        score += min(n, 30) / 30 * 1.5 - max(0, n - 60) / 60
        score += min(len(st), 15) / 15
        base.append(score)
    order = sorted(range(len(quotes)), key=lambda i: -base[i])
    chosen: list[int] = []
    for i in order:
        overlap = max((len(stems[i] & stems[j]) / max(1, len(stems[i])) for j in chosen), default=0.0)
        quotes[i].score = round(base[i] - 2.0 * overlap, 4)
        chosen.append(i)
