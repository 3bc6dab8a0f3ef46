"""`newsbot brief` as an operator runs it: JSON shape, chart, sizes, bad input and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import newsbot, newsbot_text

ROWS = [
    (
        "2021-03-01",
        "bbc",
        'The canal was blocked on Tuesday when the Ever Given ran aground in a sandstorm. "We are doing everything we can," said Osama Rabie, the canal authority chairman.',
    ),
    (
        "2021-03-02",
        "reuters",
        "Hundreds of ships queued at both ends of the canal after the Ever Given ran aground on March 1. Tug boats tried to move the ship.",
    ),
    (
        "2021-03-03",
        "guardian",
        'Osama Rabie watched as dredgers dug around the bow of the Ever Given in the blocked canal. "The ship will be refloated soon," Rabie said on Wednesday.',
    ),
    (
        "2021-03-05",
        "bbc",
        "The Ever Given was refloated on Thursday and the canal reopened to traffic after six days. Insurers began counting the costs of the blocked canal.",
    ),
    (
        "2021-03-06",
        "reuters",
        "Traffic through the canal resumed after the Ever Given was refloated on March 4. Some 400 ships waited to pass the canal.",
    ),
    (
        "2021-03-08",
        "guardian",
        'The canal authority said it would seek compensation for the blockage of the canal. "We lost revenue every day," said Osama Rabie.',
    ),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("brief")
    archive = folder / "canal.jsonl"
    with archive.open("w") as f:
        for i, (day, source, text) in enumerate(ROWS):
            row = {
                "id": f"canal-{i}",
                "title": f"Canal story {i}",
                "text": text,
                "published": day,
                "source": source,
            }
            f.write(json.dumps(row) + "\n")
    path = folder / "n.db"
    r = newsbot("ingest", "--jsonl", str(archive), db=path)
    assert r.returncode == 0, r.stderr
    return path


def test_json_shape(db: Path) -> None:
    r = newsbot_text("brief", "canal", "--json", "--dates", "3", "--per-date", "1", db=db)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {
        "query",
        "since",
        "until",
        "articles",
        "timeline",
        "key_points",
        "voices",
        "coverage",
        "sources",
    }
    assert out["query"] == "canal" and out["articles"] == 6
    assert 1 <= len(out["timeline"]) <= 3
    for entry in out["timeline"]:
        assert set(entry) == {"date", "sentences"} and len(entry["date"]) == 10
        assert len(entry["sentences"]) == 1
        assert set(entry["sentences"][0]) == {"text", "article_id"}
        assert isinstance(entry["sentences"][0]["article_id"], int)
    assert [e["date"] for e in out["timeline"]] == sorted(e["date"] for e in out["timeline"])
    for point in out["key_points"]:
        assert set(point) == {"text", "article_id", "source", "published"}
    rabie = next(v for v in out["voices"] if v["speaker"] == "Osama Rabie")
    assert set(rabie) == {"speaker", "forms", "quotes"}
    assert "Osama Rabie" in rabie["forms"] and len(rabie["quotes"]) == 3
    assert [q["published"] for q in rabie["quotes"]] == ["2021-03-08", "2021-03-03", "2021-03-01"]
    assert set(rabie["quotes"][0]) == {"text", "article_id", "published", "source"}
    assert out["coverage"]["unit"] == "day"
    assert sum(sum(v) for v in out["coverage"]["by_source"].values()) == 6
    assert all(set(s) == {"source", "articles"} for s in out["sources"])


def test_text_output_and_chart(db: Path, tmp_path: Path) -> None:
    chart = tmp_path / "c.png"
    r = newsbot_text(
        "brief", "--all", "--since", "2021-03-02", "--until", "2021-03-06", "--chart", str(chart), db=db
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Briefing: every article — 4 articles")
    for part in ("Timeline", "Key points", "Who said what", "Coverage (articles per day)", "Sources used:"):
        assert f"\n{part}" in r.stdout
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_the_timeline_dates_come_from_the_text(db: Path) -> None:
    out = json.loads(
        newsbot_text("brief", "canal", "--json", "--dates", "2", "--per-date", "1", db=db).stdout
    )
    # "ran aground on March 1", "on Tuesday" (2 March is a Tuesday... published 1 March: the same day)
    # and "refloated on March 4" / "on Thursday" are the developments, not the busiest publication days
    assert [e["date"] for e in out["timeline"]] == ["2021-03-01", "2021-03-04"]


def test_no_match_is_exit_1_with_one_line(db: Path) -> None:
    r = newsbot_text("brief", "volcano", db=db)
    assert r.returncode == 1
    assert r.stderr.strip() == "newsbot: no articles match 'volcano'"
    r = newsbot_text("brief", "--all", "--since", "2030-01-01", db=db)
    assert r.returncode == 1 and "no articles match since 2030-01-01" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["brief"], "give a QUERY, --all or --topic ID"),
        (["brief", "canal", "--all"], "give a QUERY, --all or --topic ID"),
        (["brief", "canal", "--since", "someday"], "--since: cannot read date"),
        (["brief", "canal", "--dates", "0"], "--dates must be between 1 and 100"),
        (["brief", "--all", "--since", "2021-03-05", "--until", "2021-03-01"], "--since is after --until"),
    ],
)
def test_bad_input_is_a_usage_error(db: Path, args: list[str], message: str) -> None:
    r = newsbot_text(*args, db=db)
    assert r.returncode == 2
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_topic_opts_into_a_briefing_and_is_briefed_by_id(db: Path) -> None:
    r = newsbot_text("topics", "add", "canal", "--guild", "1", "--channel", "2", "--briefing", db=db)
    assert r.returncode == 0, r.stderr
    topic = json.loads(r.stdout)
    assert topic["briefing"] is True
    listed = [json.loads(x) for x in newsbot_text("topics", "list", db=db).stdout.splitlines()]
    assert [t["briefing"] for t in listed if t["id"] == topic["id"]] == [True]
    r = newsbot_text("brief", "--topic", str(topic["id"]), "--json", db=db)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["query"] == "canal"
    assert newsbot_text("brief", "--topic", "999", db=db).returncode == 1
