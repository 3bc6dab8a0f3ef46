"""`newsbot migrate`: everything copied, verified per table, refused into a non-empty target without
--resume, and a copy killed halfway then resumed ends identical (every article's export line)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.audit import AuditEntry
from bot.feeds.types import PendingAnnouncement
from bot.guild_settings import GuildSettings
from bot.store import create_store
from bot.store.rows import TABLES
from bot.topics.manage import new_topic
from tests.conftest import REPO
from tests.support.cli import newsbot, newsbot_text
from tests.topics.e2e import story

ARTICLES = 160


def _archive(path: Path, n: int) -> None:
    with path.open("w") as f:
        for i in range(n):
            row = {
                "title": f"Council report {i} on the harbour",
                "text": story(f"harbour plan {i}", f"Mayor Number{i}", i),
                "url": f"https://news.example/{i}",
                "source": f"Source {i % 5}",
                "published": f"2024-0{1 + i % 9}-1{i % 10}T08:00:00Z",
            }
            f.write(json.dumps(row) + "\n")
    # a duplicate (the duplicate log) and a syndicated copy
    with path.open("a") as f:
        f.write(
            json.dumps(
                {
                    "title": "Council report 0 on the harbour",
                    "text": story("harbour plan 0", "Mayor Number0", 0),
                    "url": "https://news.example/0",
                }
            )
            + "\n"
        )


async def _seed_rest(db: Path) -> None:
    """Feeds, their seen items and owed announcements, topics, settings: every other table has rows."""
    store = create_store(db)
    await store.open()
    try:
        now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
        for g in (1, 2, 3):
            sub, _ = await store.add_feed_subscription(
                "https://feeds.example/rss", g, channel_id=100 + g, added_by="test", now=now
            )
            await store.record_feed_items(
                sub.feed_id,
                [(f"guid-{g}-{k}", k + 1) for k in range(3)],
                [PendingAnnouncement(sub.id, g, f"Item {g}", "https://news.example/1", now)],
            )
            await store.set_guild_settings(g, GuildSettings(summary_length="long", accent_colour=0x123456))
            await new_topic(store, guild_id=g, channel_id=200 + g, query="harbour -tunnel", now=now)
            await store.add_audit(
                AuditEntry(
                    g, f"discord:{10 + g}", "Ada", "panel", "feed.add", "https://feeds.example/rss", now
                )
            )
    finally:
        await store.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("migrate-source")
    db = folder / "source.db"
    archive = folder / "a.jsonl"
    _archive(archive, ARTICLES)
    done = newsbot("ingest", "--jsonl", str(archive), db=db)
    assert done.returncode == 0, done.stderr
    asyncio.run(_seed_rest(db))
    return db


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t.name: conn.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] for t in TABLES}


def test_every_table_has_rows_to_copy(source: Path) -> None:
    counts = _counts(source)
    assert counts["articles"] == ARTICLES
    assert all(n > 0 for n in counts.values()), counts


def test_migrate_copies_everything_and_verifies(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    done = newsbot_text("migrate", "--from", str(source), "--to", str(target), "--no-progress", db=source)
    assert done.returncode == 0, done.stderr
    table_lines = {line.split()[0]: line.split() for line in done.stdout.splitlines()[1:]}
    assert set(table_lines) == {t.name for t in TABLES}
    for name, (_, copied, src, dst, digest) in table_lines.items():
        assert copied == src == dst, name
        assert len(digest) == 32
    assert _counts(target) == _counts(source)
    assert newsbot("export", db=target).stdout == newsbot("export", db=source).stdout

    again = newsbot_text("migrate", "--from", str(source), "--to", str(target), db=source)
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1
    assert "already holds data" in again.stderr and "--resume" in again.stderr

    # resuming a finished copy copies nothing and still verifies
    resumed = newsbot_text(
        "migrate", "--from", str(source), "--to", str(target), "--resume", "--no-progress", db=source
    )
    assert resumed.returncode == 0, resumed.stderr
    assert _counts(target) == _counts(source)


def test_verification_reports_a_difference(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    assert (
        newsbot("migrate", "--from", str(source), "--to", str(target), "--no-progress", db=source).returncode
        == 0
    )
    with sqlite3.connect(target) as conn:
        conn.execute("UPDATE topics SET query = 'changed' WHERE id = 1")
    resumed = newsbot_text("migrate", "--from", str(source), "--to", str(target), "--resume", db=source)
    assert resumed.returncode == 1
    assert "differs from the source in: topics" in resumed.stderr
    assert "DIFFERS" in resumed.stdout


def test_killed_halfway_then_resumed_is_identical(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "migrate", "--from", str(source), "--to", str(target), "--batch", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    copied = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=1) as conn:
                copied = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        except sqlite3.OperationalError:
            copied = 0
        if copied >= ARTICLES // 4:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    partial = _counts(target)
    assert 0 < partial["articles"] <= ARTICLES
    assert partial != _counts(source)

    refused = newsbot_text("migrate", "--from", str(source), "--to", str(target), db=source)
    assert refused.returncode == 2

    resumed = newsbot_text(
        "migrate", "--from", str(source), "--to", str(target), "--resume", "--batch", "7", db=source
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "articles" in resumed.stderr  # the progress bar names the table it copies
    assert _counts(target) == _counts(source)
    theirs = newsbot("export", db=source).stdout.splitlines()
    ours = newsbot("export", db=target).stdout.splitlines()
    assert len(ours) == ARTICLES
    assert [a for a, b in zip(theirs, ours, strict=True) if a != b] == []


def test_bad_arguments_are_usage_errors(source: Path, tmp_path: Path) -> None:
    same = newsbot_text("migrate", "--from", str(source), "--to", str(source), db=source)
    assert same.returncode == 2 and "same store" in same.stderr
    batch = newsbot_text(
        "migrate", "--from", str(source), "--to", str(tmp_path / "x.db"), "--batch", "0", db=source
    )
    assert batch.returncode == 2


def _kill_halfway(source: str, target: str, progress_of: Callable[[], int]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "migrate", "--from", source, "--to", target, "--batch", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and progress_of() < ARTICLES // 4:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.postgres
def test_sqlite_to_postgres_killed_resumed_and_back(
    source: Path, fresh_database: str, tmp_path: Path
) -> None:
    """The operator's path (SQLite → PostgreSQL, interrupted and resumed), then back to a new SQLite file:
    every article's export line is the same on all three."""

    def pg_articles() -> int:
        async def count() -> int:
            import asyncpg

            try:
                con = await asyncpg.connect(fresh_database, timeout=5)
            except Exception:
                return 0
            try:
                return int(await con.fetchval("SELECT count(*) FROM articles"))
            except Exception:
                return 0
            finally:
                await con.close()

        return asyncio.run(count())

    _kill_halfway(str(source), fresh_database, pg_articles)
    assert 0 < pg_articles() < ARTICLES
    refused = newsbot_text("migrate", "--from", str(source), "--to", fresh_database, db=source)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    resumed = newsbot_text(
        "migrate", "--from", str(source), "--to", fresh_database, "--resume", "--no-progress", db=source
    )
    assert resumed.returncode == 0, resumed.stderr
    expected = newsbot("export", db=source).stdout.splitlines()
    assert len(expected) == ARTICLES
    on_pg = newsbot("export", db=fresh_database).stdout.splitlines()
    assert [a for a, b in zip(expected, on_pg, strict=True) if a != b] == []

    back = tmp_path / "back.db"
    returned = newsbot_text("migrate", "--from", fresh_database, "--to", str(back), "--no-progress", db=back)
    assert returned.returncode == 0, returned.stderr
    assert _counts(back) == _counts(source)
    assert newsbot("export", db=back).stdout.splitlines() == expected
