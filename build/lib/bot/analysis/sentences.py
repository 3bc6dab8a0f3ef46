"""Sentence segmentation tuned for news prose.

A rule-based splitter: a boundary is terminal punctuation (plus any closing quotes or brackets) followed by
space and something that can open a sentence. Abbreviations, initials, dotted acronyms and "Feb. 24"-style
dates are not boundaries; nothing inside a short bracketed aside is. Scripts without letter case (CJK, Arabic...)
and their own full stops (。！？) are handled, so non-English text degrades to reasonable pieces, never to a crash.
"""

from __future__ import annotations

import re

# Words that end with a period and usually do not end a sentence (compared lower-cased, without the dot).
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft gen lt col maj capt cpt sgt cmdr adm sen rep gov pres supt insp det
    rev fr hon messrs mme mlle sra sr sgto
    jan feb mar apr jun jul aug sep sept oct nov dec
    no nos vol vols pp fig figs art ch sec para approx est dept univ assn bros ave blvd rd hwy
    vs etc al cf eg ie viz ca inc corp co ltd plc llc
    a.m p.m e.g i.e u.s u.k u.n e.u
    """.split()
)
# Of those, the ones that never end a sentence however the next word looks (titles before a name, dates...).
_STRONG_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof st mt gen lt col maj capt cpt sgt cmdr adm sen rep gov pres supt insp det rev fr hon
    messrs mme mlle jan feb mar apr jun jul aug sep sept oct nov dec no nos vol pp fig vs cf
    """.split()
)
# Words that commonly open a sentence: after an ambiguous abbreviation ("U.S.", "Inc."), they signal a boundary.
_SENTENCE_STARTERS = frozenset(
    """
    the a an he she it they we i you this that these those there his her its their our but and so yet
    however meanwhile still in on at for after before when while if as since although though then now
    what who why how where some many most all no one both each according
    """.split()
)

_TERMINALS = ".!?…。！？‼⁇⁈⁉;"  # ';' only counts in CJK/Greek contexts, see _is_terminal
_CJK_TERMINALS = "。！？"
_CLOSERS = "\"'”’»›」』)]}）］"
_OPENERS = "\"'“‘«‹„‚「『([{（［¿¡"
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_WORD_BEFORE = re.compile(r"([\w.'’-]+)$")
# A dateline at the start of a news story: "KYIV —", "LONDON, England (CNN) --", "(CNN)", "WASHINGTON (AP) —".
_CITY = (
    r"[A-Z][A-Z.'’-]+(?:[ \t]+[A-Z][A-Z.'’-]+){0,4}(?:,[ \t]*[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,3})?"
)
_AGENCY = r"\((?:CNN|AP|AFP|Reuters|UPI|dpa|EFE|Xinhua|TASS|Interfax|Bloomberg)[\w ]{0,20}\)"
_DASH = r"(?:—|–|--|-)"
_DATELINE = re.compile(
    rf"^\s*(?:{_CITY}[ \t]*(?:\([\w .&'’-]{{1,30}}\))?[ \t]*{_DASH}[ \t]*"
    rf"|(?:{_CITY}[ \t]*)?{_AGENCY}[ \t]*{_DASH}?[ \t]*)"
)


def _is_opener_char(ch: str) -> bool:
    """Can this character begin a sentence? Upper case, digits, opening marks, or a letter with no case."""
    if ch.isupper() or ch.isdigit() or ch in _OPENERS or ch in "—–-•*#":
        return True
    return ch.isalpha() and not ch.islower()


def _previous_word(text: str, end: int) -> str:
    """The token immediately before position `end` (the terminal punctuation is at `end`)."""
    m = _WORD_BEFORE.search(text, max(0, end - 40), end)
    return m.group(1) if m else ""


def _next_word(text: str, start: int) -> str:
    m = re.match(r"[\"'“‘«(\[]*([\w’'-]+)", text[start : start + 40])
    return m.group(1) if m else ""


def _period_is_boundary(text: str, dot: int, nxt: int) -> bool:
    """Decide whether the '.' at `dot` ends a sentence, given the next sentence would start at `nxt`."""
    word = _previous_word(text, dot)
    bare = word.rstrip(".").lower()
    following = _next_word(text, nxt)
    starter = following.lower() in _SENTENCE_STARTERS
    if not word:
        return True
    if re.fullmatch(r"[A-Z]", word):  # an initial: "J. Smith", "Harry S. Truman"
        return False
    if bare in _STRONG_ABBREVIATIONS:
        return False
    if bare in _ABBREVIATIONS or re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):
        # "U.S." "Inc." "a.m.": ambiguous; a boundary when the next word is a usual sentence opener.
        return starter
    if following[:1].isdigit() and bare.isdigit():  # "1. 2." lists: keep as one unit
        return True
    return True


def _bracket_closes(text: str, i: int, limit: int = 250) -> bool:
    """True when the bracket opened at i closes within `limit` characters (so the aside can be skipped)."""
    pair = {"(": ")", "[": "]", "（": "）", "［": "］"}[text[i]]
    j = text.find(pair, i + 1, i + 1 + limit)
    return j != -1


def _spans_in_block(text: str, base: int, out: list[tuple[int, int]]) -> None:
    n = len(text)
    start = 0
    depth = 0
    i = 0
    while i < n:
        ch = text[i]
        if ch in "([（［":
            if _bracket_closes(text, i):
                depth += 1
        elif ch in ")]）］":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in _TERMINALS and ch != ";":
            j = i + 1
            while j < n and (text[j] in ".!?…。！？" or text[j] in _CLOSERS):
                if text[j] in ")]）］":
                    depth = max(0, depth - 1)
                j += 1
            k = j
            while k < n and text[k].isspace():
                k += 1
            if k >= n:
                break
            cjk = ch in _CJK_TERMINALS or text[j - 1] in _CJK_TERMINALS
            boundary = False
            if cjk:
                boundary = True
            elif k > j and _is_opener_char(text[k]):
                run = text[i:j]
                if "…" in run or ".." in run:  # an ellipsis: a new sentence only if a capital follows
                    boundary = text[k].isupper() or text[k] in _OPENERS
                elif ch == ".":
                    boundary = _period_is_boundary(text, i, k)
                else:
                    boundary = True
            if boundary:
                piece = text[start:j].strip()
                if piece:
                    s = start + (len(text[start:j]) - len(text[start:j].lstrip()))
                    out.append((base + s, base + s + len(piece)))
                start = k
                i = k
                continue
            i = j
            continue
        i += 1
    piece = text[start:].strip()
    if piece:
        s = start + (len(text[start:]) - len(text[start:].lstrip()))
        out.append((base + s, base + s + len(piece)))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each sentence; blank lines are always boundaries."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _BLANK_LINES.finditer(text):
        _spans_in_block(text[pos : m.start()], pos, out)
        pos = m.end()
    _spans_in_block(text[pos:], pos, out)
    return out


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order, stripped; an empty text gives an empty list."""
    return [text[a:b] for a, b in sentence_spans(text)]


def strip_dateline(sentence: str) -> str:
    """Remove a leading dateline ("KYIV —", "LONDON, England (CNN) --", "(CNN)") from a story's first sentence."""
    m = _DATELINE.match(sentence)
    if not m or m.end() >= len(sentence):
        return sentence
    rest = sentence[m.end() :].lstrip()
    if not rest or not _is_opener_char(rest[0]):
        return sentence
    return rest
