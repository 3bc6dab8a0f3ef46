"""Upgrading a populated database from every older schema version to the current one (migration 5
rebuilds the full-text index): every article is still found, the index agrees with the table, and the
file passes SQLite's integrity check."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import bot.store.sqlite.store as sqlite_store
from bot.ingest.pipeline import Ingestor
from bot.models import ExtractedArticle, Paragraph
from bot.search.query import parse_query
from bot.search.types import SearchFilters
from bot.store import Scope, create_store
from bot.store.sqlite.migrations import MIGRATIONS

TOPICS = ["harbour ferry terminal", "wheat export corridor", "teachers strike vote", "glacier melt survey"]


async def populate(path: Path) -> list[int]:
    async with create_store(path) as store:
        ingestor = Ingestor(store)
        ids = []
        for n, topic in enumerate(TOPICS):
            text = " ".join(
                f"Report {n} sentence {i} on the {topic} and event{n * 53 + i}." for i in range(30)
            )
            result = await ingestor.store_extracted(
                ExtractedArticle(paragraphs=[Paragraph("text", text)], title=f"The {topic}"),
                origin="text",
                source=f"test:{n}",
            )
            assert result.id is not None
            ids.append(result.id)
        return ids


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)))
async def test_a_populated_database_upgrades_from_every_older_version(
    tmp_path: Path, version: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"v{version}.db"
    with monkeypatch.context() as old_code:
        old_code.setattr(sqlite_store, "MIGRATIONS", MIGRATIONS[:version])
        ids = await populate(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version
    conn.close()

    async with create_store(path) as store:  # today's code: migrates on open
        assert sorted(a.id for a in await store.list_articles(Scope.all(), limit=10)) == ids
        for article_id, topic in zip(ids, TOPICS, strict=True):
            hits = await store.search(parse_query(topic), SearchFilters(), Scope.all())
            assert [h.id for h in hits] == [article_id]
        prefix = await store.search(parse_query("te*"), SearchFilters(), Scope.all())  # 2-letter prefix index
        assert sorted(h.id for h in prefix) == [ids[0], ids[2]]
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        conn.close()
