"""Ingestion: raw item → extracted article → dedupe decision → one transaction in the store.

The same `Ingestor` serves the CLI, the Discord commands and the feed poller, so every path gets the
same cleaning, the same dedupe rules and the same error reporting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from bot.errors import ExtractionError, FetchError, IngestError, NewsbotError, StoreError
from bot.ingest import dedupe
from bot.ingest.language import detect_language
from bot.ingest.normalize import normalize_inline, split_paragraphs, word_count
from bot.ingest.sources import ExplicitFields, RawItem, iter_source
from bot.models import Analysis, Article, ExtractedArticle, Origin, Paragraph
from bot.store.base import ArticleStore, Fingerprint, Scope

if TYPE_CHECKING:
    from bot.ingest.fetch import Fetcher

log = logging.getLogger(__name__)

Status = Literal["created", "duplicate", "updated", "failed"]
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
MAX_TITLE = 300


@dataclass(slots=True)
class IngestResult:
    source: str
    status: Status
    id: int | None = None
    title: str | None = None
    duplicate_of: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "status": self.status,
            "id": self.id,
            "title": self.title,
            "duplicate_of": self.duplicate_of,
            "error": self.error,
        }


Analyzer = Callable[[list[Paragraph], str | None], Analysis]


def default_analyzer() -> Analyzer:
    """Summary, quotes, keywords and entities, computed once at ingest so commands are lookups."""
    from bot.analysis import analyze

    def run(paragraphs: list[Paragraph], title: str | None) -> Analysis:
        return analyze(paragraphs, title=title)

    return run


class Ingestor:
    def __init__(
        self,
        store: ArticleStore,
        *,
        fetcher: Fetcher | None = None,
        analyzer: Analyzer | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.analyzer = analyzer
        self._decide = asyncio.Lock()  # dedupe decision and write happen as one step

    # --- entry points -------------------------------------------------------------------------
    async def ingest_sources(
        self,
        specs: Iterable[str],
        *,
        guild_id: int | None = None,
        ingested_by: str | None = None,
        jsonl: bool = False,
    ) -> AsyncIterator[IngestResult]:
        """Results in input order; an item that fails never stops the batch."""
        for spec in specs:
            for raw in iter_source(spec, jsonl=jsonl):
                for result in await self.ingest_item(raw, guild_id=guild_id, ingested_by=ingested_by):
                    yield result

    async def ingest_item(
        self, raw: RawItem, *, guild_id: int | None = None, ingested_by: str | None = None
    ) -> list[IngestResult]:
        try:
            extracted = await self._extract(raw)
        except NewsbotError as exc:
            return [IngestResult(raw.source, "failed", error=_one_line(exc))]
        except Exception as exc:  # an extractor bug must not sink a batch
            log.exception("extraction crashed", extra={"source": raw.source})
            return [
                IngestResult(
                    raw.source, "failed", error=f"could not extract an article ({type(exc).__name__})"
                )
            ]
        results = []
        for article in extracted:
            try:
                results.append(
                    await self.store_extracted(
                        article,
                        origin=raw.origin,
                        source=raw.source,
                        guild_id=guild_id,
                        ingested_by=ingested_by,
                        external_id=raw.fields.external_id,
                    )
                )
            except NewsbotError as exc:
                results.append(IngestResult(raw.source, "failed", error=_one_line(exc)))
        return results

    async def ingest_text(
        self,
        text: str,
        *,
        title: str | None = None,
        source: str = "text",
        guild_id: int | None = None,
        ingested_by: str | None = None,
    ) -> list[IngestResult]:
        """Pasted text (a Discord modal): cleaned like a page unless it is plainly an article already."""
        raw = RawItem(source, "text", "text", content=text, fields=ExplicitFields(title=title))
        return await self.ingest_item(raw, guild_id=guild_id, ingested_by=ingested_by)

    # --- extraction ---------------------------------------------------------------------------
    async def _extract(self, raw: RawItem) -> list[ExtractedArticle]:
        if raw.kind == "error":
            raise IngestError(raw.error or "unreadable input")
        if raw.kind == "url":
            return await self._extract_url(raw)
        if raw.kind == "record":
            paragraphs = (
                split_paragraphs(str(raw.content)) if raw.paragraphs is None else _normalized(raw.paragraphs)
            )
            if not paragraphs:
                raise ExtractionError("the record's text is empty")
            return [_apply_fields(ExtractedArticle(paragraphs=paragraphs), raw.fields)]
        if raw.kind == "html":
            from bot.ingest.html_extract import extract_html

            found = await asyncio.to_thread(extract_html, raw.content or b"", url=raw.fields.url)
            return [_apply_fields(found, raw.fields)]
        from bot.ingest.plaintext import clean_page_text

        articles = await asyncio.to_thread(clean_page_text, str(raw.content), url=raw.fields.url)
        if not articles:
            raise ExtractionError("no article text found")
        return [_apply_fields(articles[0], raw.fields), *articles[1:]]

    async def _extract_url(self, raw: RawItem) -> list[ExtractedArticle]:
        if self.fetcher is None:
            raise FetchError("fetching URLs is not configured")
        page = await self.fetcher.fetch(raw.source)
        ctype = (page.content_type or "").lower()
        if ctype in FEED_TYPES or (ctype.endswith("xml") and b"<rss" in page.body[:2000].lower()):
            raise IngestError("this URL is a feed, not an article; add it as a feed instead")
        if ctype.startswith("text/plain"):
            from bot.ingest.plaintext import clean_page_text
            from bot.ingest.sources import decode_text

            articles = await asyncio.to_thread(clean_page_text, decode_text(page.body), url=page.final_url)
        else:
            from bot.ingest.html_extract import decode_html, extract_html

            html = decode_html(page.body, content_type=page.content_type)
            articles = [await asyncio.to_thread(extract_html, html, url=page.final_url)]
        for article in articles:
            article.url = article.url or page.final_url
        return articles

    # --- storing ------------------------------------------------------------------------------
    async def store_extracted(
        self,
        extracted: ExtractedArticle,
        *,
        origin: Origin,
        source: str,
        guild_id: int | None = None,
        ingested_by: str | None = None,
        external_id: str | None = None,
    ) -> IngestResult:
        """Dedupe and store one extracted article. Also the entry point for feed items."""
        article = self._to_article(extracted, origin, guild_id, ingested_by, external_id)
        if not article.paragraphs:
            raise ExtractionError("no article text found")
        fp = await asyncio.to_thread(_fingerprint_and_language, article)
        scope = Scope.guild(guild_id)
        async with self._decide:
            outcome = await self._dedupe(article, fp, scope, source)
            if outcome is not None:
                return outcome
            article.analysis = await self._analyze(article)
            stored = await self.store.add_article(article, fp)
            await self._index(stored)
        log.info("article stored", extra={"article_id": stored.id, "source": source, "guild_id": guild_id})
        return IngestResult(source, "created", stored.id, stored.title)

    async def _dedupe(
        self, article: Article, fp: Fingerprint, scope: Scope, source: str
    ) -> IngestResult | None:
        same_story, foreign = await self._same_story(article, scope)
        if same_story is None and foreign is not None:
            # The global library's (or, defensively, another server's) copy of this story: a server never
            # rewrites it. The same or older text is a duplicate; new text is judged as the server's own.
            if foreign.content_hash == fp.content_hash or _is_older(article, foreign):
                return await self._duplicate(foreign, source, scope)
        if same_story is not None:
            if same_story.content_hash == fp.content_hash or _is_older(article, same_story):
                return await self._duplicate(same_story, source, scope)
            article.analysis = await self._analyze(article)
            updated = await self.store.replace_article(same_story.id, article, fp)
            await self._index(updated)
            log.info("article updated", extra={"article_id": updated.id, "source": source})
            return IngestResult(source, "updated", updated.id, updated.title)
        exact = await self.store.find_by_content_hash(fp.content_hash, scope)
        if exact is not None:
            return await self._duplicate(exact, source, scope)
        original = await self._near_duplicate_of(article, fp, scope)
        if original is None:
            return None
        if article.canonical_url and article.canonical_url != original.canonical_url:
            # Another outlet's copy: kept so related pieces can say "also covered by".
            article.duplicate_of = original.id
            await self._index(await self.store.add_article(article, replace(fp, bands=())))
        return await self._duplicate(original, source, scope)

    async def _same_story(self, article: Article, scope: Scope) -> tuple[Article | None, Article | None]:
        """(the scope's own article with this canonical URL or external id, else None; a visible article of
        another scope that matches). Only the first may be updated: a write never crosses scopes."""
        foreign: Article | None = None
        for key, find in (
            (article.canonical_url, self.store.find_by_canonical_url),
            (article.external_id, self.store.find_by_external_id),
        ):
            if not key:
                continue
            found = await find(key, scope)  # the scope's own rows come first
            if found is None:
                continue
            if found.guild_id == article.guild_id:
                return found, None
            foreign = foreign or found
        return None, foreign

    async def _near_duplicate_of(self, article: Article, fp: Fingerprint, scope: Scope) -> Article | None:
        """The signature index shortlists; the texts themselves decide (see bot/ingest/dedupe.py)."""
        candidates = await self.store.near_duplicate_candidates(fp.bands, scope)
        shortlisted = [
            c.article_id
            for c in candidates
            if dedupe.similarity(fp.minhash, fp.shingle_count, c.minhash, c.shingle_count).is_near_duplicate
        ]
        if not shortlisted:
            return None
        stored = await self.store.get_articles([c.article_id for c in candidates], scope)
        best = await asyncio.to_thread(
            dedupe.closest_near_duplicate,
            article.paragraphs,
            shortlisted,
            {a.id: a.paragraphs for a in stored},
        )
        if best is None:
            return None
        found = await self.store.get_article(best, scope)
        while found is not None and found.duplicate_of is not None:  # point at the first original
            found = await self.store.get_article(found.duplicate_of, scope)
        return found

    async def _duplicate(self, original: Article, source: str, scope: Scope) -> IngestResult:
        await self.store.record_duplicate(original.id, source, scope.guild_id)
        return IngestResult(source, "duplicate", original.id, original.title, duplicate_of=original.id)

    async def _index(self, article: Article) -> None:
        """Vectors for related pieces; if this fails they are computed when first needed."""
        from bot.search.related import index_article

        try:
            await index_article(self.store, article)
        except StoreError as exc:  # a full disk, a lock held too long: said once, no traceback
            log.warning(
                "indexing for related pieces failed", extra={"article_id": article.id, "error": str(exc)}
            )
        except Exception:
            log.exception("indexing for related pieces failed", extra={"article_id": article.id})

    async def _analyze(self, article: Article) -> Analysis | None:
        if self.analyzer is None:
            return None
        try:
            return await asyncio.to_thread(self.analyzer, article.paragraphs, article.title)
        except Exception:  # analysis is recomputed on demand; never lose the article over it
            log.exception("analysis failed", extra={"title": article.title})
            return None

    @staticmethod
    def _to_article(
        ex: ExtractedArticle,
        origin: Origin,
        guild_id: int | None,
        ingested_by: str | None,
        external_id: str | None,
    ) -> Article:
        paragraphs = [Paragraph(p.kind, p.text.strip()) for p in ex.paragraphs if p.text.strip()]
        title = normalize_inline(ex.title) or _fallback_title(paragraphs)
        url = ex.url or ex.canonical_url
        return Article(
            id=0,
            guild_id=guild_id,
            title=title[:MAX_TITLE],
            paragraphs=paragraphs,
            url=url,
            canonical_url=dedupe.canonical_url(ex.canonical_url or url),
            subtitle=normalize_inline(ex.subtitle),
            authors=[a for a in (normalize_inline(x) for x in ex.authors) if a],
            published=ex.published,
            section=normalize_inline(ex.section),
            source=normalize_inline(ex.source),
            language=ex.language,
            image=ex.image,
            word_count=word_count(paragraphs),
            origin=origin,
            flags=set(ex.flags),
            external_id=external_id,
            ingested_by=ingested_by,
        )


EXPLICIT_FIELDS = ("title", "subtitle", "authors", "published", "source", "section", "language", "url")


def _apply_fields(article: ExtractedArticle, fields: ExplicitFields) -> ExtractedArticle:
    """Explicit fields win over what extraction guessed."""
    for name in EXPLICIT_FIELDS:
        value = getattr(fields, name)
        if value:
            setattr(article, name, value)
    article.flags |= fields.flags
    return article


def _fingerprint_and_language(article: Article) -> Fingerprint:
    """Both CPU-bound, so one worker-thread hop; a stated language (HTML lang, archive field) wins."""
    if not article.language:
        article.language = detect_language(article.body)
    return dedupe.fingerprint(article.paragraphs)


def _normalized(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Given paragraphs (an export line's) cleaned like split text: one line each, no empties."""
    cleaned = (Paragraph(p.kind, normalize_inline(p.text) or "") for p in paragraphs)
    return [p for p in cleaned if p.text]


def _fallback_title(paragraphs: list[Paragraph]) -> str:
    for p in paragraphs:
        if p.text:
            text = p.text.split(". ")[0]
            return text if len(text) <= 100 else text[:99].rsplit(" ", 1)[0] + "…"
    return "Untitled"


def _is_older(incoming: Article, stored: Article) -> bool:
    """An incoming copy dated before the stored one is old text: keep the newest."""
    return bool(incoming.published and stored.published and incoming.published < stored.published)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
