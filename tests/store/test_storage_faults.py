"""Storage faults: a full disk during ingest and during a digest, a database locked by another process,
a damaged file, a newer schema. Each ends in one clear line (never a traceback), the process exits,
the store still passes its integrity check, and work resumes once the fault is gone."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.scheduler import ManualClock, TopicScheduler
from bot.store import create_store
from bot.store.sqlite.migrations import MIGRATIONS
from bot.topics.manage import new_topic
from tests.support.cli import newsbot_text
from tests.support.smallfs import fill, small_filesystem
from tests.topics.test_topics import START, FakePoster, add_article


def article_files(folder: Path, first: int, count: int) -> list[str]:
    folder.mkdir(exist_ok=True)
    paths = []
    for n in range(first, first + count):
        text = " ".join(
            f"Dispatch {n} sentence {i} reports event{n * 97 + i} in town{i}." for i in range(400)
        )
        path = folder / f"story{n}.txt"
        path.write_text(f"Story number {n}\n\n{text}\n")
        paths.append(str(path))
    return paths


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def count_articles(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        conn.close()


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_disk_full_during_ingest_is_a_clear_error_and_ingest_resumes(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "fs", 8192) as fs:
        db = fs / "news.db"
        first = newsbot_text("ingest", *article_files(tmp_path / "in", 0, 3), db=db)
        assert first.returncode == 0, first.stderr
        filler = fill(fs, leave_kb=400)  # room for a few more articles, not for the batch
        batch = article_files(tmp_path / "in", 3, 40)
        full = newsbot_text("ingest", *batch, db=db)
        assert full.returncode == 1
        assert "Traceback" not in full.stderr
        failures = [line for line in full.stderr.splitlines() if line.startswith("failed")]
        assert failures
        for line in failures:
            assert line.endswith(
                "the disk holding the database is full; nothing was written (free some space and retry)"
            )
        assert integrity(db) == "ok"
        stored = count_articles(db)
        assert 3 < stored < 43
        filler.unlink()
        again = newsbot_text("ingest", *batch, db=db)  # what was stored is a duplicate now
        assert again.returncode == 0, again.stderr
        assert count_articles(db) == 43
        assert integrity(db) == "ok"


def test_disk_already_full_refuses_to_open_with_one_line(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "fs", 2048) as fs:
        db = fs / "news.db"
        assert newsbot_text("ingest", *article_files(tmp_path / "in", 0, 1), db=db).returncode == 0
        before = db.read_bytes()
        filler = fill(fs)
        listed = newsbot_text("list", db=db)
        assert listed.returncode == 1
        assert "the disk holding the database is full" in one_line(listed.stderr)
        assert db.read_bytes() == before
        filler.unlink()
        assert newsbot_text("list", db=db).returncode == 0
        assert integrity(db) == "ok"


async def test_disk_full_during_a_digest_posts_it_once_when_space_returns(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "fs", 3072) as fs:
        db = fs / "news.db"
        clock, poster = ManualClock(START), FakePoster()
        async with create_store(db) as store:
            topic = await new_topic(store, guild_id=1, channel_id=10, query="ukraine", now=clock.now())
            for n in range(3):
                await add_article(store, n, "ukraine")
            sched = TopicScheduler(store, poster, clock=clock)  # type: ignore[arg-type]
            clock.current = topic.next_run_at
            filler = fill(fs)
            await sched.run_due()  # the intent cannot be recorded: nothing is sent
            assert poster.sent == []
            assert integrity(db) == "ok"
            filler.unlink()
            await _run_until_posted(sched, clock, poster)
            assert len(poster.sent) == 1
            assert "Ukraine story 0" in poster.sent[0][1]
        assert integrity(db) == "ok"


async def test_disk_filling_between_send_and_record_does_not_post_twice(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "fs", 3072) as fs:
        db = fs / "news.db"
        clock, poster = ManualClock(START), FakePoster()
        async with create_store(db) as store:
            topic = await new_topic(store, guild_id=1, channel_id=10, query="ukraine", now=clock.now())
            for n in range(3):
                await add_article(store, n, "ukraine")
            sched = TopicScheduler(store, poster, clock=clock)  # type: ignore[arg-type]
            clock.current = topic.next_run_at
            fillers: list[Path] = []
            real_send = poster.send

            async def send_then_fill(
                channel_id: int, content: str, *, nonce: str, role_id: int | None = None
            ) -> int:
                mid = await real_send(channel_id, content, nonce=nonce, role_id=role_id)
                if not fillers:
                    fillers.append(fill(fs))  # Discord has the message; recording it will fail
                return mid

            poster.send = send_then_fill  # type: ignore[method-assign]
            await sched.run_due()
            assert len(poster.sent) == 1
            assert integrity(db) == "ok"
            fillers[0].unlink()
            await _run_until_posted(sched, clock, poster)
            assert len(poster.sent) == 1  # resent with the same nonce: Discord returns the same message
            stored = await store.get_topic(topic.id, 1)
            assert stored is not None and stored.pending is None


async def _run_until_posted(sched: TopicScheduler, clock: ManualClock, poster: FakePoster) -> None:
    """Let the retry schedule run (it backs off minutes at a time) until nothing is pending."""
    from datetime import timedelta

    for _ in range(20):
        await sched.run_due()
        topics = await sched.store.due_topics(clock.now() + timedelta(days=1), limit=10)
        if all(t.pending is None for t in topics) and poster.sent:
            return
        clock.current = clock.now() + timedelta(minutes=30)
    raise AssertionError("the digest was never completed")


# --- refusals at start: each is one line, exits, and leaves the file as it was --------------------

REFUSING_COMMANDS = [
    ("list",),
    ("show", "1"),
    ("search", "ukraine"),
    ("export",),
    ("feeds", "list"),
    ("topics", "list"),
    ("ingest", "-"),
    ("delete", "1"),
]


def run_bounded(args: tuple[str, ...], db: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The CLI with a timeout: a refusal that leaves a thread behind would hang here."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), *args],
        capture_output=True,
        text=True,
        input="",
        timeout=timeout,
        cwd=Path(__file__).resolve().parents[2],
        env={k: v for k, v in __import__("os").environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))},
    )


@pytest.mark.parametrize("command", REFUSING_COMMANDS, ids=" ".join)
def test_newer_schema_is_refused_and_the_process_exits(tmp_path: Path, command: tuple[str, ...]) -> None:
    db = tmp_path / "future.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    before = db.read_bytes()
    done = run_bounded(command, db)
    assert done.returncode == 1
    assert one_line(done.stderr).endswith(
        f"has schema version {len(MIGRATIONS) + 1}, newer than this newsbot ({len(MIGRATIONS)}); upgrade newsbot"
    )
    assert db.read_bytes() == before


def populated(tmp_path: Path) -> Path:
    db = tmp_path / "news.db"
    done = newsbot_text("ingest", *article_files(tmp_path / "in", 0, 3), db=db)
    assert done.returncode == 0, done.stderr
    return db


@pytest.mark.parametrize("command", REFUSING_COMMANDS[:4], ids=" ".join)
def test_a_file_that_is_not_a_database_is_refused_and_kept(tmp_path: Path, command: tuple[str, ...]) -> None:
    db = tmp_path / "news.db"
    db.write_bytes(b"PK\x03\x04 a zip archive, not a database" * 200)
    before = db.read_bytes()
    done = run_bounded(command, db)
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert "the database file is damaged or not a newsbot database" in line
    assert line.endswith("it was left untouched")
    assert db.read_bytes() == before
    assert not (tmp_path / "news.db-wal").exists()


def test_a_damaged_schema_page_is_refused_and_kept(tmp_path: Path) -> None:
    db = populated(tmp_path)
    data = bytearray(db.read_bytes())
    data[100:4096] = bytes(range(256)) * 15 + bytes(range(236))  # page 1 after the header: the schema
    db.write_bytes(bytes(data))
    done = run_bounded(("list",), db)
    assert done.returncode == 1
    assert "the database file is damaged or not a newsbot database" in one_line(done.stderr)
    assert db.read_bytes() == bytes(data)


async def test_a_newer_schema_is_refused_in_process_and_the_connection_closed(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 3}")
    conn.close()
    store = create_store(db)
    with pytest.raises(StoreError, match="newer than this newsbot"):
        await store.open()
    import threading

    assert [t for t in threading.enumerate() if type(t).__name__ == "Connection"] == []


# --- another process holding the write lock ----------------------------------------------------

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
if sys.argv[2] == "until-eof":
    sys.stdin.read()
else:
    time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def hold_lock(db: Path, how: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), how], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


@pytest.mark.slow
def test_a_lock_held_past_the_busy_timeout_is_waited_out(tmp_path: Path) -> None:
    db = populated(tmp_path)
    holder = hold_lock(db, "8.5")  # longer than one busy timeout (5 s), shorter than the retry (10 s)
    try:
        done = newsbot_text("ingest", *article_files(tmp_path / "in", 3, 1), db=db)
    finally:
        holder.communicate(timeout=30)  # closes its pipes too
    assert done.returncode == 0, done.stderr
    assert count_articles(db) == 4


@pytest.mark.slow
def test_a_lock_never_released_ends_in_one_clear_line(tmp_path: Path) -> None:
    db = populated(tmp_path)
    holder = hold_lock(db, "until-eof")
    try:
        deleted = run_bounded(("delete", "1"), db)
        ingested = newsbot_text("ingest", *article_files(tmp_path / "in", 3, 1), db=db)
    finally:
        holder.communicate("", timeout=30)
    message = (
        "the database is locked by another process (a backup or another newsbot command) for more than "
        "10 s; retry when it has finished"
    )
    assert deleted.returncode == 1
    assert one_line(deleted.stderr) == f"newsbot: {message}"
    assert ingested.returncode == 1
    assert "Traceback" not in ingested.stderr
    assert ingested.stderr.splitlines()[0].endswith(message)
    assert count_articles(db) == 3
    assert integrity(db) == "ok"
