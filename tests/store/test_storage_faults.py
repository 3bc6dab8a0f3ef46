"""Storage faults: a full disk during ingest and during a digest, a database locked by another process,
a damaged file, a newer schema. Each ends in one clear line (never a traceback), the process exits,
the store still passes its integrity check, and work resumes once the fault is gone."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.scheduler import ManualClock, TopicScheduler
from bot.store import Scope, create_store
from bot.store.sqlite.migrations import MIGRATIONS
from bot.topics.manage import new_topic
from tests.support.cli import newsbot_text
from tests.support.smallfs import fill, small_filesystem
from tests.topics.test_topics import START, FakePoster, add_article


def article_files(folder: Path, first: int, count: int) -> list[str]:
    folder.mkdir(exist_ok=True)
    paths = []
    for n in range(first, first + count):
        text = " ".join(f"Dispatch {n} sentence {i} reports event{n * 97 + i} in town{i}." for i in range(400))
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
            assert line.endswith("the disk holding the database is full; nothing was written (free some space and retry)")
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

            async def send_then_fill(channel_id: int, content: str, *, nonce: str, role_id: int | None = None) -> int:
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
