from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.ingest.dedupe import fingerprint
from bot.models import Analysis, Article, Entities, Paragraph, Quote
from bot.store import ArticleStore, Scope, create_store
from bot.store.postgres import PostgresStore
from bot.store.sqlite.migrations import MIGRATIONS


def make_article(title: str, body: str, guild: int | None = None, **kw: object) -> Article:
    paragraphs = [Paragraph("text", t) for t in body.split("\n\n")]
    return Article(id=0, guild_id=guild, title=title, paragraphs=paragraphs, **kw)  # type: ignore[arg-type]


async def add(store: ArticleStore, article: Article) -> Article:
    return await store.add_article(article, fingerprint(article.paragraphs))


async def fts_ids(store: ArticleStore, query: str) -> set[int]:
    """Ids the backend's own full-text index matches for one plain word."""
    if isinstance(store, PostgresStore):
        async with store.pool.acquire() as con:
            rows = await con.fetch("SELECT id FROM articles WHERE tsv @@ to_tsquery('newsbot', $1)", query)
        return {r[0] for r in rows}
    async with store.db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (query,)) as cur:  # type: ignore[attr-defined]
        return {r[0] for r in await cur.fetchall()}


async def test_round_trip_keeps_every_field(store: ArticleStore) -> None:
    published = datetime(2022, 6, 20, 9, 30, tzinfo=timezone(timedelta(hours=3)))
    article = make_article(
        "Belarus and the war",
        "KYIV — First paragraph.\n\nSecond paragraph.",
        url="https://example.com/a",
        canonical_url="https://example.com/a",
        subtitle="A dek",
        authors=["Igor Ilyash", "Anna Akage"],
        published=published,
        section="Geopolitics",
        source="Worldcrunch",
        language="en",
        origin="file",
        flags={"paywalled"},
        external_id="x-1",
        ingested_by="cli:test",
    )
    article.paragraphs.insert(1, Paragraph("heading", "A Putin ultimatum"))
    article.analysis = Analysis(
        summary=["First paragraph."],
        quotes=[Quote("We will win.", "Alexander Lukashenko", "full", 2, 3.5)],
        keywords=["belarus"],
        entities=Entities(people=["Alexander Lukashenko"], places=["Kyiv"]),
    )
    stored = await add(store, article)
    got = await store.get_article(stored.id, Scope.all())
    assert got is not None
    assert got.paragraphs == article.paragraphs
    assert got.published == published and got.published.tzinfo is not None
    assert got.authors == ["Igor Ilyash", "Anna Akage"]
    assert got.flags == {"paywalled"}
    assert got.external_id == "x-1" and got.origin == "file" and got.ingested_by == "cli:test"
    assert got.analysis is not None and got.analysis.quotes[0].speaker == "Alexander Lukashenko"
    assert got.analysis.entities.places == ["Kyiv"]
    assert got.body == "KYIV — First paragraph.\n\nA Putin ultimatum\n\nSecond paragraph."


async def test_scope_hides_other_servers(store: ArticleStore) -> None:
    g = await add(store, make_article("Global piece", "Shared by the operator."))
    a = await add(store, make_article("Server A piece", "Only for server A.", guild=1))
    b = await add(store, make_article("Server B piece", "Only for server B.", guild=2))
    assert await store.get_article(b.id, Scope.guild(1)) is None
    assert await store.get_article(g.id, Scope.guild(1)) is not None
    assert {x.id for x in await store.list_articles(Scope.guild(1))} == {g.id, a.id}
    assert {x.id for x in await store.list_articles(Scope.guild(None))} == {g.id}
    assert await store.count_articles(Scope.all()) == 3
    # a server may not delete the global library's articles or another server's
    assert not await store.delete_article(g.id, Scope.guild(1))
    assert not await store.delete_article(b.id, Scope.guild(1))
    assert await store.delete_article(a.id, Scope.guild(1))


async def test_fts_follows_insert_update_delete(store: ArticleStore) -> None:
    a = await add(store, make_article("Minsk talks", "Lukashenko met Putin in Sochi."))
    assert await fts_ids(store, "sochi") == {a.id}
    newer = make_article("Minsk talks", "Lukashenko met Putin in Moscow.")
    await store.replace_article(a.id, newer, fingerprint(newer.paragraphs))
    assert await fts_ids(store, "sochi") == set()
    assert await fts_ids(store, "moscow") == {a.id}
    await store.delete_article(a.id, Scope.all())
    assert await fts_ids(store, "moscow") == set()


async def test_fts_folds_accents_and_stems(store: ArticleStore) -> None:
    a = await add(store, make_article("Zelenskyy in Kraków", "Officials were negotiating pipelines."))
    assert await fts_ids(store, "krakow") == {a.id}
    assert await fts_ids(store, "negotiate") == {a.id}


async def test_migrations_recorded_and_reopen_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    async with create_store(path):
        pass
    async with create_store(path) as s:
        assert await s.count_articles(Scope.all()) == 0
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this newsbot"):
        async with create_store(path):
            pass


async def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        async with create_store(path):
            pass


async def test_backup_is_a_consistent_copy(store: ArticleStore, tmp_path: Path) -> None:
    for i in range(30):
        await add(store, make_article(f"Piece {i}", f"Body number {i} about Belarus."))
    target = tmp_path / "copy.db"
    if isinstance(store, PostgresStore):  # a server database is backed up with pg_dump: said in one line
        with pytest.raises(StoreError, match="pg_dump"):
            await store.backup(target)
        return
    await store.backup(target)
    async with create_store(target) as copy:
        assert await copy.count_articles(Scope.all()) == 30
        assert await fts_ids(copy, "belarus") == set(range(1, 31))
    with pytest.raises(StoreError):
        await store.backup(tmp_path / "missing-folder" / "x.db")


async def test_autocomplete_titles(store: ArticleStore) -> None:
    await add(store, make_article("Belarus will not join", "Text one."))
    await add(store, make_article("Why Belarus waits", "Text two."))
    await add(store, make_article("Serbia and Kosovo", "Text three."))
    titles = [r.title for r in await store.find_titles("belarus", Scope.all())]
    assert titles == ["Belarus will not join", "Why Belarus waits"]  # prefix matches first
    assert [r.title for r in await store.find_titles("100%_", Scope.all())] == []


async def test_stats_counts_duplicates_and_size(store: ArticleStore) -> None:
    a = await add(store, make_article("One", "Body one here.", origin="archive"))
    await store.record_duplicate(a.id, "file.jsonl:2", None)
    stats = await store.stats(Scope.all())
    assert stats.articles == 1 and stats.duplicates_recorded == 1
    assert stats.by_origin == {"archive": 1} and stats.size_bytes > 0
    assert stats.last_ingested[0].ingested_at is not None
    assert stats.last_ingested[0].ingested_at <= datetime.now(UTC)


async def test_activity_log_is_per_server_newest_first(store: ArticleStore) -> None:
    from bot.audit import record

    await record(store, 1, "discord:5", "Ada", "panel", "feed.follow", "#1 https://example.org/feed")
    await record(store, 2, "discord:6", "Bob", "discord", "topic.create", "#3 elections")
    await record(store, 1, "discord:5", "Ada", "discord", "feed.pause", "#1   \n  twice  ")
    await record(store, None, "local", "operator", "panel", "ingest.file", "x" * 2000)
    one = await store.list_audit(1)
    assert [(e.action, e.via, e.detail) for e in one] == [
        ("feed.pause", "discord", "#1 twice"),
        ("feed.follow", "panel", "#1 https://example.org/feed"),
    ]
    assert [e.actor_name for e in await store.list_audit(2)] == ["Bob"]
    [library] = await store.list_audit(None)
    assert len(library.detail) == 500 and library.created_at is not None
    assert [e.action for e in await store.list_audit(1, limit=1, offset=1)] == ["feed.follow"]
