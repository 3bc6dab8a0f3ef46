"""The edges `bot.cli.main` handles once for every command: Ctrl-C (exit 130, one line), a reader that
goes away (exit 0, nothing on stderr), and unknown arguments after a query that are not exclusions."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.support.cli import newsbot_text as newsbot


def _popen(db: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(db), *args],
        cwd=REPO,
        env=base | (env or {}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_ctrl_c_while_fetching_is_one_line_and_exit_130(tmp_path: Path) -> None:
    with socket.socket() as server:  # accepts the connection and never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(60)
        port = server.getsockname()[1]
        proc = _popen(
            tmp_path / "n.db",
            "ingest",
            f"http://127.0.0.1:{port}/slow",
            env={"NEWSBOT_FETCH_ALLOW": "127.0.0.1"},
        )
        conn, _ = server.accept()  # the command is now waiting for the page
        with conn:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.decode().splitlines()[-1] == "newsbot: interrupted"
    assert b"Traceback" not in err and out == b""


def test_a_reader_that_goes_away_is_not_an_error(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    archive = tmp_path / "a.jsonl"
    archive.write_text(
        "".join(
            json.dumps({"title": f"Note {i}", "text": f"Note number {i} about the harbour works. " * 30})
            + "\n"
            for i in range(40)
        )
    )
    assert newsbot("ingest", "--jsonl", str(archive), db=db).returncode == 0
    proc = _popen(db, "export")
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `newsbot export | head -0`
    with proc.stderr:
        err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0
    assert err == b""


def test_unknown_arguments_outside_a_query_are_usage_errors(tmp_path: Path) -> None:
    done = newsbot("list", "-x", db=tmp_path / "n.db")
    assert done.returncode == 2
    assert done.stderr == "newsbot: error: unrecognized arguments: -x (see newsbot --help)\n"
