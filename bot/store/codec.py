"""Turning domain values into column values and back; shared by store backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

from bot.audit import AuditEntry
from bot.feeds.types import Feed, FeedSubscription
from bot.models import Analysis, Article, Entities, Origin, Paragraph, Quote, QuoteKind
from bot.topics.types import Every, Schedule, Topic


def dt_to_db(value: datetime | None) -> str | None:
    """UTC ISO-8601, so text order is time order."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def dt_normal(value: datetime | None) -> datetime | None:
    """UTC, whole seconds: what every backend stores, so both read back the same value."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def dt_from_db(value: str | datetime | None) -> datetime | None:
    """From SQLite's ISO text or PostgreSQL's timestamptz."""
    if not value:
        return None
    if isinstance(value, datetime):
        return dt_normal(value)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def paragraphs_to_db(paragraphs: list[Paragraph]) -> tuple[str, str]:
    """(body, headings): paragraph texts joined by blank lines, and the indexes of headings."""
    body = "\n\n".join(p.text for p in paragraphs)
    headings = [i for i, p in enumerate(paragraphs) if p.kind == "heading"]
    return body, json.dumps(headings)


def paragraphs_from_db(body: str, headings: str) -> list[Paragraph]:
    heading_set = set(json.loads(headings or "[]"))
    texts = body.split("\n\n") if body else []
    return [Paragraph("heading" if i in heading_set else "text", t) for i, t in enumerate(texts)]


def analysis_to_db(analysis: Analysis) -> str:
    return json.dumps(
        {
            "summary": analysis.summary,
            "quotes": [
                {
                    "text": q.text,
                    "speaker": q.speaker,
                    "kind": q.kind,
                    "paragraph": q.paragraph,
                    "score": q.score,
                }
                for q in analysis.quotes
            ],
            "keywords": analysis.keywords,
            "entities": analysis.entities.to_dict(),
        },
        ensure_ascii=False,
    )


def analysis_from_db(value: str | None) -> Analysis | None:
    if not value:
        return None
    data: dict[str, Any] = json.loads(value)
    ents = data.get("entities") or {}
    return Analysis(
        summary=list(data.get("summary") or []),
        quotes=[
            Quote(
                text=q["text"],
                speaker=q.get("speaker"),
                kind=cast(QuoteKind, q.get("kind", "full")),
                paragraph=int(q.get("paragraph", 0)),
                score=float(q.get("score", 0.0)),
            )
            for q in data.get("quotes") or []
        ],
        keywords=list(data.get("keywords") or []),
        entities=Entities(
            people=list(ents.get("people") or []),
            places=list(ents.get("places") or []),
            organizations=list(ents.get("organizations") or []),
        ),
    )


def article_from_row(r: Any) -> Article:
    """An article from a row of either backend (same column names, see the backends' ARTICLE_COLUMNS)."""
    return Article(
        id=r["id"],
        guild_id=r["guild_id"],
        external_id=r["external_id"],
        url=r["url"],
        canonical_url=r["canonical_url"],
        title=r["title"],
        subtitle=r["subtitle"],
        authors=json.loads(r["authors"] or "[]"),
        published=dt_from_db(r["published"]),
        section=r["section"],
        source=r["source"],
        language=r["language"],
        image=r["image"],
        paragraphs=paragraphs_from_db(r["body"], r["headings"]),
        word_count=r["word_count"],
        content_hash=r["content_hash"],
        origin=cast(Origin, r["origin"]),
        flags=set(json.loads(r["flags"] or "[]")),
        ingested_by=r["ingested_by"],
        ingested_at=dt_from_db(r["ingested_at"]),
        updated_at=dt_from_db(r["updated_at"]),
        duplicate_of=r["duplicate_of"],
        analysis=analysis_from_db(r["analysis"]),
    )


# --- feeds, subscriptions and topics: the same columns and decoding on every backend ----------------
FEED_COLUMNS = (
    "f.id, f.url, f.title, f.etag, f.last_modified, f.interval_s, f.next_poll_at, f.last_polled_at, "
    "f.last_ok_at, f.failures, f.last_error, f.paused_reason, f.primed, f.created_at"
)
SUBSCRIPTION_COLUMNS = (
    "s.id AS sid, s.feed_id, s.guild_id, s.channel_id, s.topic_id, s.added_by, s.paused_reason AS spaused, "
    "s.pause_notified, s.created_at AS screated"
)
TOPIC_COLUMNS = (
    "id, guild_id, channel_id, name, query, filters, every, hour, minute, timezone, weekday, mention_role_id, "
    "thread, created_by, created_at, next_run_at, last_run_at, last_article_id, paused_reason, pending, failures, briefing"
)

AUDIT_COLUMNS = "id, guild_id, actor, actor_name, via, action, detail, created_at"


def audit_from_row(r: Any) -> AuditEntry:
    """A row of AUDIT_COLUMNS, by position (SQLite rows and asyncpg records alike)."""
    return AuditEntry(
        guild_id=r[1],
        actor=r[2],
        actor_name=r[3],
        via=r[4],
        action=r[5],
        detail=r[6],
        created_at=dt_from_db(r[7]),
        id=int(r[0]),
    )


def feed_from_row(r: Any) -> Feed:
    return Feed(
        id=r["id"],
        url=r["url"],
        title=r["title"],
        etag=r["etag"],
        last_modified=r["last_modified"],
        interval_s=r["interval_s"],
        next_poll_at=dt_from_db(r["next_poll_at"]),
        last_polled_at=dt_from_db(r["last_polled_at"]),
        last_ok_at=dt_from_db(r["last_ok_at"]),
        failures=r["failures"],
        last_error=r["last_error"],
        paused_reason=r["paused_reason"],
        primed=bool(r["primed"]),
        created_at=dt_from_db(r["created_at"]),
    )


def subscription_from_row(r: Any) -> FeedSubscription:
    return FeedSubscription(
        id=r["sid"],
        feed_id=r["feed_id"],
        guild_id=r["guild_id"],
        channel_id=r["channel_id"],
        topic_id=r["topic_id"],
        added_by=r["added_by"],
        paused_reason=r["spaused"],
        pause_notified=bool(r["pause_notified"]),
        created_at=dt_from_db(r["screated"]),
        feed=feed_from_row(r),
    )


def topic_from_row(r: Any) -> Topic:
    return Topic(
        id=r["id"],
        guild_id=r["guild_id"],
        channel_id=r["channel_id"],
        name=r["name"],
        query=r["query"],
        filters=json.loads(r["filters"] or "{}"),
        schedule=Schedule(cast(Every, r["every"]), r["hour"], r["minute"], r["timezone"], r["weekday"]),
        mention_role_id=r["mention_role_id"],
        thread=bool(r["thread"]),
        created_by=r["created_by"],
        created_at=dt_from_db(r["created_at"]),
        next_run_at=dt_from_db(r["next_run_at"]),
        last_run_at=dt_from_db(r["last_run_at"]),
        last_article_id=r["last_article_id"],
        paused_reason=r["paused_reason"],
        pending=json.loads(r["pending"]) if r["pending"] else None,
        failures=r["failures"],
        briefing=bool(r["briefing"]),
    )
