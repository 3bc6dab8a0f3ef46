"""summary / quotes / keywords as a person reads them (not --json), `--all`, and their usage errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import newsbot_text as newsbot

BRIDGE = (
    "The harbour bridge in Portvale reopened on Tuesday after six weeks of repairs by the Coastal Works "
    "Agency.\n\n"
    '"We finished the deck joints ahead of schedule and the bridge is safe for heavy traffic again," said '
    "Ana Reyes, the agency's chief engineer.\n\n"
    "Traffic had been diverted through the town centre since January, causing long delays for commuters.\n\n"
    'Local shop owners welcomed the news. "Our customers can finally reach us without sitting in a queue '
    'for an hour," said baker Tom Ode.\n\n'
    "The agency said further work on the railings would take place at night."
)
COUNCIL = (
    "The council meeting planned for Thursday has been postponed to next week because of a scheduling "
    "conflict. No new date has been announced yet by the clerk's office."
)
REYES = "“We finished the deck joints ahead of schedule and the bridge is safe for heavy traffic again.” — Ana Reyes"
ODE = "“Our customers can finally reach us without sitting in a queue for an hour.” — Tom Ode"


def _db(tmp_path: Path) -> Path:
    db = tmp_path / "n.db"
    archive = tmp_path / "a.jsonl"
    archive.write_text(
        json.dumps({"title": "Harbour bridge reopens", "text": BRIDGE})
        + "\n"
        + json.dumps({"title": "Council meeting postponed", "text": COUNCIL})
        + "\n"
    )
    assert newsbot("ingest", "--jsonl", str(archive), db=db).returncode == 0
    return db


def test_summary_text_for_ids_and_all(tmp_path: Path) -> None:
    db = _db(tmp_path)
    done = newsbot("summary", "1", "--sentences", "2", db=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "#1 Harbour bridge reopens",
        "  - The harbour bridge in Portvale reopened on Tuesday after six weeks of repairs by the Coastal "
        "Works Agency.",
        '  - "We finished the deck joints ahead of schedule and the bridge is safe for heavy traffic again," '
        "said Ana Reyes, the agency's chief engineer.",
    ]
    every = newsbot("summary", "--all", "--sentences", "1", db=db).stdout.splitlines()
    assert sorted(line for line in every if line.startswith("#")) == [
        "#1 Harbour bridge reopens",
        "#2 Council meeting postponed",
    ]
    assert len(every) == 4


def test_quotes_text_and_all_skips_articles_without_quotes(tmp_path: Path) -> None:
    db = _db(tmp_path)
    done = newsbot("quotes", "1", db=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["#1 Harbour bridge reopens", f"  {REYES}", f"  {ODE}"]
    assert newsbot("quotes", "1", "--speaker", "ode", db=db).stdout.splitlines() == [
        "#1 Harbour bridge reopens",
        f"  {ODE}",
    ]
    # Asked for by id, an article without quotes still gets its heading; with --all it is left out.
    assert newsbot("quotes", "2", db=db).stdout.splitlines() == ["#2 Council meeting postponed"]
    assert newsbot("quotes", "--all", "--limit", "0", db=db).stdout.splitlines() == [
        "#1 Harbour bridge reopens",
        f"  {REYES}",
        f"  {ODE}",
    ]
    [none] = [json.loads(x) for x in newsbot("quotes", "2", "--json", db=db).stdout.splitlines()]
    assert none == {"id": 2, "quotes": []}


def test_keywords_text(tmp_path: Path) -> None:
    db = _db(tmp_path)
    done = newsbot("keywords", "1", db=db)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0] == "#1 Harbour bridge reopens"
    assert out[1].startswith("keywords:      ") and "harbour bridge" in out[1].split(", ")
    assert out[2] == "people:        Ana Reyes, Tom Ode"
    assert out[4] == "organisations: Coastal Works Agency"
    missing = newsbot("keywords", "9", db=db)
    assert (missing.returncode, missing.stderr) == (1, "newsbot: no article matches 9\n")


def test_analysis_usage_errors(tmp_path: Path) -> None:
    db = _db(tmp_path)
    for args, message in (
        (["summary", "1", "--sentences", "0"], "newsbot: --sentences and --words must be positive\n"),
        (["summary", "1", "--words", "-3"], "newsbot: --sentences and --words must be positive\n"),
        (["quotes", "1", "--limit", "-1"], "newsbot: --limit must be 0 (all) or positive\n"),
        (["quotes", "--all", "1"], "newsbot: give article ids or --all (not both)\n"),
    ):
        done = newsbot(*args, db=db)
        assert (done.returncode, done.stderr, done.stdout) == (2, message, ""), args
