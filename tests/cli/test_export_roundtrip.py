"""`newsbot export --jsonl > f.jsonl; newsbot ingest --jsonl f.jsonl` round-trips, as the README promises."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_articles_cli import lines
from tests.conftest import SEED
from tests.support.cli import newsbot


def test_export_then_ingest_round_trips(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    note = tmp_path / "note.txt"
    note.write_bytes(
        "Заголовок статьи\n\nПрезидент заявил, что переговоры продолжатся на следующей неделе в Минске.\n\n"
        "Министр сообщил, что урожай пшеницы в этом году оказался выше ожиданий.\n".encode("cp1251")
    )
    assert newsbot("ingest", str(SEED), str(note), db=db).returncode == 0
    exported = newsbot("export", "--jsonl", db=db)
    assert exported.returncode == 0
    archive = tmp_path / "f.jsonl"
    archive.write_bytes(exported.stdout)
    originals = lines(exported.stdout)
    assert len(originals) == 3

    again = newsbot("ingest", "--jsonl", str(archive), "--json", db=db)
    assert again.returncode == 0, again.stderr  # before: every line failed ('needs "text" or "html"')
    assert [(r["status"], r["duplicate_of"]) for r in lines(again.stdout)] == [
        ("duplicate", o["id"]) for o in originals
    ]

    fresh = tmp_path / "b.db"
    loaded = newsbot("ingest", "--jsonl", str(archive), "--json", db=fresh)
    assert loaded.returncode == 0, loaded.stderr
    assert [r["status"] for r in lines(loaded.stdout)] == ["created"] * 3
    kept = (
        "title",
        "subtitle",
        "authors",
        "published",
        "section",
        "source",
        "url",
        "language",
        "flags",
        "word_count",
        "paragraphs",
        "body",
    )
    for original, result in zip(originals, lines(loaded.stdout), strict=True):
        copy = lines(newsbot("show", str(result["id"]), "--json", db=fresh).stdout)[0]
        assert {k: copy[k] for k in kept} == {k: original[k] for k in kept}
    assert originals[0]["language"] == "en" and originals[2]["language"] == "ru"
    assert any(p["kind"] == "heading" for p in originals[0]["paragraphs"])  # type: ignore[union-attr]
