"""Per-line features and labels for plain-text page cleaning.

Each non-blank line of a flattened page gets cheap features (length, sentence punctuation, list bullet,
boilerplate lexicon hits) so that the region finder in `plaintext` can work on labels, not raw strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.ingest import plaintext_lexicon as lexicon

_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
BULLET = re.compile(r"^(?:[*+•·▪◦‣●o\-–]|\d{1,2}[.)])\s+(?=\S)")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$|[\"”’»]$")
_SENTENCE_SPLIT = re.compile(r"[.!?][\"'”’»)]*\s+(?=[\"'“‘«(]?[A-Z0-9])")
GENRE_LABEL = re.compile(r"^[-–—~|]+\s*[A-Za-z][\w ]{1,30}?\s*[-–—~|]+$")
_TRUNCATED = re.compile(r"(?:\[(?:…|\.\.\.)\]|\w(?:…|\.\.\.))$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")

# Lines that close an article: what follows them is another page region (paywall, comments, related...).
_END_MARKERS = re.compile(
    r"""^(?:
        keep\ reading|continue\ reading|read\ more|read\ full\ (?:article|story)|show\ (?:less|more)
      | (?:\d+\s+)?comments?(?:\s*\(\d+\))?|leave\ a\ (?:comment|reply)|join\ the\ (?:conversation|discussion)
      | related(?:\ (?:articles?|stories|posts|coverage|content|news|reading|topics))?:?
      | related\ (?:articles?|stories|posts|coverage|content|news|reading)\ (?:from|on|in|about)\ .{1,60}
      | more\ (?:from|on|in|about|stories|news|like\ this)\b.{0,40}
      | (?:the\ )?latest(?:\ (?:news|stories|articles|headlines))?
      | most\ (?:read|popular|viewed|shared|emailed|commented)\b.{0,30}
      | (?:trending|popular)(?:\ (?:now|topics|stories|articles|(?:on|in)\ .{1,30}))?:?
      | recommended(?:\ (?:for\ you|stories|articles|reading))?:?
      | you\ (?:may|might)\ (?:also\ )?(?:like|enjoy|be\ interested\ in)\b.{0,20}
      | (?:also\ )?(?:see|read)\ also:?|what\ to\ read\ next|up\ next|around\ the\ web|from\ around\ the\ web
      | sponsored(?:\ (?:content|stories|links))?|promoted(?:\ (?:content|stories|links))?
      | share\ this(?:\ (?:article|story|post|page))?:?|about\ the\ authors?|tags?:.*|filed\ under:?.*
      | ©.*|copyright\b.*|.*all\ rights\ reserved\.?
      | [\w\ .'’@\-]{1,40}\ (?:says|wrote|commented)|reply|report\ (?:comment|abuse)|\d+\ (?:replies|responses)
      | (?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\ (?:thoughts?|responses?|comments?|replies|reactions?)
        \ (?:on|to)\b.{0,150}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

_END_INTL = re.compile(r"^(?:" + "|".join(lexicon.END_PHRASES) + r")$", re.IGNORECASE | re.VERBOSE)
_BOILER_ALONE = re.compile(r"^(?:" + "|".join(lexicon.BOILER_ALONE) + r")\b", re.IGNORECASE | re.VERBOSE)
_PAYWALL = re.compile(
    "|".join(lexicon.PAYWALL)
    + r"|monthly limit|free articles?\b|to read the full (?:article|story)|to continue reading|continue reading with"
    r"|already (?:a subscriber|have an account|registered)|subscribe (?:now )?to (?:read|continue|unlock|get)"
    r"|(?:for|available to|exclusive to) (?:paying |premium |digital )?subscribers|unlimited (?:digital )?access"
    r"|unlock (?:this|the full) (?:article|story)|subscriber[- ]only|premium (?:article|content)|become a member",
    re.IGNORECASE,
)

# Boilerplate words: a short line holding one is navigation, a call to action or page furniture.
_BOILER = re.compile(
    r"\b(?:subscribe|subscribers?|subscription|sign[ -]?(?:up|in)|log[ -]?(?:in|out)|newsletters?|cookies?"
    r"|privacy (?:policy|notice|settings)|terms (?:of|and) (?:use|service|conditions)|advertisement|advertising"
    r"|advertise|sponsored|share (?:this|on|via|the)|tweet|facebook|twitter|whatsapp|linkedin|pinterest|instagram"
    r"|e-?mail (?:this|us|address)|print (?:this|article)|click here|follow us|download (?:the|our) app"
    r"|all rights reserved|skip to|main menu|search|watch video|listen to (?:this|the) (?:article|story)"
    r"|sign up|contact us|about us|support (?:our|us)|donate|inbox|reprints?|permissions|feedback|podcasts?"
    r"|hide caption|toggle caption|enlarge (?:this )?image|image \d+ of \d+|\d+ of \d+|loading|next article"
    r"|previous article|back to top|view (?:all|more|comments)|see (?:all|more)|load more|play video|"
    + "|".join(lexicon.BOILER_WORDS)
    + r")\b|©|\bRSS\b|"
    + "|".join(lexicon.BOILER_CJK),
    re.IGNORECASE,
)
# Boilerplate that is unmistakable even in a long, punctuated line.
_STRONG_BOILER = re.compile(
    r"sign up (?:for|to) (?:our|the) .{0,40}newsletter|subscribe to (?:our|the) .{0,40}newsletter"
    r"|(?:we|this (?:site|website)) uses? cookies|by (?:clicking|continuing|using this)"
    r"|all rights reserved|you(?:'|’)ve reached|to continue reading|already a subscriber"
    r"|(?:stay|keep) up[- ]to[- ]date (?:with|on)|delivered (?:straight )?to your inbox"
    r"|get (?:the|our) .{0,40}(?:newsletter|app)\b|this (?:material|content) may not be (?:published|reproduced)"
    r"|(?:is|are) (?:supported by|made possible by) (?:readers|subscribers|our members)",
    re.IGNORECASE,
)

# Photo credits and caption markers.
_CREDIT = re.compile(
    r"^(?:\(?(?:photo|image|picture|illustration|graphic|video|credit|photograph|source|foto)s?(?:\s+credit)?"
    r"\s*(?:[:©|]|by\b)).{0,120}$"
    r"|^.{0,80}\b(?:getty images?|reuters|associated press|\bAP\b|AFP|EPA|shutterstock|istock(?:photo)?|alamy"
    r"|ZUMA|TASS|Xinhua|Bloomberg|courtesy of|handout|file photo|wikimedia|unsplash|flickr)\b.{0,40}$"
    r"|^[\w.'’\- ]{2,40}(?:/[\w.'’\- ]{2,40}){1,4}$",
    re.IGNORECASE,
)
_CAPTION_HINT = re.compile(
    r"^(?:(?:photo|image|picture|pictured|above|below|top|left|right|file|caption)\s*[:|]|\(photo\b|pictured\b)"
    r"|\((?:photo|image|credit)[^)]*\)\s*$|\b(?:less|more)$",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^(?:by|written by|words by|text by|von|par|por|di)\s+(?P<names>[^\d].{1,120})$", re.IGNORECASE
)
_DATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* \d{4}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:updated|published|posted)\b.{0,40}\d"
    r"|\b\d{1,2}:\d{2}\s*(?:am|pm)?\b|\b\d+\s+(?:min(?:ute)?s?|hours?|days?)\s+ago\b",
    re.IGNORECASE,
)
_NAME_TOKEN = re.compile(r"^(?:[A-ZÀ-Þ][\w'’\-.]*|de|da|van|von|der|del|la|le|di|bin|al|y)$")


class Kind(Enum):
    PROSE = "prose"  # looks like running text
    SHORT = "short"  # short text line: heading, label, caption, byline, nav...
    BOILER = "boiler"  # call to action, navigation furniture, paywall
    END = "end"  # marks the end of an article region


@dataclass(slots=True)
class Line:
    index: int  # position among non-blank lines
    raw: str
    text: str  # without list bullet / markdown markers
    words: int
    bullet: bool
    md_level: int  # 1..6 for '#' headings, 0 otherwise
    punct_end: bool
    kind: Kind
    paywall: bool
    repeated: int  # how many times this exact text occurs on the page
    blank_before: bool
    first: int = -1  # index of the first and last line with the same text (site furniture repeats far apart)
    last: int = -1


def word_count(text: str) -> int:
    cjk = len(_CJK.findall(text))
    return len(_WORD.findall(text)) + cjk // 2


def sentence_count(text: str) -> int:
    return len(_SENTENCE_SPLIT.findall(text)) + 1


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


def is_credit(text: str) -> bool:
    return (
        word_count(text) <= 14
        and bool(_CREDIT.search(text))
        and not text.endswith((".", "?", "!"))
        or (word_count(text) <= 6 and bool(_CREDIT.search(text)))
    )


def is_caption_hint(text: str) -> bool:
    return bool(_CAPTION_HINT.search(text))


def is_end_marker(text: str) -> bool:
    if len(text) > 80:
        return False
    core = text.strip(" :»›>|-–—•*")
    return bool(_END_MARKERS.match(core) or _END_INTL.match(core))


_INLINE_END = re.compile(
    r"^(?:related(?: (?:articles?|stories|posts|coverage|content|reading))?|read more|(?:also|read) (?:see|read|also)"
    r"|see also|advertisement)$",
    re.IGNORECASE,
)


def is_inline_marker(text: str) -> bool:
    """End-like markers that also appear inside an article body (an in-text related-links box)."""
    return bool(_INLINE_END.match(text.strip(" :»›>|-–—•*")))


def is_paywall(text: str) -> bool:
    return len(text) <= 200 and bool(_PAYWALL.search(text))


def is_boiler(text: str, words: int) -> bool:
    if _STRONG_BOILER.search(text):
        return True
    if words > 12:
        return False
    if _BOILER.search(text):
        return True
    return words <= 3 and bool(_BOILER_ALONE.match(text))


def is_date_line(text: str, max_words: int = 14) -> bool:
    return word_count(text) <= max_words and bool(_DATE.search(text))


def is_genre_label(text: str) -> bool:
    return bool(GENRE_LABEL.match(text))


def byline_names(text: str) -> list[str] | None:
    """Author names when the line is a byline ("By A and B", or a bare personal name)."""
    text = text.strip()
    m = _BYLINE.match(text)
    body = m.group("names") if m else text
    body = re.split(
        r"\s+[|•·–—-]\s+|,\s*(?=(?:updated|published|posted|\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))",
        body,
        maxsplit=1,
        flags=re.IGNORECASE,
    )[0]
    parts = [p.strip(" ,.") for p in re.split(r",\s*|\s+(?:and|&|und|et|y|e)\s+", body) if p.strip(" ,.")]
    if not parts or len(parts) > 5:
        return None
    names: list[str] = []
    for part in parts:
        tokens = part.split()
        if not 2 <= len(tokens) <= 4 or not all(_NAME_TOKEN.match(t) for t in tokens):
            if m and 1 <= len(tokens) <= 6 and names == [] and part[:1].isupper():
                # "By Staff Reporter, Agency" style: keep the first name-like part only.
                names.append(part)
                continue
            return None if not names else names
        names.append(part)
    if not m and (ends_sentence(text) or len(names) == 0):
        return None
    return names


def markdown_heading(raw: str) -> tuple[int, str] | None:
    m = _MD_HEADING.match(raw)
    return (len(m.group(1)), m.group(2).strip()) if m else None


def classify(raw: str, index: int, repeated: int, blank_before: bool) -> Line:
    md = markdown_heading(raw)
    text = raw
    md_level = 0
    if md:
        md_level, text = md
    bullet = False
    m = BULLET.match(text)
    if m and not md:
        bullet = True
        text = text[m.end() :]
    text = re.sub(r"^\*\*(.+)\*\*$", r"\1", text).strip()
    words = word_count(text)
    punct = ends_sentence(text)
    paywall = is_paywall(text)
    if is_end_marker(text) or (paywall and words <= 25):
        kind = Kind.END
    elif is_boiler(text, words):
        kind = Kind.BOILER
    elif md_level:
        kind = Kind.SHORT
    elif _TRUNCATED.search(text) and words <= 45:
        kind = Kind.SHORT  # a teaser cut short: "... [...]"
    elif (words >= 10 and punct) or words >= 25 or (words >= 6 and punct and sentence_count(text) >= 2):
        kind = Kind.PROSE
    else:
        kind = Kind.SHORT
    return Line(index, raw, text, words, bullet, md_level, punct, kind, paywall, repeated, blank_before)
