"""show / list / delete as a person reads them (not --json): the exact lines printed."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import newsbot_text as newsbot

RECORD = {
    "title": "Harbour bridge reopens after repairs",
    "authors": ["Ana Reyes", "Tom Ode"],
    "source": "Coast Courier",
    "section": "Local",
    "published": "2024-03-05T09:30:00+00:00",
    "url": "https://news.example/bridge",
    "flags": ["paywalled"],
    "body": "The harbour bridge reopened on Tuesday.\n\nWhat changed\n\nEngineers replaced the deck joints.",
    "paragraphs": [
        {"kind": "text", "text": "The harbour bridge reopened on Tuesday after six weeks of repairs."},
        {"kind": "heading", "text": "What changed"},
        {"kind": "text", "text": "Engineers replaced the deck joints and repainted the railings."},
    ],
}
BARE = {"title": "Untitled note", "text": "A short note with no date, source or authors at all."}


def _ingest(tmp_path: Path) -> Path:
    db = tmp_path / "n.db"
    archive = tmp_path / "a.jsonl"
    archive.write_text(json.dumps(RECORD) + "\n" + json.dumps(BARE) + "\n")
    done = newsbot("ingest", "--jsonl", str(archive), db=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"created    #1 Harbour bridge reopens after repairs  [{archive}:1]",
        f"created    #2 Untitled note  [{archive}:2]",
    ]
    assert done.stderr == "done: 2 created\n"
    return db


def test_show_prints_metadata_flags_and_headings(tmp_path: Path) -> None:
    db = _ingest(tmp_path)
    shown = newsbot("show", "1", db=db)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "Harbour bridge reopens after repairs",
        "Ana Reyes, Tom Ode · Coast Courier · Local · 2024-03-05",
        "https://news.example/bridge",
        "flags: paywalled",
        "",
        "The harbour bridge reopened on Tuesday after six weeks of repairs.",
        "",
        "## What changed",
        "",
        "Engineers replaced the deck joints and repainted the railings.",
        "",
    ]
    bare = newsbot("show", "2", db=db)
    assert bare.stdout.splitlines()[:3] == ["Untitled note", "", bare.stdout.splitlines()[2]]
    assert "flags:" not in bare.stdout and "https://" not in bare.stdout


def test_list_in_text_and_its_limit(tmp_path: Path) -> None:
    db = _ingest(tmp_path)
    listed = newsbot("list", db=db)
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.splitlines()
    assert sorted(rows) == sorted(
        [
            "#1       2024-03-05  Harbour bridge reopens after repairs  (Coast Courier)",
            "#2                   Untitled note",
        ]
    )
    assert len(newsbot("list", "--limit", "1", db=db).stdout.splitlines()) == 1
    zero = newsbot("list", "--limit", "0", db=db)
    assert (zero.returncode, zero.stderr) == (2, "newsbot: --limit must be positive\n")


def test_delete_reports_and_refuses_a_missing_article(tmp_path: Path) -> None:
    db = _ingest(tmp_path)
    done = newsbot("delete", "2", db=db)
    assert (done.returncode, done.stderr) == (0, "deleted #2\n")
    again = newsbot("delete", "2", db=db)
    assert again.returncode == 1
    assert again.stderr.splitlines() == ["newsbot: no article matches 2"]
    assert [json.loads(x)["id"] for x in newsbot("list", "--json", db=db).stdout.splitlines()] == [1]


def test_ingesting_nothing_new_says_so(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    done = newsbot("ingest", "--jsonl", str(empty), db=db)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "done: nothing to ingest\n")
