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
    NAMING_WORDS,
    PLURAL_PRONOUNS,
    PRONOUNS,
    ROLE_NOUNS,
    SPEECH_PHRASES,
    SPEECH_VERBS,
    content_stems,
)
from bot.analysis.sentences import sentence_spans
from bot.models import Paragraph, Quote

log = logging.getLogger(__name__)

# Mark families: a quote closes with a mark of the family that opened it.
_FAMILY = {
    "“": "d", "”": "d", '"': "d", "„": "d", "‟": "d",
    "«": "g", "»": "g", "‹": "g", "›": "g",
    "‘": "s", "’": "s", "‚": "s",
    "「": "c", "」": "c", "『": "c2", "』": "c2",
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
    n_close = nxt.isspace() or nxt in _CLOSE_CONTEXT or nxt in "”’»\""
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
            if first < pe and text[first] in _FAMILY and _FAMILY[text[first]] == carry.extra["family"] and _role(text, first) == "open":
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
                role = "close" if open_at is not None and ch not in "«‹" or ch in "»›" and open_at is not None else (
                    "open" if open_at is None and ch != "»" else None)
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
                if current is not None and current.pieces:  # a continued quote never closed: keep what we have
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
    return [s for s in spans if not (s.extra.get("open_end") and s.pieces[-1][1] == s.close_at and _never_closed(text, s))]


def _never_closed(text: str, s: _Span) -> bool:
    end = s.close_at
    return not (end > 0 and text[end - 1] in "”\"»’」』")


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
    quote_ranges: list[tuple[int, int]]  # whole quotations, marks included
    inner_ranges: list[tuple[int, int]]  # just the quoted words

    def in_quote(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.inner_ranges)

    def mentions_between(self, a: int, b: int) -> list[Mention]:
        lo = bisect.bisect_left(self.mention_starts, a)
        hi = bisect.bisect_left(self.mention_starts, b)
        return [m for m in self.mentions[lo:hi] if m.end <= b and not self.in_quote(m.start)]

    def sentence_of(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.sentence_starts, pos) - 1)

    def name(self, m: Mention) -> str:
        return self.canon.get(m.text, m.text)

    def is_person(self, m: Mention) -> bool:
        return m.text in self.people


_SUBJECT_NP = re.compile(
    r"(?:^|[\s,])(?P<np>(?:the|a|an|this|that|one|another|his|her|their)\s+(?:[\w’'-]+\s+){0,3}?(?P<head>[a-z’'-]+))\s*$",
    re.IGNORECASE,
)


def _subject_left(ctx: _Ctx, a: int, b: int) -> tuple[str | None, str]:
    """The speaker phrase nearest before position b (not before a): a name, a pronoun or a role noun."""
    seg = ctx.text[a:b]
    cands: list[tuple[int, str, str]] = []
    for m in ctx.mentions_between(a, b):
        if m.kind == "place":
            continue
        cands.append((m.end, ctx.name(m) if ctx.is_person(m) else m.text, "name" if ctx.is_person(m) else "org"))
    for pm in re.finditer(r"\b(he|she|they|we|i)\b", seg, re.IGNORECASE):
        if not ctx.in_quote(a + pm.start()):
            cands.append((a + pm.end(), pm.group(1).lower(), "pronoun"))
    for rm in re.finditer(r"\b(?:the|a|an)\s+(?:[\w’'-]+\s+){0,3}?([a-z]+)\b", seg):
        if rm.group(1) in ROLE_NOUNS and not ctx.in_quote(a + rm.start()):
            cands.append((a + rm.end(), rm.group(0), "role:" + rm.group(1)))
    if not cands:
        return None, ""
    # Nearest to the verb, but a name that heads the clause beats a role noun inside an appositive.
    cands.sort(key=lambda c: c[0])
    end, phrase, how = cands[-1]
    if how.startswith("role:"):
        names = [c for c in cands if c[2] == "name" and c[0] < end]
        if names and re.fullmatch(r",\s*(?:the|a|an)\s+.*", ctx.text[names[-1][0] : end].strip() or ",", re.S):
            return names[-1][1], "name"
    return phrase, how


def _subject_right(ctx: _Ctx, a: int, b: int) -> tuple[str | None, str]:
    """Inverted attribution: 'said Oleksiy Danilov, the council secretary'."""
    seg = ctx.text[a:b]
    ms = [m for m in ctx.mentions_between(a, b) if m.kind != "place"]
    stop = _SPEAKER_STOP.search(seg)
    limit = a + (stop.start() if stop else len(seg))
    if ms and ms[0].start <= limit and ms[0].start - a < 60:
        m = ms[0]
        return (ctx.name(m), "name") if ctx.is_person(m) else (m.text, "org")
    pm = re.match(r"\s*(he|she|they)\b", seg, re.IGNORECASE)
    if pm:
        return pm.group(1).lower(), "pronoun"
    rm = re.match(r"\s*((?:the|a|an)\s+(?:[\w’'-]+\s+){0,3}?([a-z]+))\b", seg)
    if rm and rm.group(2) in ROLE_NOUNS:
        return rm.group(1), "role:" + rm.group(2)
    return None, ""


def _salient_person(ctx: _Ctx, before: int, role: str | None = None) -> str | None:
    """Walk back sentence by sentence; in each, the first person named (the likely subject) wins."""
    si = ctx.sentence_of(before)
    for k in range(si, max(-1, si - 12), -1):
        s, e = ctx.sentences[k]
        e = min(e, before)
        people = [m for m in ctx.mentions_between(s, e) if ctx.is_person(m)]
        if role:
            people = [m for m in people if role in m.titles or role in _titles_of(ctx, m)]
        if people:
            return ctx.name(people[0])
    return None


def _titles_of(ctx: _Ctx, m: Mention) -> set[str]:
    full = ctx.name(m)
    out: set[str] = set()
    for other in ctx.mentions:
        if ctx.name(other) == full:
            out |= other.titles
    return out


def _resolve(ctx: _Ctx, phrase: str | None, how: str, pos: int) -> tuple[str | None, str]:
    if phrase is None:
        return None, ""
    if how == "pronoun":
        if phrase in PRONOUNS or phrase == "i":
            return _salient_person(ctx, pos), "pronoun"
        if phrase in PLURAL_PRONOUNS:
            return None, "pronoun"
        return None, ""
    if how.startswith("role:"):
        role = how[5:]
        person = _salient_person(ctx, pos, role)
        if person:
            return person, "role"
        np = re.sub(r"^(?:the|a|an)\s+", "", phrase.strip(), flags=re.IGNORECASE)
        return np, "role"
    return phrase, how


def _clause_after(ctx: _Ctx, pos: int) -> tuple[int, int]:
    """From pos to the end of its sentence (at most 200 characters)."""
    si = ctx.sentence_of(pos)
    end = ctx.sentences[si][1] if si < len(ctx.sentences) else len(ctx.text)
    if end <= pos:
        nxt = si + 1
        end = ctx.sentences[nxt][1] if nxt < len(ctx.sentences) and ctx.sentences[nxt][0] <= pos + 2 else pos
    para_end = ctx.text.find("\n\n", pos)
    if para_end != -1:
        end = min(end, para_end)
    return pos, min(end, pos + 200)


def _attribute(ctx: _Ctx, q: _Span) -> tuple[str | None, str, bool]:
    """(speaker, how, has_cue) for one quotation."""
    text = ctx.text
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
        if cue and len(_words(clause[: cue[0]])) <= 6:
            phrase, how = _subject_left(ctx, ra, ra + cue[0])
            if phrase is None:
                phrase, how = _subject_right(ctx, ra + cue[1], rb)
            if clause[cue[0] : cue[1]].lower() == "according to":
                phrase, how = _subject_right(ctx, ra + cue[1], rb)
            speaker, how2 = _resolve(ctx, phrase, how, ra)
            if phrase is not None:
                return speaker, how2, True
    # 2. Before the quote, within its sentence: 'Danilov once again noted that "..."', 'he said: "..."'.
    si = ctx.sentence_of(q.open_at)
    s0 = ctx.sentences[si][0] if ctx.sentences else 0
    s0 = max(s0, max((r[1] for r in ctx.quote_ranges if r[1] <= q.open_at), default=0))
    pre = text[s0 : q.open_at]
    cue = _find_last_cue(pre)
    if cue:
        if pre[cue[0] : cue[1]].lower() == "according to":
            phrase, how = _subject_right(ctx, s0 + cue[1], q.open_at)
        else:
            phrase, how = _subject_left(ctx, s0, s0 + cue[0])
            if phrase is None:
                phrase, how = _subject_right(ctx, s0 + cue[1], q.open_at)
        if phrase is not None:
            speaker, how2 = _resolve(ctx, phrase, how, s0)
            return speaker, how2, True
    if re.search(r":\s*$", pre):  # "Lukashenko on the war:" -- a colon introduces speech
        phrase, how = _subject_left(ctx, s0, q.open_at)
        if phrase is not None:
            speaker, how2 = _resolve(ctx, phrase, how, s0)
            return speaker, how2, True
    return None, "", False


def _merge_split(text: str, spans: list[_Span]) -> list[_Span]:
    """'"A," she said. "B."' becomes one quotation with the attribution remembered between the pieces."""
    out: list[_Span] = []
    for s in spans:
        if out:
            prev = out[-1]
            between = text[prev.close_at : s.open_at]
            words = _words(between)
            if (
                "\n\n" not in between
                and 1 <= len(words) <= 12
                and re.fullmatch(r"\s*[,.—–-]?\s*[^\"“”«»]*?[.,:—–-]\s*", between)
                and _find_cue(between)
                and re.search(r"[,.!?—–-]\s*$", text[prev.pieces[-1][0] : prev.pieces[-1][1]])
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


def extract_quotes(paragraphs: list[Paragraph]) -> list[Quote]:
    """Every direct quotation in article order, with its speaker (or None), kind and paragraph index."""
    texts = [p.text for p in paragraphs]
    text = "\n\n".join(texts)
    paras: list[tuple[int, int]] = []
    pos = 0
    for t in texts:
        paras.append((pos, pos + len(t)))
        pos += len(t) + 2
    para_starts = [a for a, _ in paras]
    raw_spans = _scan(text, paras)
    spans = _merge_split(text, raw_spans)
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
        quote_ranges=[(s.open_at, s.close_at) for s in spans],
        inner_ranges=[p for s in spans for p in s.pieces],
    )
    quotes: list[Quote] = []
    last: tuple[str | None, int, int] | None = None  # (speaker, paragraph, close position) of the previous quote
    for s in spans:
        body = _quote_text(text, s)
        words = _words(body)
        if not words:
            continue
        first = body.lstrip("…. ")[:1]
        whole = first.isupper() or first.isdigit() or (first.isalpha() and not first.islower())
        speaker, _how, has_cue = _attribute(ctx, s)
        pi = max(0, bisect.bisect_right(para_starts, s.open_at) - 1)
        if _looks_like_title(body) and len(words) <= 6:
            continue
        if _naming_context(text, s) and len(words) <= 8:
            continue
        if not whole and len(words) <= 3:
            continue  # scare quotes and terms
        if whole and len(words) <= 3 and not (has_cue and re.search(r"[,.!?]$", body)):
            continue
        if not whole and len(words) <= 5 and not has_cue:
            continue
        if not has_cue:
            # A quote standing alone right after another one continues that speaker.
            if last is not None and last[0] and pi - last[1] <= 1 and not _has_sentence_between(ctx, last[2], s.open_at):
                speaker = last[0]
            elif whole and len(words) >= 4 and _para_is_quote(text, paras[pi], s):
                speaker = _salient_person(ctx, s.open_at) if last is None else last[0]
            elif not whole:
                continue
        kind = "full" if whole and len(words) >= 4 else "partial"
        quotes.append(Quote(text=body, speaker=speaker, kind=kind, paragraph=pi))  # type: ignore[arg-type]
        last = (speaker, pi, s.close_at)
    _score(quotes)
    return quotes


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
