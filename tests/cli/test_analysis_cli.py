"""summary / quotes / keywords as an operator runs them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_articles_cli import lines
from tests.conftest import SEED
from tests.support.cli import newsbot


def test_seed_summary_quotes_keywords(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    newsbot("ingest", str(SEED), db=db)
    [summary] = lines(newsbot("summary", "1", "--json", db=db).stdout)
    assert summary["id"] == 1 and len(summary["sentences"]) == 3  # type: ignore[arg-type]
    for sentence in summary["sentences"]:  # type: ignore[attr-defined]
        assert "newsletter" not in sentence.lower() and "KYIV —" not in sentence
    [short] = lines(newsbot("summary", "1", "--words", "40", "--json", db=db).stdout)
    assert sum(len(s.split()) for s in short["sentences"]) <= 60  # type: ignore[attr-defined]

    [every] = lines(newsbot("quotes", "1", "--limit", "0", "--json", db=db).stdout)
    quotes = every["quotes"]
    by_text = {q["text"]: q for q in quotes}  # type: ignore[index, union-attr]
    assert (
        by_text["Our cause is right and sooner or later we will win anyway."]["speaker"]
        == "Alexander Lukashenko"
    )
    danilov = [q for q in quotes if q["speaker"] == "Oleksiy Danilov"]  # type: ignore[index, union-attr]
    assert any(q["text"].startswith("Belarus does not have enough forces") for q in danilov)
    two_part = [q for q in quotes if "a new front" in q["text"]]  # type: ignore[index, union-attr]
    assert len(two_part) == 1 and "We have to pay attention to this." in two_part[0]["text"]
    assert [q["paragraph"] for q in quotes] == sorted(q["paragraph"] for q in quotes)  # type: ignore[index, union-attr]
    for term in ("people's militia", "the demographic pit", "Belarusian Guyun", "rail war"):
        assert all(term not in q["text"] for q in quotes)  # type: ignore[index, union-attr]

    [key] = lines(newsbot("quotes", "1", "--limit", "2", "--json", db=db).stdout)
    assert len(key["quotes"]) == 2 and all(q["kind"] == "full" for q in key["quotes"])  # type: ignore[arg-type, attr-defined]
    [only] = lines(newsbot("quotes", "1", "--speaker", "danilov", "--json", db=db).stdout)
    assert {q["speaker"] for q in only["quotes"]} == {"Oleksiy Danilov"}  # type: ignore[attr-defined]

    [kw] = lines(newsbot("keywords", "1", "--json", db=db).stdout)
    assert "Alexander Lukashenko" in kw["entities"]["people"]  # type: ignore[index]
    assert "Belarus" in kw["entities"]["places"]  # type: ignore[index]

    exported = lines(newsbot("export", db=db).stdout)
    assert exported[0]["summary"] == summary["sentences"] and exported[0]["quotes"] == quotes


def test_usage_errors(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    assert newsbot("summary", db=db).returncode == 2
    assert newsbot("summary", "1", "--all", db=db).returncode == 2
    missing = newsbot("quotes", "99", db=db)
    assert missing.returncode == 1 and "no article matches 99" in missing.stderr.decode()


def test_related_topic_with_undecodable_bytes(tmp_path: Path) -> None:  # issue 12, finding 5
    db = tmp_path / "n.db"
    newsbot("ingest", str(SEED), db=db)
    done = newsbot("related", "--topic", b"Belarus \xff\xfe war", "--json", db=db)  # type: ignore[arg-type]
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    [found] = lines(done.stdout)
    assert found["related"]
