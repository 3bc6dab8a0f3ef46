"""The CLI as an operator runs it: a subprocess, exit codes, one line on stderr, JSON on stdout."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO, SEED
from tests.support.cli import newsbot


def lines(out: bytes) -> list[dict[str, object]]:
    return [json.loads(x) for x in out.decode().splitlines() if x.strip()]


def test_ingest_show_list_export_delete_backup(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    r = newsbot("ingest", str(SEED), "--json", db=db)
    assert r.returncode == 0, r.stderr
    results = lines(r.stdout)
    assert [x["status"] for x in results] == ["created", "created"]
    assert set(results[0]) == {"source", "status", "id", "title", "duplicate_of", "error"}
    main_id = results[0]["id"]

    shown = lines(newsbot("show", str(main_id), "--json", db=db).stdout)[0]
    assert set(shown) >= {
        "id",
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
    }
    assert shown["authors"] == ["Igor Ilyash"] and shown["section"] == "Geopolitics"
    assert str(shown["body"]).startswith("KYIV — For several months")
    assert {"kind": "heading", "text": "Russia needs Belarus"} in shown["paragraphs"]  # type: ignore[operator]

    again = newsbot("ingest", str(SEED), "--json", db=db)
    assert [x["status"] for x in lines(again.stdout)] == ["duplicate", "duplicate"]
    assert lines(again.stdout)[0]["id"] == main_id == lines(again.stdout)[0]["duplicate_of"]

    listed = lines(newsbot("list", "--json", db=db).stdout)
    assert len(listed) == 2
    exported = lines(newsbot("export", "--jsonl", db=db).stdout)
    assert [e["id"] for e in exported] == sorted(e["id"] for e in listed)  # type: ignore[type-var]
    assert exported[0]["body"] == shown["body"]

    backup = tmp_path / "copy.db"
    assert newsbot("backup", str(backup), db=db).returncode == 0
    assert len(lines(newsbot("list", "--json", db=backup).stdout)) == 2

    assert newsbot("delete", str(main_id), db=db).returncode == 0
    gone = newsbot("show", str(main_id), db=db)
    assert gone.returncode == 1 and gone.stderr.decode().count("\n") == 1 and b"Traceback" not in gone.stderr


def test_exit_codes_and_stdin(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    (tmp_path / "empty.txt").write_text("")
    mixed = newsbot(
        "ingest",
        str(tmp_path / "empty.txt"),
        "-",
        "--json",
        db=db,
        stdin=b"Title line\n\n" + b"A paragraph of pasted article text about the election results. " * 5,
    )
    assert mixed.returncode == 1
    assert [x["status"] for x in lines(mixed.stdout)] == ["failed", "created"]
    usage = newsbot("show", "abc", db=db)
    assert usage.returncode == 2 and b"Traceback" not in usage.stderr
    assert newsbot("frobnicate", db=db).returncode == 2


def test_unopenable_database_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 1000)
    r = newsbot("list", db=bad)
    assert r.returncode == 1
    assert r.stderr.decode().strip().startswith("newsbot: cannot open database")
    assert len(r.stderr.decode().strip().splitlines()) == 1


def test_kill_9_mid_ingest_leaves_a_consistent_store(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    archive = tmp_path / "bulk.jsonl"
    rng = random.Random(5)
    vocab = [f"w{n}" for n in range(5000)]
    with archive.open("w") as f:
        for i in range(1500):
            body = " ".join(rng.choice(vocab) for _ in range(150))
            f.write(json.dumps({"id": f"a{i}", "title": f"Item {i}", "text": body}) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(db), "ingest", str(archive), "--json"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    count = 0
    while time.monotonic() < deadline and count < 50:
        time.sleep(0.2)
        if db.exists():
            try:
                conn = sqlite3.connect(db, timeout=1)
                count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
                conn.close()
            except sqlite3.Error:
                count = 0
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert count >= 50, "ingest did not get going"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")  # raises if out of step
    rows = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert rows < 1500
    indexed = conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'item'").fetchone()[0]
    assert indexed == rows  # every stored row is in the index, nothing half-written
    conn.close()
    # the store still opens and a rerun completes the batch without duplicating anything
    r = newsbot("ingest", str(archive), "--json", db=db)
    statuses = [x["status"] for x in lines(r.stdout)]
    assert statuses.count("duplicate") == rows and statuses.count("created") == 1500 - rows
