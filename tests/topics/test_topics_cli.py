"""`newsbot topics add|list|remove` as an operator runs them: a subprocess on a real SQLite file, exit
codes, JSON on stdout and one line on stderr (bad options are usage errors: exit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def newsbot(db: Path, *args: str) -> tuple[int, list[dict[str, object]], list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    r = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), *args],
        capture_output=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    rows = [json.loads(line) for line in r.stdout.decode().splitlines() if line.strip()]
    return r.returncode, rows, r.stderr.decode().splitlines()


def test_add_list_remove(db_location: str) -> None:
    db = db_location
    code, [added], err = newsbot(
        db,
        "topics",
        "add",
        "harbour tunnel",
        "--guild",
        "11",
        "--channel",
        "22",
        "--every",
        "weekly",
        "--at",
        "07:30",
        "--timezone",
        "Europe/Berlin",
        "--day",
        "fri",
        "--role",
        "33",
        "--thread",
    )
    assert code == 0 and err == []
    assert added["query"] == "harbour tunnel" and added["guild_id"] == 11 and added["channel_id"] == 22
    assert added["schedule"] == "weekly on Friday at 07:30 Europe/Berlin"
    assert added["mention_role_id"] == 33 and added["thread"] is True and added["next_run_at"]
    code, [daily], _ = newsbot(db, "topics", "add", "ferry", "--guild", "11", "--channel", "22")
    assert code == 0 and daily["schedule"] == "daily at 08:00 UTC" and daily["thread"] is False

    code, listed, err = newsbot(db, "topics", "list")
    assert code == 0 and err == [] and [t["id"] for t in listed] == [added["id"], daily["id"]]
    assert listed[0] == added

    code, rows, err = newsbot(db, "topics", "remove", str(added["id"]))
    assert code == 0 and rows == [{"removed": added["id"]}] and err == []
    assert [t["id"] for t in newsbot(db, "topics", "list")[1]] == [daily["id"]]
    code, rows, err = newsbot(db, "topics", "remove", str(added["id"]))
    assert code == 1 and rows == [] and err == [f"newsbot: no topic {added['id']}"]


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--at", "25:99", "--at: time must be between 00:00 and 23:59"),
        ("--at", "noon", "--at: time must look like HH:MM"),
        ("--timezone", "Mars/Olympus", "--timezone: unknown time zone 'Mars/Olympus'"),
        ("--day", "funday", "--day: day must be a weekday name"),
    ],
)
def test_bad_schedule_option_is_a_usage_error(db_location: str, option: str, value: str, says: str) -> None:
    db = db_location
    for every in ("daily", "weekly"):  # a bad --day is refused even where a daily schedule would ignore it
        code, rows, err = newsbot(
            db, "topics", "add", "ferry", "--guild", "1", "--channel", "2", "--every", every, option, value
        )
        assert code == 2 and rows == [] and len(err) == 1, (code, rows, err)
        assert err[0].startswith(f"newsbot: {says}"), err
    assert newsbot(db, "topics", "list")[1] == []


def test_query_without_words_is_a_usage_error(db_location: str) -> None:
    code, rows, err = newsbot(db_location, "topics", "add", '""', "--guild", "1", "--channel", "2")
    assert code == 2 and rows == [] and err == ["newsbot: QUERY: the query has no words to search for"]
