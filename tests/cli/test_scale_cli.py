"""`newsbot worker` and `newsbot run --shards` refuse a SQLite file with one line (exit 2); shard ids are
checked before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.common import UsageError
from bot.cli.run import parse_shards
from tests.support.cli import newsbot_text


def test_worker_and_shards_refuse_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    env = {"DISCORD_TOKEN": "x"}
    for args in (("worker",), ("run", "--shards", "0-1", "--shard-count", "4")):
        done = newsbot_text(*args, db=db, env=env)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "needs a PostgreSQL database" in done.stderr
        assert "Traceback" not in done.stderr
    assert not db.exists()  # refused before the store was opened


def test_bad_shard_ids_are_usage_errors(tmp_path: Path) -> None:
    done = newsbot_text("run", "--shards", "0-9", "--shard-count", "4", db=tmp_path / "n.db")
    assert done.returncode == 2 and "outside 0-3" in done.stderr


def test_parse_shards() -> None:
    assert parse_shards("0-3", 8) == [0, 1, 2, 3]
    assert parse_shards("4,6-7", 8) == [4, 6, 7]
    for text, count in (("0-3", None), ("x", 4), ("3-1", 4), ("4", 4), ("0", 0)):
        with pytest.raises(UsageError):
            parse_shards(text, count)
