"""Schedule parsing and `next_run_at` math. Wall-clock times live in an IANA zone (zoneinfo), so a daily
08:00 stays 08:00 local across daylight-saving changes; all stored instants are UTC.

DST edges: a wall time that does not exist that day (spring forward) fires at the same instant the
pre-change offset gives (e.g. 02:30 → 03:30 local); a repeated wall time (fall back) fires once, at its
first occurrence.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import TopicError
from bot.topics.types import EVERY_VALUES, WEEKDAYS, Every, Schedule

_AT = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*$")


class TopicOptionError(TopicError):
    """A topic option a person typed is not valid (bad input: a usage error on the command line)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option  # the option's name as both the CLI (--NAME) and Discord spell it


def parse_every(text: str | None) -> Every:
    value = (text or "daily").strip().lower()
    for every in EVERY_VALUES:
        if value == every:
            return every
    raise TopicOptionError("every", f"every must be one of {', '.join(EVERY_VALUES)}, not {text!r}")


def parse_at(text: str | None, every: Every = "daily") -> tuple[int, int]:
    """ "08:00" / "8" → (8, 0); for hourly schedules ":15" or "15" means the minute."""
    if not text:
        return (0, 0) if every == "hourly" else (8, 0)
    raw = text.strip()
    if every == "hourly" and re.fullmatch(r":?\d{1,2}", raw):
        minute = int(raw.lstrip(":"))
        if minute > 59:
            raise TopicOptionError("at", f"minute must be 0-59, not {minute}")
        return 0, minute
    match = _AT.match(raw)
    if not match:
        raise TopicOptionError("at", f"time must look like HH:MM (24-hour), not {text!r}")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise TopicOptionError("at", f"time must be between 00:00 and 23:59, not {text!r}")
    return hour, minute


def parse_timezone(text: str | None) -> str:
    name = (text or "UTC").strip()
    if name.upper() in ("UTC", "Z", "GMT"):
        return "UTC"
    if not re.fullmatch(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*", name):
        raise TopicOptionError("timezone", f"unknown time zone {text!r}; use an IANA name like Europe/Berlin")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TopicOptionError(
            "timezone", f"unknown time zone {text!r}; use an IANA name like Europe/Berlin"
        ) from exc
    return name


def parse_weekday(text: str | None) -> int:
    if text is None or not text.strip():
        return 0
    value = text.strip().lower()
    if value.isdigit() and 1 <= int(value) <= 7:
        return int(value) - 1
    for i, name in enumerate(WEEKDAYS):
        if len(value) >= 2 and name.startswith(value):
            return i
    raise TopicOptionError("day", f"day must be a weekday name (monday … sunday), not {text!r}")


def build_schedule(
    every: str | None = None, at: str | None = None, timezone: str | None = None, day: str | None = None
) -> Schedule:
    """A schedule from user-typed options; raises TopicError naming the bad one."""
    kind = parse_every(every)
    hour, minute = parse_at(at, kind)
    weekday = parse_weekday(day)  # checked whatever the schedule: a typo is never silently ignored
    return Schedule(kind, hour, minute, parse_timezone(timezone), weekday if kind == "weekly" else 0)


def _wall_to_utc(day: datetime, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)  # fold=0: first occurrence
    return local.astimezone(UTC)


def next_run_after(schedule: Schedule, after: datetime) -> datetime:
    """The first slot strictly after `after` (aware), as UTC. Missed slots collapse: callers pass now."""
    if after.tzinfo is None:
        after = after.replace(tzinfo=UTC)
    after = after.astimezone(UTC)
    tz = ZoneInfo(schedule.timezone)
    if schedule.every == "hourly":
        base = after.replace(minute=0, second=0, microsecond=0)
        for k in range(0, 4):
            hour_start = base + timedelta(hours=k)
            offset = hour_start.astimezone(tz).utcoffset() or timedelta(0)
            shift = (schedule.minute - int(offset.total_seconds() // 60)) % 60
            candidate = hour_start + timedelta(minutes=shift)
            if candidate > after:
                return candidate
        raise AssertionError("unreachable: an hourly slot exists within four hours")
    local_day = after.astimezone(tz)
    for k in range(0, 9):
        day = local_day + timedelta(days=k)
        if schedule.every == "weekly" and day.weekday() != schedule.weekday:
            continue
        candidate = _wall_to_utc(day, schedule.hour, schedule.minute, tz)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a daily/weekly slot exists within nine days")


def previous_run_before(schedule: Schedule, at: datetime) -> datetime:
    """The latest slot at or before `at` (for previews: the window a digest would cover)."""
    step = {"hourly": timedelta(hours=2), "daily": timedelta(days=2), "weekly": timedelta(days=8)}[
        schedule.every
    ]
    probe = at - step
    last = next_run_after(schedule, probe)
    while True:
        following = next_run_after(schedule, last)
        if following > at:
            return last
        last = following
