"""Date filter values: relative ("7d", "2w", "1m", "1y", "12h") or ISO dates/times, always UTC-aware."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.errors import InvalidQuery

_RELATIVE = re.compile(r"^\s*(\d{1,5})\s*(h|d|w|m|y)\s*$", re.IGNORECASE)
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_when(value: str, *, now: datetime | None = None, end_of_day: bool = False) -> datetime:
    """A point in time for --since/--until.

    "7d" means seven days before now. A bare date is its start of day (or its end, for an inclusive
    --until, with `end_of_day`). Naive times are taken as UTC.
    """
    now = now or datetime.now(UTC)
    text = value.strip()
    if not text:
        raise InvalidQuery("empty date")
    match = _RELATIVE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        delta = timedelta(hours=amount) if unit == "h" else timedelta(days=amount * _DAYS[unit])
        try:
            return now - delta
        except OverflowError as exc:
            raise InvalidQuery(f"date {value!r} is too far back") from exc
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError as exc:
        raise InvalidQuery(
            f"cannot read date {value!r}: use e.g. 2022-06-01, 2022-06-01T12:00, 7d, 2w, 1m or 1y"
        ) from exc
    date_only = len(text) <= 10
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if date_only and end_of_day:
        parsed = parsed + timedelta(days=1)
    return parsed.astimezone(UTC)
