from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from bot.models import Article, Paragraph
from bot.store import ArticleStore
from bot.store.base import Fingerprint


async def add(
    store: ArticleStore,
    title: str,
    body: str,
    *,
    guild_id: int | None = None,
    source: str | None = None,
    authors: list[str] | None = None,
    section: str | None = None,
    published: datetime | None = None,
    language: str | None = None,
    duplicate_of: int | None = None,
    subtitle: str | None = None,
) -> Article:
    article = Article(
        id=0,
        guild_id=guild_id,
        title=title,
        subtitle=subtitle,
        paragraphs=[Paragraph("text", p) for p in body.split("\n\n")],
        source=source,
        authors=authors or [],
        section=section,
        published=published or datetime(2024, 1, 1, tzinfo=UTC),
        language=language,
        duplicate_of=duplicate_of,
        word_count=len(body.split()),
    )
    digest = hashlib.sha256(f"{title}\n{body}\n{guild_id}".encode()).hexdigest()
    return await store.add_article(article, Fingerprint(digest, b"", (), 0))
