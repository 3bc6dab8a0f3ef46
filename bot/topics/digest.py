"""Digests: the new articles matching a topic since its last post, rendered into Discord-sized messages,
and the exactly-once protocol that posts them.

Exactly once: before anything is sent the rendered messages, their nonces and the watermark are stored
on the topic (`pending`). Each message is sent with its nonce and `enforce_nonce`, and its id recorded
right after. A crash anywhere leaves `pending` in the store; the next run resends only the messages
without a recorded id, with the same nonces, so Discord returns the already-created message instead of
posting it again. Past the nonce window (about five minutes) the channel's recent messages are checked
for identical content first. Only when every message is out does the watermark move and `pending` clear.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.errors import NewsbotError, StoreError
from bot.markdown import inline_code, link_target, link_text, masked_link
from bot.search.query import parse_query
from bot.search.search import build_filters
from bot.store.base import ArticleStore, Scope
from bot.topics.poster import AdminNotifier, Poster, TargetGone
from bot.topics.schedule import next_run_after
from bot.topics.types import Topic

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
MAX_ITEMS = 25
SUMMARY_CHARS = 280
NONCE_WINDOW = timedelta(minutes=4)  # Discord dedupes enforced nonces for about five minutes
RETRY_STEPS = (1, 2, 5, 10, 30)  # minutes after a transient failure

Outcome = Literal["posted", "nothing new", "paused", "retry", "missing"]


@dataclass(slots=True)
class DigestItem:
    id: int
    title: str
    url: str | None
    source: str | None
    summary: str
    score: float


@dataclass(slots=True)
class Digest:
    items: list[DigestItem]
    watermark: int  # the largest article id when the digest was built
    more: int = 0  # matching articles left out (beyond MAX_ITEMS)


def _summary(article: Any) -> str:
    sentences: list[str] = list(article.analysis.summary[:2]) if article.analysis else []
    text = " ".join(sentences) if sentences else (article.subtitle or "")
    if not text:
        for p in article.paragraphs:
            if p.kind == "text" and len(p.text) > 40:
                text = p.text
                break
    text = " ".join(text.split())
    if len(text) > SUMMARY_CHARS:
        cut = text[:SUMMARY_CHARS]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
    return text


async def build_digest(
    store: ArticleStore, topic: Topic, *, after_id: int | None = None, limit: int = MAX_ITEMS
) -> Digest:
    """New articles matching the topic (ids above its watermark), most relevant first."""
    watermark = await store.max_article_id()
    query = parse_query(topic.query)
    if query.is_empty():
        return Digest([], watermark)
    f = topic.filters
    filters = build_filters(
        source=f.get("source"), author=f.get("author"), section=f.get("section"), language=f.get("language")
    )
    scope = Scope.guild(topic.guild_id)
    start = topic.last_article_id if after_id is None else after_id
    hits = await store.topic_matches(
        query, filters, scope, after_id=start, up_to_id=watermark, limit=limit + 1
    )
    more = max(0, len(hits) - limit)
    hits = hits[:limit]
    articles = {a.id: a for a in await store.get_articles([h.id for h in hits], scope)}
    items = []
    for hit in hits:
        article = articles.get(hit.id)
        if article is None:
            continue
        items.append(
            DigestItem(hit.id, article.title, article.url, article.source, _summary(article), hit.score)
        )
    if more:
        more = (
            await store.count_topic_matches(query, filters, scope, after_id=start, up_to_id=watermark) - limit
        )
    return Digest(items, watermark, max(more, 0))


def _escape(text: str) -> str:
    """The one escaping rule (bot.markdown), brackets turned into parentheses as before."""
    return link_text(text)


def render_item(item: DigestItem) -> str:
    link = link_target(item.url)
    url = item.url if link and len(link) < 500 else None
    head = f"**{masked_link(' '.join(item.title.split()), url, 250)}**"
    source = f" — {_escape(item.source[:80])}" if item.source else ""
    line = f"{head}{source} (#{item.id})"
    if item.summary:
        line += "\n> " + _escape(item.summary)
    return line[: MESSAGE_LIMIT - 100]


def render_digest(topic: Topic, digest: Digest, *, header_alone: bool = False) -> list[str]:
    """Messages under Discord's 2,000 characters, the header on the first; the role mention first of all.
    `header_alone` keeps the header as its own message (it then starts a thread holding the items)."""
    count = len(digest.items) + digest.more
    noun = "article" if count == 1 else "articles"
    header = f"📰 **{_escape(topic.label[:200])}** — {count} new {noun}"
    if topic.mention_role_id:
        header = f"<@&{topic.mention_role_id}> " + header
    chunks: list[str] = []
    current = header
    if header_alone:
        chunks.append(header)
        current = ""
    for item in digest.items:
        block = render_item(item)
        if current and len(current) + 2 + len(block) > MESSAGE_LIMIT:
            chunks.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}" if current else block
    if digest.more:
        tail = f"…and {digest.more} more: {inline_code('/search ' + topic.query, 200)}"
        if len(current) + 2 + len(tail) > MESSAGE_LIMIT:
            chunks.append(current)
            current = tail
        else:
            current += "\n\n" + tail
    if current:
        chunks.append(current)
    return chunks


async def _briefing_chunks(store: ArticleStore, topic: Topic, now: datetime) -> list[str]:
    """The short briefing a topic opted into, as one more message (none when nothing matches)."""
    from bot.briefing import topic_briefing
    from bot.briefing.render import digest_block

    briefing = await topic_briefing(store, topic, today=now.date())
    return [digest_block(briefing)] if briefing is not None else []


def thread_name(topic: Topic, when: datetime) -> str:
    return f"{topic.label[:80]} — {when:%Y-%m-%d %H:%M} UTC"[:100]


def _nonce(topic_id: int, when: datetime, index: int) -> str:
    """At most 25 characters, unique per topic, slot and message."""
    return f"t{_b36(topic_id)}.{_b36(int(when.timestamp()))}.{index}"[:25]


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    n = abs(n)
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


class DigestRunner:
    """Runs one topic: build, record intent, send, record completion."""

    def __init__(
        self, store: ArticleStore, poster: Poster, *, clock: Any, notices: AdminNotifier | None = None
    ) -> None:
        self.store = store
        self.poster = poster
        self.clock = clock
        self.notices = notices

    async def run_topic(self, topic_id: int, *, manual: bool = False) -> Outcome:
        topic = await self.store.get_topic(topic_id, None)
        if topic is None:
            return "missing"
        if topic.paused_reason and not manual:
            return "paused"
        now = self.clock.now()
        resumed = topic.pending is not None
        try:
            kind = await self.poster.channel_kind(topic.channel_id)
            if not resumed:
                digest = await build_digest(self.store, topic)
                if not digest.items:
                    topic.last_article_id = max(topic.last_article_id, digest.watermark)
                    if not manual:
                        topic.last_run_at = now
                        topic.next_run_at = next_run_after(topic.schedule, now)
                        topic.failures = 0
                    await self.store.update_topic(topic)
                    return "nothing new"
                chunks = render_digest(topic, digest, header_alone=topic.thread and kind == "text")
                if topic.briefing:
                    chunks.extend(await _briefing_chunks(self.store, topic, now))
                topic.pending = {
                    "created": now.isoformat(),
                    "watermark": digest.watermark,
                    "chunks": chunks,
                    "nonces": [_nonce(topic.id, now, i) for i in range(len(chunks))],
                    "sent": [None] * len(chunks),
                    "thread_id": None,
                    "thread_name": thread_name(topic, now),
                    "manual": manual,
                }
                await self.store.update_topic(topic)  # the intent, before anything is sent
            await self._deliver(topic, kind, resumed=resumed, now=now)
        except TargetGone as exc:
            reason = str(exc)
            log.warning("topic paused", extra={"topic_id": topic.id, "reason": reason})
            topic.paused_reason = reason
            topic.pending = None
            topic.next_run_at = None
            await self.store.update_topic(topic)
            await self._tell_admins(topic, reason)
            return "paused"
        except Exception as exc:  # transient (Discord 5xx, network) or a bug: the pending digest is retried
            if not isinstance(exc, NewsbotError | OSError | TimeoutError):
                log.exception("digest failed unexpectedly", extra={"topic_id": topic.id})
            topic.failures += 1
            step = RETRY_STEPS[min(topic.failures, len(RETRY_STEPS)) - 1]
            topic.next_run_at = now + timedelta(minutes=step)
            log.warning(
                "digest not delivered; will retry",
                extra={"topic_id": topic.id, "error": str(exc), "retry_in_min": step},
            )
            try:
                await self.store.update_topic(topic)
            except StoreError as store_exc:  # a full disk: the topic stays due and is tried again
                log.warning(
                    "could not record the retry", extra={"topic_id": topic.id, "error": str(store_exc)}
                )
            return "retry"
        pending = topic.pending or {}
        topic.last_article_id = max(topic.last_article_id, int(pending.get("watermark", 0)))
        topic.pending = None
        topic.failures = 0
        topic.last_run_at = now
        if not pending.get("manual"):
            topic.next_run_at = next_run_after(topic.schedule, now)
            if resumed and next_run_after(topic.schedule, datetime.fromisoformat(pending["created"])) <= now:
                # the recovered digest belongs to an earlier slot and later ones passed while the bot was
                # down: run again at once, so what arrived since gets its one catch-up digest
                topic.next_run_at = now
        await self.store.update_topic(topic)
        log.info("digest posted", extra={"topic_id": topic.id})
        return "posted"

    async def _tell_admins(self, topic: Topic, reason: str) -> None:
        """Once per channel and reason: when several topics of one channel pause for the same reason, the
        admins hear about it once (the pause itself is recorded first; a crash in between loses the notice,
        never doubles it)."""
        if self.notices is None or topic.guild_id is None:
            return
        others = [
            t
            for t in await self.store.list_topics(topic.guild_id)
            if t.id != topic.id and t.channel_id == topic.channel_id and t.paused_reason == reason
        ]
        if others:
            return
        text = (
            f"⏸️ Topic #{topic.id} ({inline_code(topic.label, 100)}) is paused: {reason} (<#{topic.channel_id}>). "
            f"Once the channel's permissions are fixed, `/topic resume {topic.id}` starts it again."
        )
        try:
            delivered = await self.notices.notify_admins(topic.guild_id, topic.channel_id, text)
        except Exception:
            log.exception("pause notice failed", extra={"topic_id": topic.id})
            return
        log.info("pause notice", extra={"topic_id": topic.id, "delivered": delivered})

    async def _deliver(self, topic: Topic, kind: str, *, resumed: bool, now: datetime) -> None:
        pending = topic.pending
        assert pending is not None
        created = datetime.fromisoformat(pending["created"])
        check_history = resumed and now - created >= NONCE_WINDOW
        chunks: list[str] = pending["chunks"]
        wants_thread = kind == "forum" or (topic.thread and kind == "text")
        for i, chunk in enumerate(chunks):
            if i > 0 and wants_thread and not pending["thread_id"] and pending["sent"][0]:
                # the first message went out but the crash came before its thread was made
                pending["thread_id"] = await self.poster.start_thread(
                    topic.channel_id, pending["sent"][0], pending["thread_name"]
                )
                await self.store.update_topic(topic)
            if pending["sent"][i]:
                continue
            role = topic.mention_role_id if i == 0 else None
            if i == 0 and kind == "forum":
                found_post = (
                    await self.poster.find_forum_post(topic.channel_id, pending["thread_name"])
                    if resumed
                    else None
                )
                if found_post is None:
                    thread_id, message_id = await self.poster.create_forum_post(
                        topic.channel_id, pending["thread_name"], chunk, role_id=role
                    )
                else:
                    thread_id = message_id = found_post  # a forum post's first message shares its id
                pending["thread_id"] = thread_id
                pending["sent"][0] = message_id
                await self.store.update_topic(topic)
                continue
            target = pending["thread_id"] if (i > 0 and pending["thread_id"]) else topic.channel_id
            found = await self.poster.find_sent(target, chunk, created) if check_history else None
            message_id = found or await self.poster.send(
                target, chunk, nonce=pending["nonces"][i], role_id=role
            )
            pending["sent"][i] = message_id
            await self.store.update_topic(topic)
            if i == 0 and wants_thread and kind == "text":
                pending["thread_id"] = await self.poster.start_thread(
                    topic.channel_id, message_id, pending["thread_name"]
                )
                await self.store.update_topic(topic)
