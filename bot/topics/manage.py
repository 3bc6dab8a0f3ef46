"""Creating topics and previewing digests: shared by the cog and the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.errors import TopicError
from bot.search.query import parse_query
from bot.store.base import ArticleStore
from bot.topics.digest import Digest, build_digest
from bot.topics.schedule import TopicOptionError, build_schedule, next_run_after
from bot.topics.types import Topic

MAX_TOPICS_PER_GUILD = 50


async def new_topic(
    store: ArticleStore,
    *,
    guild_id: int | None,
    channel_id: int,
    query: str,
    every: str | None = None,
    at: str | None = None,
    timezone: str | None = None,
    day: str | None = None,
    mention_role_id: int | None = None,
    thread: bool = False,
    briefing: bool = False,
    filters: dict[str, str] | None = None,
    created_by: str | None = None,
    now: datetime,
) -> Topic:
    """Validate and store a topic; its first digest covers what arrives after it was created."""
    if parse_query(query).is_empty():
        raise TopicOptionError("query", "the query has no words to search for")
    schedule = build_schedule(every, at, timezone, day)
    if guild_id is not None and len(await store.list_topics(guild_id)) >= MAX_TOPICS_PER_GUILD:
        raise TopicError(f"a server can follow at most {MAX_TOPICS_PER_GUILD} topics")
    topic = Topic(
        id=0,
        guild_id=guild_id,
        channel_id=channel_id,
        query=query.strip(),
        schedule=schedule,
        filters=filters or {},
        mention_role_id=mention_role_id,
        thread=thread,
        briefing=briefing,
        created_by=created_by,
        created_at=now,
        next_run_at=next_run_after(schedule, now),
        last_article_id=await store.max_article_id(),
    )
    return await store.add_topic(topic)


async def preview_digest(
    store: ArticleStore,
    guild_id: int | None,
    query: str,
    *,
    now: datetime,
    window: timedelta = timedelta(days=1),
) -> tuple[Topic, Digest]:
    """What a digest for `query` would hold now: matching articles ingested within `window`."""
    topic = Topic(id=0, guild_id=guild_id, channel_id=0, query=query)
    after = await store.last_article_id_before(now - window)
    return topic, await build_digest(store, topic, after_id=after)


async def edit_topic(
    store: ArticleStore,
    topic: Topic,
    *,
    channel_id: int,
    query: str,
    every: str | None = None,
    at: str | None = None,
    timezone: str | None = None,
    day: str | None = None,
    mention_role_id: int | None = None,
    thread: bool = False,
    now: datetime,
) -> Topic:
    """Change a topic's search, place and schedule; its watermark stays (nothing already posted repeats)."""
    if parse_query(query).is_empty():
        raise TopicOptionError("query", "the query has no words to search for")
    topic.schedule = build_schedule(every, at, timezone, day)
    topic.query = query.strip()
    topic.channel_id = channel_id
    topic.mention_role_id = mention_role_id
    topic.thread = thread
    if topic.paused_reason is None:
        topic.next_run_at = next_run_after(topic.schedule, now)
    await store.update_topic(topic)
    return topic


async def pause_topic(store: ArticleStore, topic: Topic, reason: str) -> Topic:
    topic.paused_reason = reason
    topic.next_run_at = None
    await store.update_topic(topic)
    return topic


async def resume_topic(store: ArticleStore, topic: Topic, *, now: datetime) -> Topic:
    topic.paused_reason = None
    topic.failures = 0
    topic.next_run_at = next_run_after(topic.schedule, now)
    await store.update_topic(topic)
    return topic
