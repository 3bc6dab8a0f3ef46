"""The digest runner's thread and forum branches when Discord fails: a thread that could not be started
is started on the retry (the header is not sent twice), a forum post made although its request failed is
found again instead of doubled, and a refusal pauses the topic with the reason."""

from __future__ import annotations

from datetime import timedelta

from bot.scheduler import ManualClock, TopicScheduler
from bot.store.base import ArticleStore
from bot.topics.manage import new_topic
from bot.topics.poster import PostFailed, TargetGone

from .test_topics import START, FakePoster, add_article


class ThreadPoster(FakePoster):
    """FakePoster with threads and forums; `fail_thread` / `fail_forum` make the next call fail."""

    def __init__(self, kind: str = "text") -> None:
        super().__init__()
        self.kind = kind
        self.threads: list[tuple[int, int, str]] = []  # (channel, message, name)
        self.forum_posts: dict[str, tuple[int, int]] = {}  # name -> (thread id, message id)
        self.fail_thread: Exception | None = None
        self.fail_forum: Exception | None = None
        self.forum_created_anyway = False

    async def channel_kind(self, channel_id: int) -> str:
        return self.kind

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        if self.fail_thread is not None:
            exc, self.fail_thread = self.fail_thread, None
            raise exc
        self.threads.append((channel_id, message_id, name))
        return message_id + 500_000

    async def create_forum_post(
        self, forum_id: int, name: str, content: str, *, role_id: int | None = None
    ) -> tuple[int, int]:
        if self.fail_forum is not None and not self.forum_created_anyway:
            exc, self.fail_forum = self.fail_forum, None
            raise exc
        post = (len(self.forum_posts) + 700_000, len(self.forum_posts) + 700_000)
        self.forum_posts[name] = post
        self.sent.append((forum_id, content, f"forum:{name}"))
        if self.fail_forum is not None:  # Discord made the post, but the answer never arrived
            exc, self.fail_forum = self.fail_forum, None
            raise exc
        return post

    async def find_forum_post(self, forum_id: int, name: str) -> int | None:
        found = self.forum_posts.get(name)
        return found[0] if found else None


async def due_topic(store: ArticleStore, clock: ManualClock, **kw: object) -> int:
    topic = await new_topic(store, guild_id=1, channel_id=10, query="ukraine", now=clock.now(), **kw)  # type: ignore[arg-type]
    for n in range(3):
        await add_article(store, n, "ukraine")
    clock.current = topic.next_run_at
    return topic.id


async def retry_until_done(
    sched: TopicScheduler, clock: ManualClock, store: ArticleStore, topic_id: int
) -> None:
    for _ in range(10):
        await sched.run_due()
        topic = await store.get_topic(topic_id, 1)
        assert topic is not None
        if topic.pending is None and topic.last_run_at is not None:
            return
        clock.current = clock.now() + timedelta(minutes=30)
    raise AssertionError("the digest never completed")


async def test_a_thread_that_could_not_be_started_is_started_on_the_retry(store: ArticleStore) -> None:
    clock, poster = ManualClock(START), ThreadPoster()
    topic_id = await due_topic(store, clock, thread=True)
    poster.fail_thread = PostFailed("Discord error 503: unavailable")
    sched = TopicScheduler(store, poster, clock=clock)  # type: ignore[arg-type]
    await retry_until_done(sched, clock, store, topic_id)
    header, items = poster.sent
    assert header[0] == 10 and "Ukraine story" not in header[1]
    assert poster.threads == [(10, 1000, poster.threads[0][2])]
    assert items[0] == 1000 + 500_000 and "Ukraine story 0" in items[1]  # into the thread


async def test_a_thread_refused_pauses_the_topic_with_the_reason(store: ArticleStore) -> None:
    clock, poster = ManualClock(START), ThreadPoster()
    topic_id = await due_topic(store, clock, thread=True)
    poster.fail_thread = TargetGone("missing permission to post in the channel")
    await TopicScheduler(store, poster, clock=clock).run_due()  # type: ignore[arg-type]
    topic = await store.get_topic(topic_id, 1)
    assert topic is not None
    assert (topic.paused_reason, topic.pending, topic.next_run_at) == (
        "missing permission to post in the channel",
        None,
        None,
    )
    assert len(poster.sent) == 1  # the header went out before the refusal; nothing more is tried


async def test_a_forum_post_made_despite_a_failed_answer_is_not_doubled(store: ArticleStore) -> None:
    clock, poster = ManualClock(START), ThreadPoster(kind="forum")
    topic_id = await due_topic(store, clock)
    poster.fail_forum, poster.forum_created_anyway = PostFailed("Discord error 504: timeout"), True
    sched = TopicScheduler(store, poster, clock=clock)  # type: ignore[arg-type]
    await retry_until_done(sched, clock, store, topic_id)
    forum_creates = [s for s in poster.sent if s[2].startswith("forum:")]
    assert len(forum_creates) == 1  # found again on the retry, not made a second time
    assert "Ukraine story 0" in "".join(s[1] for s in poster.sent)


async def test_a_forum_that_refuses_posts_pauses_the_topic(store: ArticleStore) -> None:
    clock, poster = ManualClock(START), ThreadPoster(kind="forum")
    topic_id = await due_topic(store, clock)
    poster.fail_forum = TargetGone("missing permission to post in the channel")
    await TopicScheduler(store, poster, clock=clock).run_due()  # type: ignore[arg-type]
    topic = await store.get_topic(topic_id, 1)
    assert topic is not None and topic.paused_reason == "missing permission to post in the channel"
    assert poster.sent == [] and poster.forum_posts == {}
