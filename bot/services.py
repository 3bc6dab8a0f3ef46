"""What the Discord commands do, without Discord: the cogs translate interactions into these calls and
render the results. Everything here takes plain data (ids, strings, permission bits), so it is tested
without a gateway and reused by the scheduler."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import BinaryIO

from bot.analysis import analyze, bounded, summarize
from bot.analysis.access import select_quotes
from bot.errors import ArticleNotFound, InvalidQuery
from bot.guild_settings import GuildSettings, SummaryLength, parse_summary_length
from bot.ingest.dedupe import canonical_url
from bot.ingest.pipeline import Ingestor, IngestResult
from bot.ingest.sources import MAX_UPLOAD_ITEMS, RawItem, is_url, iter_upload
from bot.models import Analysis, Article, Quote
from bot.search.types import RelatedResult, SearchHit
from bot.store import ArticleListing, ArticleStore, Scope, StoreStats

log = logging.getLogger(__name__)

# Discord permission bits the ingest check looks at.
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5

SUMMARY_SENTENCES: dict[SummaryLength, int] = {"short": 2, "medium": 3, "long": 6}
MAX_RELATED = 10
SETTINGS_TTL = 3.0  # seconds a server's settings are cached (other processes may change them)
SEARCH_FETCH = 50  # hits fetched once, then paged locally
MB = 1024 * 1024
DEFAULT_UPLOAD_MAX_BYTES = 50 * MB  # NEWSBOT_UPLOAD_MAX_MB
UPLOAD_SUFFIXES = (".html", ".htm", ".xhtml", ".txt", ".text", ".md", ".markdown", ".jsonl", ".ndjson", ".gz")
UPLOAD_BATCH = 50  # items parsed per worker-thread hop
OUTCOME_KEPT = 200  # per-item results an upload keeps for its answer (an embed shows about 40 lines)
_ID_REF = re.compile(r"^#?(\d{1,18})$")


# --- permissions ---------------------------------------------------------------------------------------
def may_manage(
    permissions: int,
    role_ids: Iterable[int],
    role_names: Iterable[str],
    admin_roles: Sequence[str],
    *,
    is_owner: bool = False,
) -> bool:
    """Manage Server (or Administrator, or ownership), or a role listed in NEWSBOT_ADMIN_ROLES by id or name."""
    if is_owner or permissions & (ADMINISTRATOR | MANAGE_GUILD):
        return True
    wanted = {r.strip().casefold() for r in admin_roles if r.strip()}
    if not wanted:
        return False
    return any(str(r) in wanted for r in role_ids) or any(n.casefold() in wanted for n in role_names)


# --- results ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class QuoteSelection:
    quotes: list[Quote]  # best first
    total: int  # quotes in the article (before the speaker filter)
    speaker: str | None = None
    speakers: list[str] = field(default_factory=list)  # who is quoted, most quoted first


@dataclass(slots=True)
class SummaryResult:
    sentences: list[str]
    length: SummaryLength


@dataclass(slots=True)
class IngestOutcome:
    results: list[IngestResult]  # the items to list (an upload keeps only the first OUTCOME_KEPT)
    counts: dict[str, int] | None = None  # every item by status, when `results` is only the first ones

    def count(self, *statuses: str) -> int:
        if self.counts is None:
            return sum(1 for r in self.results if r.status in statuses)
        return sum(self.counts.get(s, 0) for s in statuses)

    @property
    def total(self) -> int:
        return len(self.results) if self.counts is None else sum(self.counts.values())

    @property
    def created(self) -> list[IngestResult]:
        return [r for r in self.results if r.status in ("created", "updated")]

    @property
    def failed(self) -> list[IngestResult]:
        return [r for r in self.results if r.status == "failed"]


class NewsService:
    """The bot's use cases over one store and one ingestor."""

    def __init__(
        self,
        store: ArticleStore,
        ingestor: Ingestor,
        *,
        admin_roles: Sequence[str] = (),
        upload_max_items: int = MAX_UPLOAD_ITEMS,
        upload_max_bytes: int = DEFAULT_UPLOAD_MAX_BYTES,
    ) -> None:
        self.store = store
        self.upload_max_items = upload_max_items
        self.upload_max_bytes = upload_max_bytes
        self.ingestor = ingestor
        self.admin_roles = tuple(admin_roles)
        # (settings, when read): kept SETTINGS_TTL seconds, so a change another process made (another
        # shard's gateway process, the panel) shows here within a few seconds
        self._settings: dict[int, tuple[GuildSettings, float]] = {}

    # --- looking articles up -----------------------------------------------------------------------------
    async def resolve(self, ref: str, scope: Scope) -> Article:
        """An article from what a person typed: an id (what autocomplete sends), a URL, or a title."""
        text = " ".join(ref.split())
        if not text:
            raise InvalidQuery("name an article: pick one from the list, or type its id, URL or title")
        hit = _ID_REF.match(text)
        if hit:  # an id resolves as that id or not at all: never a title that happens to contain it
            article = await self.store.get_article(int(hit.group(1)), scope)
            if article is None:
                raise ArticleNotFound(text, f"no article #{int(hit.group(1))} here")
            return article
        if is_url(text):
            canonical = canonical_url(text)
            article = await self.store.find_by_canonical_url(canonical, scope) if canonical else None
            if article is not None:
                return article
            raise ArticleNotFound(text)
        titles = await self.store.find_titles(text[:200], scope, limit=25)
        if titles:
            folded = text.casefold()
            exact = next((t for t in titles if t.title.casefold() == folded), None)
            article = await self.store.get_article((exact or titles[0]).id, scope)
            if article is not None:
                return article
        raise ArticleNotFound(text)

    async def titles(self, typed: str, scope: Scope, limit: int = 25) -> list[ArticleListing]:
        """Autocomplete: a typed id first, then titles containing the text, newest first."""
        typed = typed.strip()[:100]
        out: list[ArticleListing] = []
        hit = _ID_REF.match(typed)
        if hit:
            article = await self.store.get_article(int(hit.group(1)), scope)
            if article is not None:
                out.append(
                    ArticleListing(
                        article.id,
                        article.title,
                        article.source,
                        article.published,
                        article.ingested_at,
                        article.guild_id,
                        article.url,
                    )
                )
        for listing in await self.store.find_titles(typed, scope, limit=limit):
            if all(listing.id != o.id for o in out):
                out.append(listing)
        return out[:limit]

    async def analysis_of(self, article: Article) -> Analysis:
        """The stored analysis, or computed now (and kept) for rows stored before analysis existed."""
        if article.analysis is not None:
            return article.analysis
        analysis = await asyncio.to_thread(analyze, article.paragraphs, title=article.title)
        try:
            await self.store.set_analysis(article.id, analysis)
        except Exception:  # a read-only moment must not fail the answer
            log.warning("could not store computed analysis", extra={"article_id": article.id})
        article.analysis = analysis
        return analysis

    # --- answers -----------------------------------------------------------------------------------------
    async def summary(self, article: Article, length: SummaryLength | str) -> SummaryResult:
        size = parse_summary_length(length) if isinstance(length, str) else length
        analysis = await self.analysis_of(article)
        if size == "medium" and analysis.summary:
            return SummaryResult(list(analysis.summary), size)
        sentences = await asyncio.to_thread(
            summarize, bounded(article.paragraphs), title=article.title, sentences=SUMMARY_SENTENCES[size]
        )
        return SummaryResult(sentences, size)

    async def quotes(self, article: Article, speaker: str | None = None, limit: int = 10) -> QuoteSelection:
        """Key quotes best first; `speaker` keeps the quotes whose speaker name contains it."""
        analysis = await self.analysis_of(article)
        ranked = analysis.key_quotes(0)
        counts: dict[str, int] = {}
        for q in ranked:
            if q.speaker:
                counts[q.speaker] = counts.get(q.speaker, 0) + 1
        speakers = sorted(counts, key=lambda s: (-counts[s], s))
        chosen = select_quotes(analysis, " ".join((speaker or "").split()), max(1, limit))
        return QuoteSelection(chosen, len(ranked), speaker or None, speakers)

    async def related(self, article: Article, scope: Scope, count: int = 5) -> RelatedResult:
        from bot.search.related import related_to_article

        if not 1 <= count <= MAX_RELATED:
            raise InvalidQuery(f"count must be between 1 and {MAX_RELATED}")
        return await related_to_article(self.store, article, scope, limit=count)

    async def search(
        self,
        text: str,
        scope: Scope,
        *,
        source: str | None = None,
        since: str | None = None,
        limit: int = SEARCH_FETCH,
        marker: tuple[str, str] = ("**", "**"),
    ) -> list[SearchHit]:
        from bot.search.search import build_filters, search

        if not text.strip():
            raise InvalidQuery("type some words to search for")
        filters = build_filters(source=source, since=since)
        return await search(self.store, text[:500], scope, filters, limit=limit, marker=marker)

    async def stats(self, scope: Scope) -> StoreStats:
        return await self.store.stats(scope)

    async def delete(self, article_id: int, guild_id: int | None) -> bool:
        """A server removes only what it ingested; the global library is the operator's."""
        return await self.store.delete_article(article_id, Scope.guild(guild_id))

    # --- ingesting ---------------------------------------------------------------------------------------
    async def ingest_url(self, url: str, guild_id: int | None, by: str) -> IngestOutcome:
        from bot.ingest.sources import ExplicitFields

        raw = RawItem(url, "url", "url", fields=ExplicitFields(url=url))
        return IngestOutcome(await self.ingestor.ingest_item(raw, guild_id=guild_id, ingested_by=by))

    async def ingest_upload(
        self,
        filename: str,
        data: bytes | BinaryIO,
        guild_id: int | None,
        by: str,
        progress: Callable[[int, int], Awaitable[None]] | None = None,
    ) -> IngestOutcome:
        """Item by item from the (decompressing) stream, at most `upload_max_items`: reading and parsing
        happen in a worker thread a batch at a time and every item yields to the event loop, so a huge
        upload neither fills memory nor keeps other servers' commands waiting. `progress(done, 0)` is awaited
        after each item (the total is not known while streaming)."""
        results: list[IngestResult] = []  # the first OUTCOME_KEPT, for the answer's lines
        notices: list[IngestResult] = []  # about the whole file (the item cap): shown before the items
        counts: Counter[str] = Counter()
        done_items = 0
        items = iter_upload(filename, data, max_items=self.upload_max_items)
        while batch := await asyncio.to_thread(_take, items, UPLOAD_BATCH):
            for raw in batch:
                done = await self.ingestor.ingest_item(raw, guild_id=guild_id, ingested_by=by)
                if raw.source == filename and raw.kind == "error":
                    notices.extend(done)
                else:
                    counts.update(r.status for r in done)
                    results.extend(done[: max(0, OUTCOME_KEPT - len(results))])
                done_items += 1
                if progress is not None:
                    await progress(done_items, 0)
                await asyncio.sleep(0)
        counts.update(r.status for r in notices)
        return IngestOutcome(notices + results, dict(counts))

    async def ingest_text(
        self, title: str | None, body: str, guild_id: int | None, by: str, *, source: str = "discord text"
    ) -> IngestOutcome:
        if not body.strip():
            raise InvalidQuery("the article text is empty")
        results = await self.ingestor.ingest_text(
            body,
            title=(title or "").strip() or None,
            source=source,
            guild_id=guild_id,
            ingested_by=by,
        )
        return IngestOutcome(results)

    # --- per-server display settings ---------------------------------------------------------------------
    async def guild_settings(self, guild_id: int | None) -> GuildSettings:
        if guild_id is None:
            return GuildSettings()
        cached = self._settings.get(guild_id)
        if cached is not None and time.monotonic() - cached[1] < SETTINGS_TTL:
            return cached[0]
        value = await self.store.get_guild_settings(guild_id) or GuildSettings()
        self._settings[guild_id] = (value, time.monotonic())
        return value

    async def update_guild_settings(
        self,
        guild_id: int,
        *,
        summary_length: SummaryLength | None = None,
        accent_colour: int | None = None,
        show_images: bool | None = None,
    ) -> GuildSettings:
        current = await self.guild_settings(guild_id)
        changed = replace(
            current,
            summary_length=summary_length or current.summary_length,
            accent_colour=current.accent_colour if accent_colour is None else accent_colour,
            show_images=current.show_images if show_images is None else show_images,
        )
        await self.store.set_guild_settings(guild_id, changed)
        self._settings[guild_id] = (changed, time.monotonic())
        return changed


def _take(items: Iterator[RawItem], n: int) -> list[RawItem]:
    return list(islice(items, n))


def check_upload(filename: str, size: int, limit: int = DEFAULT_UPLOAD_MAX_BYTES) -> None:
    """Refuse an attachment before downloading it: wrong kind or more than `limit` bytes."""
    name = filename.lower()
    if not name.endswith(UPLOAD_SUFFIXES):
        raise InvalidQuery(
            "attach an HTML, text, Markdown or JSONL file (.html, .txt, .md, .jsonl, optionally .gz)"
        )
    if size > limit:
        raise InvalidQuery(f"the file is {size / MB:.1f} MB; the limit is {limit / MB:g} MB")
