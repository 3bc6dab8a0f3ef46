"""Topic domain objects: a saved search with a schedule and a place to post."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Every = Literal["hourly", "daily", "weekly"]
EVERY_VALUES: tuple[Every, ...] = ("hourly", "daily", "weekly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Schedule:
    every: Every = "daily"
    hour: int = 8
    minute: int = 0
    timezone: str = "UTC"
    weekday: int = 0  # Monday = 0; used by weekly schedules

    def describe(self) -> str:
        if self.every == "hourly":
            return f"hourly at :{self.minute:02d}"
        at = f"{self.hour:02d}:{self.minute:02d} {self.timezone}"
        if self.every == "weekly":
            return f"weekly on {WEEKDAYS[self.weekday].capitalize()} at {at}"
        return f"daily at {at}"


@dataclass(slots=True)
class Topic:
    id: int
    guild_id: int | None
    channel_id: int
    query: str
    schedule: Schedule = field(default_factory=Schedule)
    name: str | None = None
    filters: dict[str, str] = field(default_factory=dict)  # source/author/section/language, as typed
    mention_role_id: int | None = None
    thread: bool = False
    created_by: str | None = None
    created_at: datetime | None = None
    next_run_at: datetime | None = None  # None while paused
    last_run_at: datetime | None = None
    last_article_id: int = 0  # watermark: articles with a larger id are new to this topic
    paused_reason: str | None = None
    pending: dict[str, Any] | None = None  # a digest being sent (intent recorded before sending)
    failures: int = 0

    @property
    def label(self) -> str:
        return self.name or self.query

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "guild_id": self.guild_id,
            "channel_id": self.channel_id,
            "name": self.name,
            "query": self.query,
            "filters": self.filters,
            "schedule": self.schedule.describe(),
            "mention_role_id": self.mention_role_id,
            "thread": self.thread,
            "next_run_at": self.next_run_at.isoformat() if self.next_run_at else None,
            "last_run_at": self.last_run_at.isoformat() if self.last_run_at else None,
            "paused_reason": self.paused_reason,
        }
