"""Dates a sentence mentions, resolved against the article's publication date.

A careful regex reader instead of a heavy library: explicit dates ("June 15", "15 June 2010", "2010-06-15",
"Jun. 15"), weekdays ("on Tuesday", "last Tuesday", "next Friday") and "yesterday"/"today"/"tomorrow".
A weekday or a month-day without a year is placed in the week or year around the publication date: past by
default (news reports what happened), forward when the sentence speaks of the future.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_MONTH = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?"
_DAY = r"(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?")
_DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR}\b)?")
_ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12]\d|3[01])\b")
_WEEKDAY = re.compile(
    r"\b(?:(?P<mod>(?i:last|this|next|on|past|coming))\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    r"(?:\s+(?P<part>morning|afternoon|evening|night))?"
)
_MONTHISH = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")
_MAYBE = re.compile(r"\d|day\b|tomorrow|tonight", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(?P<rel>yesterday|today|tomorrow|tonight)\b", re.IGNORECASE)
_FUTURE = re.compile(
    r"\b(?:will|'ll|shall|to be held|is due|are due|is expected|are expected|scheduled|plans? to|set to|"
    r"going to|next|upcoming|coming)\b",
    re.IGNORECASE,
)


def _place_in_year(month: int, day: int, published: date, future: bool) -> date | None:
    """A month-day without a year: the occurrence nearest the publication date, preferring the past."""
    best: tuple[float, date] | None = None
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        delta = (candidate - published).days
        # the past is the usual reading; the future costs more unless the sentence speaks of it
        cost = float(-delta) if delta <= 0 else delta * (1.0 if future else 3.0)
        if best is None or cost < best[0]:
            best = (cost, candidate)
    return best[1] if best else None


def mentioned_dates(sentence: str, published: date) -> list[date]:
    """Every day `sentence` refers to, in order of appearance, without repeats."""
    if not _MAYBE.search(sentence):  # no digit, weekday, "yesterday"...: most sentences stop here
        return []
    found: list[tuple[int, date]] = []
    taken: list[tuple[int, int]] = []
    future = bool(_FUTURE.search(sentence))
    patterns = []
    if "-" in sentence:
        patterns.append(_ISO)
    if _MONTHISH.search(sentence):
        patterns += [_MONTH_DAY, _DAY_MONTH]

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    for pattern in patterns:
        for m in pattern.finditer(sentence):
            if not free(m.start(), m.end()):
                continue
            month_text = m.group("month")
            month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.lower().rstrip("."))
            if month is None:
                continue
            day = int(m.group("day"))
            year_text = m.group("year")
            when: date | None
            if year_text:
                try:
                    when = date(int(year_text), month, day)
                except ValueError:
                    when = None
            else:
                when = _place_in_year(month, day, published, future)
            if when is not None:
                found.append((m.start(), when))
                taken.append((m.start(), m.end()))
    for m in _WEEKDAY.finditer(sentence) if "day" in sentence else ():
        if not free(m.start(), m.end()):
            continue
        target = _WEEKDAYS[m.group("wd").lower()]
        mod = (m.group("mod") or "").lower()
        back = (published.weekday() - target) % 7  # days since the latest such weekday (0: today)
        if mod in ("next", "coming"):
            when = published + timedelta(days=(target - published.weekday()) % 7 or 7)
        elif mod in ("last", "past"):
            when = published - timedelta(days=back or 7)
        elif future and back != 0:
            when = published + timedelta(days=(target - published.weekday()) % 7)
        else:
            when = published - timedelta(days=back)
        found.append((m.start(), when))
        taken.append((m.start(), m.end()))
    for m in _RELATIVE.finditer(sentence):
        rel = m.group("rel").lower()
        shift = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}[rel]
        found.append((m.start(), published + timedelta(days=shift)))
    found.sort(key=lambda x: x[0])
    out: list[date] = []
    for _, when in found:
        if when not in out:
            out.append(when)
    return out
