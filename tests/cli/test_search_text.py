"""search / related as a person reads them (not --json): hit lines, "no matches", related pieces with the
copies that also covered them, and related's usage errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.cli import newsbot_text as newsbot

STORY = (
    "The harbour bridge in Portvale reopened on Tuesday after six weeks of {work} by the Coastal Works Agency. "
    "Engineers replaced the deck joints and the expansion bearings, and the bridge is safe for heavy traffic "
    "again.\n\nTraffic had been diverted through the town centre since January, causing long delays for "
    "commuters and delivery drivers.\n\nThe agency said further work on the railings would take place "
    "{when} to keep the bridge open.{tail}"
)
ROWS = [
    {
        "title": "Harbour bridge reopens",
        "source": "Coast Courier",
        "published": "2024-03-05",
        "url": "https://courier.example/bridge",
        "text": STORY.format(work="repairs", when="at night", tail=""),
    },
    {  # another outlet's lightly edited copy: kept, pointing at #1
        "title": "Portvale bridge open again",
        "source": "Wire",
        "published": "2024-03-05",
        "url": "https://wire.example/bridge",
        "text": STORY.format(work="roadworks", when="overnight", tail="\n\nReporting by Wire staff."),
    },
    {
        "title": "Bridge repairs: commuters count the cost",
        "source": "Portvale Post",
        "published": "2024-03-06",
        "text": "Commuters in Portvale say the six weeks of harbour bridge repairs cost them hours in traffic "
        "through the town centre. Delivery drivers reported delays of up to an hour while the Coastal Works "
        "Agency replaced the deck joints.\n\nNow that the bridge has reopened, shop owners hope customers "
        "will return to the harbour district.",
    },
    {"title": "Council meeting postponed", "text": "The council meeting on zoning is postponed to May."},
]
SCORE = r"\[\d\.\d{3}\]"


def _db(tmp_path: Path) -> Path:
    db = tmp_path / "n.db"
    archive = tmp_path / "a.jsonl"
    archive.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    done = newsbot("ingest", "--jsonl", str(archive), db=db)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "done: 3 created, 1 duplicate\n"
    return db


def test_search_text(tmp_path: Path) -> None:
    db = _db(tmp_path)
    done = newsbot("search", "commuters", "--source", "portvale post", db=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "#3 Bridge repairs: commuters count the cost (Portvale Post, 2024-03-06)",
        "    Bridge repairs: **commuters** count the cost",
    ]
    undated = newsbot("search", "zoning", db=db).stdout.splitlines()
    assert undated[0] == "#4 Council meeting postponed (unknown source, undated)"
    assert "**zoning**" in undated[1]
    none = newsbot("search", "volcano", db=db)
    assert (none.returncode, none.stdout) == (0, "no matches\n")
    assert newsbot("search", "volcano", "--json", db=db).stdout == ""
    negative = newsbot("search", "bridge", "--offset", "-1", db=db)
    assert negative.returncode == 2 and negative.stderr.startswith("newsbot: error: argument --offset")


def test_related_text_names_the_copies(tmp_path: Path) -> None:
    db = _db(tmp_path)
    original = newsbot("related", "1", db=db).stdout.splitlines()
    assert original[0] == "#1 (also covered by #2)"
    assert re.fullmatch(rf"    #3 Bridge repairs: commuters count the cost {SCORE}", original[1]), original
    # The copy is answered by its original.
    assert newsbot("related", "2", db=db).stdout.splitlines() == original
    other = newsbot("related", "3", "--limit", "1", db=db).stdout.splitlines()
    assert other[0] == "#3"
    assert re.fullmatch(rf"    #1 Harbour bridge reopens {SCORE} — also covered by #2", other[1]), other
    every = newsbot("related", "--all", "--limit", "1", db=db).stdout.splitlines()
    assert [line for line in every if not line.startswith("    ")] == ["#1 (also covered by #2)", "#3", "#4"]
    topic = newsbot("related", "--topic", "volcanic eruption lava", db=db).stdout.splitlines()
    assert topic == ["topic 'volcanic eruption lava'", "    nothing related found"]


def test_related_usage_errors(tmp_path: Path) -> None:
    db = _db(tmp_path)
    for args, message in (
        (["related"], "newsbot: give article ids, --all or --topic TEXT (exactly one)\n"),
        (["related", "1", "--all"], "newsbot: give article ids, --all or --topic TEXT (exactly one)\n"),
        (["related", "1", "--limit", "51"], "newsbot: --limit must be between 1 and 50\n"),
        (["related", "--topic", "   "], "newsbot: --topic needs some text\n"),
    ):
        done = newsbot(*args, db=db)
        assert (done.returncode, done.stderr, done.stdout) == (2, message, ""), args
