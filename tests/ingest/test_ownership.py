"""Issue 12, finding 1: a server's ingest writes only that server's own articles. A match in the global
library or in another server (by canonical URL, external id, text or near-duplicate) is a duplicate or a
separate article of the server's own — never a write to the other row, its fingerprints, vectors or analysis."""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp import web

from bot.ingest.fetch import Fetcher, FetchPolicy
from bot.ingest.netguard import AddressAllowList
from bot.ingest.pipeline import Ingestor, default_analyzer
from bot.models import ExtractedArticle, Paragraph
from bot.store import ArticleStore, Scope
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SQLiteStore
from tests.support.cli import newsbot_text
from tests.support.http import local_site

OLD = (
    "The harbour authority opened a new container terminal on Monday after three years of building work.\n\n"
    "Officials said the terminal would double the port's capacity and bring two hundred jobs to the town."
)
NEW = (
    "Attackers rewrote this story. Nothing in this text was ever published by the operator's library at all.\n\n"
    "Every server reading the global copy would now see words a single server admin chose to put there."
)
URL = "https://news.example/harbour-terminal"
A, B = 111, 222


async def snapshot(store: ArticleStore, article_id: int) -> tuple[object, ...]:
    """Every byte of a row a reader can see: the article, its fingerprints and its related vectors."""
    article = await store.get_article(article_id, Scope.all())
    assert article is not None
    fp, bands = await _fingerprint_rows(store, article_id)
    vectors = await store.get_vectors([article_id])
    return (article, fp, bands, vectors.get(article_id))


async def _fingerprint_rows(store: ArticleStore, article_id: int) -> tuple[tuple[object, ...], list[int]]:
    """The stored dedupe fingerprint and bands of one article, read raw from either backend."""
    if isinstance(store, SQLiteStore):
        async with store.db.execute(
            "SELECT minhash, shingle_count, content_hash FROM articles WHERE id=?", (article_id,)
        ) as cur:
            fp = tuple(await cur.fetchone() or ())
        async with store.db.execute(
            "SELECT band_key FROM dedupe_bands WHERE article_id=? ORDER BY band_key", (article_id,)
        ) as cur:
            return fp, [r[0] for r in await cur.fetchall()]
    assert isinstance(store, PostgresStore)
    async with store._conn() as con:
        row = await con.fetchrow(
            "SELECT minhash, shingle_count, content_hash FROM articles WHERE id=$1", article_id
        )
        fp = tuple(row or ())
        rows = await con.fetch(
            "SELECT band_key FROM dedupe_bands WHERE article_id=$1 ORDER BY band_key", article_id
        )
    return fp, [r[0] for r in rows]


async def global_article(ingestor: Ingestor, tmp_path: Path) -> int:
    path = tmp_path / "global.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "ext-7",
                "url": URL,
                "title": "Harbour terminal opens",
                "text": OLD,
                "published": "2024-03-01T10:00:00Z",
            }
        )
        + "\n"
    )
    [result] = [r async for r in ingestor.ingest_sources([str(path)])]
    assert result.status == "created" and result.id is not None
    return result.id


async def test_server_jsonl_with_a_global_url_or_id_never_rewrites_it(
    store: ArticleStore, tmp_path: Path
) -> None:
    ingestor = Ingestor(store, analyzer=default_analyzer())
    gid = await global_article(ingestor, tmp_path)
    before = await snapshot(store, gid)
    for i, line in enumerate(({"url": URL, "text": NEW}, {"id": "ext-7", "text": NEW, "title": "Rewritten"})):
        path = tmp_path / f"server{i}.jsonl"
        path.write_text(json.dumps(line) + "\n")
        [result] = [r async for r in ingestor.ingest_sources([str(path)], guild_id=A)]
        assert result.status != "updated", result
        assert result.id != gid, result
        assert await snapshot(store, gid) == before
    # Server B (and the global scope) still read the operator's text; server A reads its own copy.
    seen_by_b = await store.find_by_canonical_url("https://news.example/harbour-terminal", Scope.guild(B))
    assert seen_by_b is not None and seen_by_b.id == gid and "container terminal" in seen_by_b.body
    mine = await store.find_by_canonical_url("https://news.example/harbour-terminal", Scope.guild(A))
    assert mine is not None and mine.guild_id == A and "Attackers" in mine.body


async def test_a_servers_own_article_is_still_updated_in_place(store: ArticleStore, tmp_path: Path) -> None:
    ingestor = Ingestor(store, analyzer=default_analyzer())
    await global_article(ingestor, tmp_path)
    first = tmp_path / "a1.jsonl"
    first.write_text(json.dumps({"url": URL, "text": NEW}) + "\n")
    [made] = [r async for r in ingestor.ingest_sources([str(first)], guild_id=A)]
    second = tmp_path / "a2.jsonl"
    second.write_text(json.dumps({"url": URL, "text": NEW + "\n\nA correction was added later."}) + "\n")
    [again] = [r async for r in ingestor.ingest_sources([str(second)], guild_id=A)]
    assert (again.status, again.id) == ("updated", made.id)


async def test_another_servers_row_is_never_written(store: ArticleStore) -> None:
    ingestor = Ingestor(store, analyzer=default_analyzer())
    made = await ingestor.store_extracted(
        ExtractedArticle(paragraphs=[Paragraph("text", t) for t in OLD.split("\n\n")], url=URL, title="B's"),
        origin="file",
        source="b",
        guild_id=B,
    )
    before = await snapshot(store, made.id or 0)
    other = await ingestor.store_extracted(
        ExtractedArticle(paragraphs=[Paragraph("text", t) for t in NEW.split("\n\n")], url=URL, title="A's"),
        origin="file",
        source="a",
        guild_id=A,
    )
    assert other.id != made.id and other.status == "created"
    assert await snapshot(store, made.id or 0) == before


async def test_canonical_link_in_a_servers_page_cannot_rewrite_the_global_article(
    store: ArticleStore, tmp_path: Path
) -> None:
    ingestor = Ingestor(store, analyzer=default_analyzer())
    gid = await global_article(ingestor, tmp_path)
    before = await snapshot(store, gid)
    page = (
        f'<html><head><title>Fake</title><link rel="canonical" href="{URL}"></head><body><article>'
        + "".join(f"<p>{p}</p>" for p in NEW.split("\n\n"))
        + "</article></body></html>"
    )

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/page", handler)
    async with local_site(app) as base:
        fetcher = Fetcher(FetchPolicy(allow=AddressAllowList.parse("127.0.0.1")))
        try:
            ingestor.fetcher = fetcher
            [r async for r in ingestor.ingest_sources([f"{base}/page"], guild_id=A)]
        finally:
            await fetcher.close()
    assert await snapshot(store, gid) == before


async def test_cli_ingest_with_guild_cannot_update_the_global_library(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    g = tmp_path / "g.jsonl"
    g.write_text(json.dumps({"id": "ext-7", "url": URL, "text": OLD, "published": "2024-03-01"}) + "\n")
    s = tmp_path / "s.jsonl"
    s.write_text(json.dumps({"url": URL, "text": NEW}) + "\n")
    assert newsbot_text("ingest", str(g), "--json", db=db).returncode == 0
    out = newsbot_text("ingest", str(s), "--guild", str(A), "--json", db=db)
    result = json.loads(out.stdout.splitlines()[0])
    assert result["status"] != "updated" and result["id"] != 1, result
    shown = json.loads(newsbot_text("show", "1", "--json", db=db).stdout)
    assert "container terminal" in " ".join(p["text"] for p in shown["paragraphs"])
    assert shown["url"] == URL and shown["published"]
