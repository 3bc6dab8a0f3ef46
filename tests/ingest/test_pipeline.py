"""Ingestion end to end against a real SQLite file: sources, dedupe, updates, bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from aiohttp import web

from bot.ingest.fetch import Fetcher, FetchPolicy
from bot.ingest.netguard import AddressAllowList
from bot.ingest.pipeline import Ingestor, IngestResult
from bot.store import ArticleStore, Scope
from tests.conftest import SEED
from tests.support.http import local_site

BODY = (
    "The central bank raised interest rates by half a point on Tuesday, its third increase this year, "
    "as inflation stayed well above its target.\n\n"
    "Officials said the decision was unanimous and that further increases were likely if prices kept "
    "rising at the current pace through the summer months.\n\n"
    "Markets had expected a smaller move. Shares in banks rose while the currency strengthened against "
    "the dollar and the euro in afternoon trading."
)


async def collect(ingestor: Ingestor, *specs: str, **kw: object) -> list[IngestResult]:
    return [r async for r in ingestor.ingest_sources(specs, **kw)]  # type: ignore[arg-type]


def jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


async def test_seed_is_one_clean_article_plus_a_teaser(store: ArticleStore) -> None:
    results = await collect(Ingestor(store), str(SEED))
    assert [r.status for r in results] == ["created", "created"]
    main = await store.get_article(results[0].id or 0, Scope.all())
    assert main is not None
    assert main.title == "Unpacking Why Belarus Will Or Won't Join The War Against Ukraine"
    assert main.authors == ["Igor Ilyash"] and main.section == "Geopolitics"
    assert main.body.startswith("KYIV — For several months")
    assert main.body.endswith("dependence on his eastern neighbor.")
    headings = [p.text for p in main.paragraphs if p.kind == "heading"]
    assert headings == [
        "A Putin ultimatum",
        "Why Minsk is not ready",
        "Anti-war sentiment at home",
        "Russia needs Belarus",
    ]
    for junk in (
        "newsletter",
        "subscribe",
        "monthly limit",
        "Belgrade",
        "Milosevic",
        "Keep reading",
        "TRENDING",
    ):
        assert junk.lower() not in main.body.lower(), junk
    teaser = await store.get_article(results[1].id or 0, Scope.all())
    assert teaser is not None and "truncated_teaser" in teaser.flags
    assert "Belgrade" in teaser.title


async def test_second_run_reports_duplicates_and_stores_nothing(store: ArticleStore, tmp_path: Path) -> None:
    archive = jsonl(tmp_path / "a.jsonl", [{"id": "n1", "title": "Rates up", "text": BODY}])
    ingestor = Ingestor(store)
    first = await collect(ingestor, str(archive))
    again = await collect(ingestor, str(archive))
    assert first[0].status == "created"
    assert again[0].status == "duplicate" and again[0].id == first[0].id == again[0].duplicate_of
    assert await store.count_articles(Scope.all()) == 1


async def test_archive_fields_are_trusted_and_text_kept_as_given(store: ArticleStore, tmp_path: Path) -> None:
    archive = jsonl(
        tmp_path / "a.jsonl",
        [
            {
                "id": 42,
                "title": "Given title",
                "authors": ["A. Writer"],
                "published": "2022-06-01T08:00:00",
                "source": "Wire",
                "section": "Economy",
                "url": "https://news.example/rates?utm_source=x",
                "text": BODY,
            }
        ],
    )
    [result] = await collect(Ingestor(store), str(archive))
    article = await store.get_article(result.id or 0, Scope.all())
    assert article is not None
    assert (article.title, article.authors, article.source, article.section) == (
        "Given title",
        ["A. Writer"],
        "Wire",
        "Economy",
    )
    assert article.external_id == "42" and article.origin == "archive"
    assert article.published is not None and article.published.isoformat() == "2022-06-01T08:00:00+00:00"
    assert article.canonical_url == "https://news.example/rates"
    assert len(article.paragraphs) == 3 and article.word_count == len(BODY.split())


async def test_same_url_with_new_text_is_an_update(store: ArticleStore, tmp_path: Path) -> None:
    url = "https://news.example/rates"
    first = jsonl(tmp_path / "1.jsonl", [{"url": url, "title": "Rates", "text": BODY}])
    second = jsonl(
        tmp_path / "2.jsonl",
        [{"url": url + "#top", "title": "Rates (updated)", "text": BODY + "\n\nUpdate: the governor spoke."}],
    )
    ingestor = Ingestor(store)
    [a] = await collect(ingestor, str(first))
    [b] = await collect(ingestor, str(second))
    assert b.status == "updated" and b.id == a.id
    article = await store.get_article(a.id or 0, Scope.all())
    assert (
        article is not None
        and article.body.endswith("the governor spoke.")
        and article.title == "Rates (updated)"
    )
    assert await store.count_articles(Scope.all()) == 1


async def test_syndicated_copy_is_a_near_duplicate(store: ArticleStore, tmp_path: Path) -> None:
    paragraphs = BODY.split("\n\n")
    edited = "\n\n".join(
        [paragraphs[1], paragraphs[0], paragraphs[2], "Sign up for our newsletter for more news."]
    )
    archive = jsonl(
        tmp_path / "a.jsonl",
        [
            {"url": "https://one.example/a", "title": "Rates up", "text": BODY},
            {"url": "https://two.example/b", "title": "Bank lifts rates again", "text": edited},
        ],
    )
    first, copy = await collect(Ingestor(store), str(archive))
    assert copy.status == "duplicate" and copy.duplicate_of == first.id == copy.id
    # the copy is kept, pointing at its original, so related pieces can say "also covered by"
    rows = [a async for a in store.iter_articles(Scope.all())]
    assert [(r.id, r.duplicate_of) for r in rows] == [(first.id, None), (rows[1].id, first.id)]


async def test_servers_do_not_dedupe_against_each_other(store: ArticleStore, tmp_path: Path) -> None:
    archive = jsonl(tmp_path / "a.jsonl", [{"title": "Rates", "text": BODY}])
    ingestor = Ingestor(store)
    a = (await collect(ingestor, str(archive), guild_id=1))[0]
    b = (await collect(ingestor, str(archive), guild_id=2))[0]
    assert a.status == b.status == "created" and a.id != b.id
    g = (await collect(ingestor, str(archive), guild_id=None))[0]
    assert g.status == "created"
    # once the global library has it, a server ingesting it again finds it there
    c = (await collect(ingestor, str(archive), guild_id=3))[0]
    assert c.status == "duplicate" and c.id == g.id


async def test_bad_inputs_fail_alone_and_leave_the_store_intact(store: ArticleStore, tmp_path: Path) -> None:
    ingestor = Ingestor(store)
    good = jsonl(tmp_path / "good.jsonl", [{"title": "Rates", "text": BODY}])
    await collect(ingestor, str(good))
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "empty.txt").write_bytes(b"")
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    (tmp_path / "nohtml.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    bad_lines = jsonl(
        tmp_path / "bad.jsonl",
        [
            "{not json",
            json.dumps(["a list"]),
            json.dumps({"title": "no text"}),
            json.dumps({"text": BODY.replace("rates", "taxes"), "published": "yesterday-ish"}),
            json.dumps(
                {
                    "text": "Second archive line that is fine and different from the others entirely.",
                    "title": "ok",
                }
            ),
        ],
    )
    specs = [str(tmp_path / n) for n in ("binary.bin", "empty.txt", "big.txt", "nohtml.html", "missing.txt")]
    results = await collect(ingestor, *specs, str(bad_lines))
    statuses = [(Path(r.source).name, r.status) for r in results]
    assert statuses[:5] == [
        (n, "failed") for n in ("binary.bin", "empty.txt", "big.txt", "nohtml.html", "missing.txt")
    ]
    errors = [r.error or "" for r in results]
    assert "binary" in errors[0] and "empty" in errors[1] and "too large" in errors[2]
    assert all(e and "\n" not in e for e in errors[:9])
    assert [r.status for r in results[5:]] == ["failed", "failed", "failed", "failed", "created"]
    assert results[5].source.endswith("bad.jsonl:1") and "invalid JSON" in (results[5].error or "")
    assert "not a date" in (results[8].error or "")
    assert await store.count_articles(Scope.all()) == 2


async def test_odd_encodings_are_decoded(store: ArticleStore, tmp_path: Path) -> None:
    tmp_path = tmp_path / "in"
    tmp_path.mkdir()
    text = (
        "Заголовок статьи\n\n"
        + "Президент заявил, что переговоры продолжатся на следующей неделе в Минске. " * 5
    )
    (tmp_path / "cp1251.txt").write_bytes(text.encode("cp1251"))
    other = (
        "Другой заголовок\n\n"
        + "Министр сообщил журналистам, что урожай пшеницы в этом году оказался выше ожиданий. " * 5
    )
    (tmp_path / "utf16.txt").write_bytes(other.encode("utf-16"))
    (tmp_path / "page.html.gz").write_bytes(
        gzip.compress(
            (
                "<html><head><title>Grève à Paris</title></head><body><article><h1>Grève à Paris</h1>"
                + "".join(
                    f"<p>Les syndicats ont appelé à une grève générale jeudi, perturbant les transports publics "
                    f"dans {n} villes du pays selon les autorités locales.</p>"
                    for n in range(2, 9)
                )
                + "</article></body></html>"
            )
            .encode("latin-1")
            .replace(b"<head>", b"<head><meta charset='iso-8859-1'>")
        )
    )
    results = await collect(Ingestor(store), str(tmp_path))
    assert [r.status for r in results] == ["created", "created", "created"], results
    stored = {r.title or "" for r in results}
    assert any("Grève" in t for t in stored)
    bodies = [a.body async for a in store.iter_articles(Scope.all())]
    assert any("Президент заявил" in b for b in bodies) and any("урожай пшеницы" in b for b in bodies)


async def test_url_ingest_and_ssrf_refusal(store: ArticleStore) -> None:
    page = (
        "<html><head><title>Storm hits coast</title></head><body><article><h1>Storm hits coast</h1>"
        + "".join(
            f"<p>A powerful storm made landfall on Monday night, cutting power to {n},000 homes "
            f"in district {n} as rivers rose.</p>"
            for n in range(1, 9)
        )
        + "</article></body></html>"
    )

    async def article(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/storm", article)
    async with local_site(app) as base:
        allowed = Fetcher(FetchPolicy(allow=AddressAllowList.parse("127.0.0.1")))
        refused = Fetcher(FetchPolicy(timeout=2))
        try:
            [ok] = await collect(Ingestor(store, fetcher=allowed), f"{base}/storm")
            [no] = await collect(Ingestor(store, fetcher=refused), f"{base}/storm")
        finally:
            await allowed.close()
            await refused.close()
    assert ok.status == "created" and ok.title == "Storm hits coast"
    stored = await store.get_article(ok.id or 0, Scope.all())
    assert stored is not None and stored.origin == "url" and stored.url == f"{base}/storm"
    assert no.status == "failed" and "loopback" in (no.error or "")


@pytest.mark.parametrize("text", ["   \n\n  ", "\x00\x01\x02"])
async def test_pasted_text_without_an_article_fails(store: ArticleStore, text: str) -> None:
    [r] = await Ingestor(store).ingest_text(text)
    assert r.status == "failed" and r.error
