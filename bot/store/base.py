"""The store interface. Everything outside `bot/store/` talks to this, never to SQLite directly,
so a PostgreSQL backend can be added without touching ingestion, analysis or the cogs."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.audit import AuditEntry
from bot.feeds.types import Feed, FeedSubscription, PendingAnnouncement
from bot.guild_settings import GuildSettings
from bot.models import Analysis, Article
from bot.search.types import Candidate, ParsedQuery, SearchFilters, SearchHit, StoredVectors, TermStats
from bot.store.rows import Job, Key, Row
from bot.topics.types import Topic


@dataclass(frozen=True, slots=True)
class Scope:
    """Which articles a caller may see.

    A Discord server sees its own articles plus the operator's global library (guild_id NULL);
    the operator's CLI sees everything.
    """

    guild_id: int | None = None
    everything: bool = False

    @classmethod
    def all(cls) -> Scope:
        return cls(everything=True)

    @classmethod
    def guild(cls, guild_id: int | None) -> Scope:
        """The view from a server (or, with None, the global library alone)."""
        return cls(guild_id=guild_id)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Dedupe keys computed at ingest (see bot/ingest/dedupe.py)."""

    content_hash: str
    minhash: bytes  # packed uint32 signature
    bands: tuple[int, ...]  # LSH band keys
    shingle_count: int


@dataclass(frozen=True, slots=True)
class NearDuplicateCandidate:
    article_id: int
    minhash: bytes
    shingle_count: int


@dataclass(frozen=True, slots=True)
class ArticleListing:
    """A light row for lists, autocomplete and stats (no body)."""

    id: int
    title: str
    source: str | None
    published: datetime | None
    ingested_at: datetime | None
    guild_id: int | None
    url: str | None


@dataclass(slots=True)
class StoreStats:
    articles: int
    duplicates_recorded: int
    by_origin: dict[str, int] = field(default_factory=dict)
    size_bytes: int = 0  # Scope.all(): the whole database; a scope: its own articles' share (no one else's)
    last_ingested: list[ArticleListing] = field(default_factory=list)


class ArticleStore(abc.ABC):
    """Async article store. Each write is one transaction: row, index and fingerprints together."""

    # Whether several processes may work on this database at once (PostgreSQL), or one (SQLite).
    shared: bool = False

    @abc.abstractmethod
    async def open(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> ArticleStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- writes -------------------------------------------------------------------------------
    @abc.abstractmethod
    async def add_article(self, article: Article, fingerprint: Fingerprint) -> Article:
        """Insert; returns the article with its new id."""

    @abc.abstractmethod
    async def replace_article(self, article_id: int, article: Article, fingerprint: Fingerprint) -> Article:
        """Newer text for the same story (same canonical URL): keep the id, replace the content. Only a row
        owned by `article.guild_id` (None = the global library) is written; any other is a StoreError."""

    @abc.abstractmethod
    async def set_analysis(self, article_id: int, analysis: Analysis) -> None: ...

    @abc.abstractmethod
    async def record_duplicate(self, original_id: int, source: str, guild_id: int | None) -> None:
        """Remember that an ingest ended as a duplicate (for stats and the audit trail)."""

    @abc.abstractmethod
    async def delete_article(self, article_id: int, scope: Scope) -> bool: ...

    # --- reads --------------------------------------------------------------------------------
    @abc.abstractmethod
    async def get_article(self, article_id: int, scope: Scope) -> Article | None: ...

    @abc.abstractmethod
    async def get_articles(self, ids: list[int], scope: Scope) -> list[Article]:
        """In the order of `ids`, skipping ids not visible in scope."""

    @abc.abstractmethod
    async def _find_one(self, column: str, value: str, scope: Scope) -> Article | None:
        """The article `scope` sees whose `column` (canonical_url, content_hash, external_id) equals
        `value`, the scope's own rows first."""

    async def find_by_canonical_url(self, url: str, scope: Scope) -> Article | None:
        return await self._find_one("canonical_url", url, scope)

    async def find_by_content_hash(self, content_hash: str, scope: Scope) -> Article | None:
        return await self._find_one("content_hash", content_hash, scope)

    async def find_by_external_id(self, external_id: str, scope: Scope) -> Article | None:
        return await self._find_one("external_id", external_id, scope)

    @abc.abstractmethod
    async def near_duplicate_candidates(
        self, bands: tuple[int, ...], scope: Scope, limit: int = 50
    ) -> list[NearDuplicateCandidate]: ...

    @abc.abstractmethod
    async def list_articles(self, scope: Scope, limit: int = 20, offset: int = 0) -> list[ArticleListing]:
        """Newest ingested first."""

    @abc.abstractmethod
    async def find_titles(self, text: str, scope: Scope, limit: int = 25) -> list[ArticleListing]:
        """For autocomplete: titles containing `text` (case-insensitive), newest first."""

    @abc.abstractmethod
    def iter_articles(self, scope: Scope, batch: int = 500) -> AsyncIterator[Article]:
        """Every article in id order, streamed (export)."""

    @abc.abstractmethod
    async def count_articles(self, scope: Scope) -> int: ...

    @abc.abstractmethod
    async def stats(self, scope: Scope) -> StoreStats: ...

    @abc.abstractmethod
    async def backup(self, path: Path) -> None:
        """Online, consistent copy while the store stays in use."""

    # --- search and related pieces (SQLite: bot/store/sqlite/search.py) ----
    @abc.abstractmethod
    async def search(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        scope: Scope,
        limit: int = 10,
        offset: int = 0,
        marker: tuple[str, str] = ("**", "**"),
        window: int | None = None,
    ) -> list[SearchHit]:
        """Full-text hits, best first (title weighted above body); stored copies (duplicate_of) left out.

        With `window`, very broad queries are ranked among the newest `window` articles first, widening
        until `limit` hits are found: bounded cost when a word is in most of a million articles. When even
        that would be costly (only very common words or a prefix), hits come title matches first, then
        body matches, newest first within each."""

    @abc.abstractmethod
    async def related_candidates(
        self, terms: Sequence[str], scope: Scope, limit: int = 200
    ) -> list[Candidate]:
        """Articles matching any of `terms` (plain words), best full-text score first, with their vectors."""

    @abc.abstractmethod
    async def get_vectors(self, ids: Sequence[int]) -> dict[int, StoredVectors]: ...

    @abc.abstractmethod
    async def put_vectors(
        self, article_id: int, terms: bytes, embedding: bytes, buckets: Sequence[int], version: int
    ) -> None:
        """Store an article's vectors; `buckets` (its distinct term ids) keep document frequencies current."""

    @abc.abstractmethod
    async def term_stats(self) -> TermStats:
        """Document count and per-bucket document frequencies over all stored vectors."""

    @abc.abstractmethod
    async def copies_of(self, ids: Sequence[int], scope: Scope) -> dict[int, list[int]]:
        """Visible stored copies (duplicate_of) of each id, oldest first."""

    @abc.abstractmethod
    async def ids_without_vectors(self, scope: Scope, version: int, limit: int = 500) -> list[int]:
        """Articles whose vectors are missing or older than `version` (backfill)."""

    @abc.abstractmethod
    async def recent_embeddings(self, limit: int) -> list[bytes]:
        """The packed embeddings of the newest `limit` indexed articles (a sample of the collection)."""

    @abc.abstractmethod
    async def indexed_documents(self) -> int:
        """How many articles have vectors (cheap; tells callers when cached term stats went stale)."""

    # --- feeds (implemented for SQLite in bot/store/sqlite_feeds.py) ---------------------------
    @abc.abstractmethod
    async def add_feed_subscription(
        self,
        url: str,
        guild_id: int | None,
        *,
        channel_id: int | None = None,
        topic_id: int | None = None,
        added_by: str | None = None,
        interval_s: int | None = None,
        now: datetime | None = None,
    ) -> tuple[FeedSubscription, bool]:
        """Follow `url` (one feed row per URL however many servers follow it); (subscription, created)."""

    @abc.abstractmethod
    async def list_feed_subscriptions(
        self, guild_id: int | None, *, everything: bool = False
    ) -> list[FeedSubscription]: ...

    @abc.abstractmethod
    async def feed_subscribers(self, feed_id: int) -> list[FeedSubscription]: ...

    @abc.abstractmethod
    async def remove_feed_subscription(
        self, subscription_id: int, guild_id: int | None, *, everything: bool = False
    ) -> bool:
        """Unfollow; the feed itself goes when nobody follows it any more."""

    @abc.abstractmethod
    async def set_subscription_paused(
        self,
        subscription_id: int,
        guild_id: int | None,
        reason: str | None,
        *,
        everything: bool = False,
        now: datetime | None = None,
    ) -> FeedSubscription | None:
        """Pause with a reason, or resume (None: also clears a pause the poller set)."""

    @abc.abstractmethod
    async def due_feeds(self, now: datetime, limit: int = 100) -> list[Feed]: ...

    @abc.abstractmethod
    async def next_feed_poll(self) -> datetime | None: ...

    @abc.abstractmethod
    async def get_feed(self, feed_id: int) -> Feed | None: ...

    @abc.abstractmethod
    async def update_feed(self, feed: Feed) -> None:
        """Save a poll's outcome (title, validators, schedule, failures, pause). The poll interval is
        not written: an operator may change it while a poll is in flight (see `set_feed_interval`)."""

    @abc.abstractmethod
    async def set_feed_interval(self, feed_id: int, interval_s: int, next_poll_by: datetime) -> None:
        """Change a feed's poll interval; its next poll moves up to `next_poll_by` if that is sooner."""

    @abc.abstractmethod
    async def mark_pause_notified(self, subscription_ids: Sequence[int]) -> None: ...

    @abc.abstractmethod
    async def seen_feed_keys(self, feed_id: int, keys: Sequence[str]) -> set[str]: ...

    @abc.abstractmethod
    async def add_feed_keys(self, feed_id: int, keys: Sequence[tuple[str, int | None]]) -> None: ...

    @abc.abstractmethod
    async def feed_stored_unrecorded(self, feed_id: int, article_id: int, ingested_by: str) -> bool:
        """Whether the article was stored as `ingested_by` and none of the feed's recorded items points
        at it (the process died between storing a feed item and recording it)."""

    @abc.abstractmethod
    async def record_feed_items(
        self,
        feed_id: int,
        keys: Sequence[tuple[str, int | None]],
        announcements: Sequence[PendingAnnouncement],
    ) -> None:
        """Mark items seen and record the announcements owed for them, in one transaction."""

    @abc.abstractmethod
    async def pending_feed_announcements(
        self, feed_id: int | None, *, since: datetime
    ) -> list[PendingAnnouncement]: ...

    @abc.abstractmethod
    async def mark_feed_announced(
        self, subscription_id: int, article_ids: Sequence[int], now: datetime
    ) -> None: ...

    @abc.abstractmethod
    async def feed_item_counts(self, feed_ids: Sequence[int]) -> dict[int, int]:
        """How many stored articles each feed brought in (for the panel's feed list)."""

    @abc.abstractmethod
    async def prune_feed_announcements(self, before: datetime) -> int: ...

    # --- topics (implemented for SQLite in bot/store/sqlite_topics.py) -------------------------
    @abc.abstractmethod
    async def add_topic(self, topic: Topic) -> Topic: ...

    @abc.abstractmethod
    async def add_topics(self, topics: list[Topic]) -> None: ...

    @abc.abstractmethod
    async def update_topic(self, topic: Topic) -> None: ...

    @abc.abstractmethod
    async def get_topic(
        self, topic_id: int, guild_id: int | None, *, everything: bool = True
    ) -> Topic | None: ...

    @abc.abstractmethod
    async def list_topics(self, guild_id: int | None, *, everything: bool = False) -> list[Topic]: ...

    @abc.abstractmethod
    async def delete_topic(
        self, topic_id: int, guild_id: int | None, *, everything: bool = False
    ) -> bool: ...

    @abc.abstractmethod
    async def due_topics(self, now: datetime, limit: int = 500) -> list[Topic]:
        """Topics whose `next_run_at` has come (paused topics have none), earliest first."""

    @abc.abstractmethod
    async def next_topic_run(self) -> datetime | None: ...

    @abc.abstractmethod
    async def max_article_id(self) -> int: ...

    @abc.abstractmethod
    async def last_article_id_before(self, when: datetime) -> int: ...

    @abc.abstractmethod
    async def topic_matches(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        scope: Scope,
        *,
        after_id: int,
        up_to_id: int | None = None,
        limit: int = 25,
    ) -> list[SearchHit]:
        """Search hits (same grammar and filters as `search`) among articles with after_id < id <= up_to_id."""

    @abc.abstractmethod
    async def count_topic_matches(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        scope: Scope,
        *,
        after_id: int,
        up_to_id: int | None = None,
    ) -> int: ...

    # --- per-server display settings (SQLite: bot/store/sqlite_settings.py) ---------------------------
    @abc.abstractmethod
    async def get_guild_settings(self, guild_id: int) -> GuildSettings | None:
        """A server's display settings, or None when it never changed them."""

    @abc.abstractmethod
    async def set_guild_settings(self, guild_id: int, settings: GuildSettings) -> None: ...

    # --- raw rows for `newsbot migrate` (bot/store/rows.py; SQLite: bot/store/sqlite/rows.py) ---------
    @abc.abstractmethod
    async def export_rows(self, table: str, after: Key | None, limit: int) -> list[Row]:
        """Up to `limit` rows of a logical table (rows.TABLES) with keys above `after`, in key order,
        as neutral values. Text keys compare bytewise."""

    @abc.abstractmethod
    async def import_rows(self, table: str, rows: Sequence[Row]) -> None:
        """Insert neutral rows as they are (ids kept), in one transaction; id sequences continue above
        the largest id imported."""

    @abc.abstractmethod
    async def last_row_key(self, table: str) -> Key | None:
        """The largest key in a logical table (where an interrupted copy resumes), None when empty."""

    # --- leases on due work shared by several processes ----------------------------------------
    @abc.abstractmethod
    async def claim_due(
        self, kind: str, now: datetime, owner: str, until: datetime, limit: int = 100
    ) -> list[int]:
        """Lease to `owner` until `until` the due items of `kind` ("topic": next_run_at <= now;
        "feed": next_poll_at <= now, not paused; "job": not done) that no other owner holds; their ids.
        Atomic: two callers never get the same id while a lease runs."""

    @abc.abstractmethod
    async def claim(self, kind: str, item_id: int, owner: str, now: datetime, until: datetime) -> bool:
        """Lease one item of any kind (a manual post, a start-up task); False when another holds it."""

    @abc.abstractmethod
    async def renew_claims(self, owner: str, until: datetime) -> int:
        """Extend every lease `owner` holds (its heartbeat); how many."""

    @abc.abstractmethod
    async def release_claim(self, kind: str, item_id: int, owner: str) -> None: ...

    # --- jobs a gateway process hands to workers (claimed with claim_due("job", ...)) -------------
    @abc.abstractmethod
    async def enqueue_job(self, kind: str, payload: dict[str, Any], now: datetime) -> int: ...

    @abc.abstractmethod
    async def get_job(self, job_id: int) -> Job | None: ...

    @abc.abstractmethod
    async def finish_job(self, job_id: int, now: datetime) -> None: ...
    # --- activity log (SQLite: bot/store/sqlite/settings.py) ------------------------------------------
    @abc.abstractmethod
    async def add_audit(self, entry: AuditEntry) -> None:
        """Append one change to the activity log."""

    @abc.abstractmethod
    async def list_audit(self, guild_id: int | None, limit: int = 50, offset: int = 0) -> list[AuditEntry]:
        """A server's activity (None: the global library's), newest first."""
