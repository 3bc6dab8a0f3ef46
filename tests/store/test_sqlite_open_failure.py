"""A database path SQLite cannot open at all (a directory): one line, exit 1, and nothing after it.

Before: aiosqlite's worker thread, stopped without being waited for, answered after the event loop had
closed and printed an "Event loop is closed" traceback under the line in most runs."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import newsbot_text


def test_an_unopenable_path_is_one_line_every_time(tmp_path: Path) -> None:
    folder = tmp_path / "a-directory"
    folder.mkdir()
    for _ in range(4):  # the traceback came in most runs, not all
        done = newsbot_text("list", db=folder)
        assert done.returncode == 1
        assert done.stderr == f"newsbot: cannot open database {folder}: unable to open database file\n"
        assert done.stdout == ""
