"""Topic management as the panel uses it (bot/topics/manage.py), on both backends: a server's topic
limit, editing keeps the watermark (nothing already posted repeats), pausing and resuming."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import TopicError
from bot.store import ArticleStore
from bot.topics.manage import MAX_TOPICS_PER_GUILD, edit_topic, new_topic, pause_topic, resume_topic
from bot.topics.schedule import TopicOptionError

NOW = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


async def test_a_server_follows_at_most_the_limit(store: ArticleStore) -> None:
    for n in range(MAX_TOPICS_PER_GUILD):
        await new_topic(store, guild_id=1, channel_id=10, query=f"harbour {n}", now=NOW)
    with pytest.raises(TopicError, match=f"^a server can follow at most {MAX_TOPICS_PER_GUILD} topics$"):
        await new_topic(store, guild_id=1, channel_id=10, query="one more", now=NOW)
    other = await new_topic(store, guild_id=2, channel_id=20, query="one more", now=NOW)
    assert other.guild_id == 2


async def test_edit_pause_resume(store: ArticleStore) -> None:
    topic = await new_topic(
        store, guild_id=1, channel_id=10, query="harbour", every="daily", at="08:00", now=NOW
    )
    topic.last_article_id = 41
    await store.update_topic(topic)

    edited = await edit_topic(
        store,
        topic,
        channel_id=11,
        query="  harbour bridge ",
        every="hourly",
        at="15",
        mention_role_id=5,
        thread=True,
        now=NOW,
    )
    stored = await store.get_topic(topic.id, 1)
    assert stored is not None
    assert (stored.query, stored.channel_id, stored.mention_role_id, stored.thread) == (
        "harbour bridge",
        11,
        5,
        True,
    )
    assert stored.schedule.describe() == edited.schedule.describe()
    assert stored.last_article_id == 41  # the watermark stays
    assert stored.next_run_at == datetime(2024, 5, 1, 10, 15, tzinfo=UTC)
    with pytest.raises(TopicOptionError) as empty:
        await edit_topic(store, stored, channel_id=11, query="  -  ", now=NOW)
    assert empty.value.option == "query"

    paused = await pause_topic(store, stored, "paused by Ana")
    again = await store.get_topic(topic.id, 1)
    assert again is not None and (again.paused_reason, again.next_run_at) == ("paused by Ana", None)
    # an edit while paused leaves it paused, with no run scheduled
    await edit_topic(store, paused, channel_id=12, query="harbour", every="daily", at="08:00", now=NOW)
    again = await store.get_topic(topic.id, 1)
    assert again is not None and (again.channel_id, again.next_run_at) == (12, None)

    again.failures = 3
    later = NOW + timedelta(hours=1)
    await resume_topic(store, again, now=later)
    resumed = await store.get_topic(topic.id, 1)
    assert resumed is not None
    assert (resumed.paused_reason, resumed.failures) == (None, 0)
    assert resumed.next_run_at == datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
