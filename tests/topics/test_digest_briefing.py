"""A topic that opted in carries a short briefing after its digest; others do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ingest.pipeline import Ingestor, default_analyzer
from bot.models import ExtractedArticle, Paragraph
from bot.scheduler import ManualClock, TopicScheduler
from bot.store.base import ArticleStore
from bot.topics.digest import MESSAGE_LIMIT
from bot.topics.manage import new_topic
from tests.topics.test_topics import FakePoster

NOW = datetime(2024, 3, 30, 6, 0, tzinfo=UTC)


async def add(store: ArticleStore, n: int, days_ago: int, text: str) -> None:
    await Ingestor(store, analyzer=default_analyzer()).store_extracted(
        ExtractedArticle(
            paragraphs=[Paragraph("text", text)],
            title=f"Dam story {n}",
            url=f"https://news.test/dam/{n}",
            published=NOW - timedelta(days=days_ago),
            source=["bbc", "reuters", "guardian"][n % 3],
        ),
        origin="text",
        source="t",
        guild_id=1,
    )


async def test_opted_in_topic_posts_a_short_briefing(store: ArticleStore) -> None:
    clock, poster = ManualClock(NOW), FakePoster()
    with_briefing = await new_topic(
        store, guild_id=1, channel_id=10, query="dam", briefing=True, now=clock.now()
    )
    plain = await new_topic(store, guild_id=1, channel_id=11, query="dam", now=clock.now())
    await add(
        store,
        1,
        5,
        'The river dam cracked on Monday, officials said. "We evacuated the valley," said Mayor Ana Ruiz.',
    )
    await add(
        store, 2, 3, "Engineers began repairs on the cracked dam after the Monday failure. Water levels fell."
    )
    await add(
        store, 3, 1, 'The dam repairs were finished on Wednesday. "The valley is safe again," Ana Ruiz said.'
    )
    sched = TopicScheduler(store, poster, clock=clock)  # type: ignore[arg-type]
    clock.current = with_briefing.next_run_at or NOW
    assert await sched.run_due() == 2
    to_briefed = [c for ch, c, _ in poster.sent if ch == 10]
    to_plain = [c for ch, c, _ in poster.sent if ch == 11]
    assert len(to_plain) == 1 and "story so far" not in to_plain[0]
    assert len(to_briefed) == 2 and to_briefed[0] == to_plain[0]
    block = to_briefed[1]
    assert block.startswith("🧭 **The story so far**") and len(block) <= MESSAGE_LIMIT
    assert "__Timeline__" in block and "__Key points__" in block and "Ana Ruiz" in block
    assert "@" not in block.replace("@\u200b", "")
    assert plain.briefing is False
