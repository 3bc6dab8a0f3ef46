"""Storage faults injected under the real CLI and digest runner; prints what newsbot did and what was lost
or doubled (the target is zero of both).

    .venv/bin/python bench/faults_storage.py

Needs root for the disk-full rows (a size-limited tmpfs of its own); without it those rows say why they
were skipped. `scenarios()` returns the rows for bench/reliability.py's table:
{"fault", "injected", "behaviour", "lost", "doubled"}.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.scheduler import ManualClock, TopicScheduler  # noqa: E402
from bot.store import create_store  # noqa: E402
from bot.store.sqlite.migrations import MIGRATIONS  # noqa: E402
from bot.topics.manage import new_topic  # noqa: E402
from tests.support.smallfs import CannotMount, fill, mounted_tmpfs  # noqa: E402

Row = dict[str, Any]
COMMANDS = [("list",), ("show", "1"), ("search", "x"), ("export",), ("feeds", "list"), ("topics", "list")]


def cli(db: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), *args],
        capture_output=True,
        text=True,
        input="",
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


def articles(folder: Path, first: int, count: int) -> list[str]:
    folder.mkdir(exist_ok=True)
    out = []
    for n in range(first, first + count):
        path = folder / f"story{n}.txt"
        body = " ".join(
            f"Dispatch {n} sentence {i} reports event{n * 97 + i} in town{i}." for i in range(400)
        )
        path.write_text(f"Story number {n}\n\n{body}\n")
        out.append(str(path))
    return out


def query(db: Path, sql: str) -> Any:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def doubles(db: Path) -> int:
    return int(query(db, "SELECT count(*) - count(DISTINCT content_hash) FROM articles"))


def clean(stderr: str) -> bool:
    return "Traceback" not in stderr


def disk_full_ingest(tmp: Path) -> Row:
    with mounted_tmpfs(tmp / "fs1", 8192) as fs:
        db = fs / "news.db"
        cli(db, "ingest", *articles(tmp / "in", 0, 3))
        filler = fill(fs, leave_kb=400)
        batch = articles(tmp / "in", 3, 40)
        full = cli(db, "ingest", *batch)
        failed = sum(line.startswith("failed") for line in full.stderr.splitlines())
        ok = query(db, "PRAGMA integrity_check") == "ok" and clean(full.stderr)
        filler.unlink()
        again = cli(db, "ingest", *batch)
        lost = 43 - int(query(db, "SELECT count(*) FROM articles"))
        behaviour = (
            f"{failed} items failed 'disk … full', exit {full.returncode}, integrity "
            f"{'ok' if ok else 'BAD'}; after space returned exit {again.returncode}, {43 - lost} of 43 stored"
        )
        return {
            "fault": "disk full during ingest",
            "injected": failed,
            "behaviour": behaviour,
            "lost": lost,
            "doubled": doubles(db),
        }


def disk_full_at_start(tmp: Path) -> Row:
    with mounted_tmpfs(tmp / "fs2", 2048) as fs:
        db = fs / "news.db"
        cli(db, "ingest", *articles(tmp / "in", 0, 1))
        before = db.read_bytes()
        filler = fill(fs)
        refused = [cli(db, *c) for c in COMMANDS]
        one_line = all(len(r.stderr.strip().splitlines()) == 1 and r.returncode == 1 for r in refused)
        untouched = db.read_bytes() == before
        filler.unlink()
        reopened = cli(db, "list").returncode == 0
        return {
            "fault": "disk full at start",
            "injected": len(refused),
            "behaviour": f"one line and exit 1: {one_line}; file untouched: {untouched}; opens after: {reopened}",
            "lost": int(query(db, "SELECT count(*) FROM articles") != 1),
            "doubled": 0,
        }


class Poster:
    """Discord as the digest runner sees it: enforce_nonce returns the same message for a nonce."""

    def __init__(self) -> None:
        self.messages: dict[str, int] = {}
        self.on_send: Any = None

    async def channel_kind(self, channel_id: int) -> str:
        return "text"

    async def send(self, channel_id: int, content: str, *, nonce: str, role_id: int | None = None) -> int:
        mid = self.messages.setdefault(nonce, len(self.messages) + 1000)
        if self.on_send:
            self.on_send()
        return mid

    async def find_sent(self, channel_id: int, content: str, after: Any) -> int | None:
        return None

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        return message_id

    async def create_forum_post(self, *args: Any, **kw: Any) -> tuple[int, int]:
        raise NotImplementedError

    async def find_forum_post(self, forum_id: int, name: str) -> int | None:
        return None


async def disk_full_digest(tmp: Path, when: str) -> Row:
    from bot.ingest.pipeline import Ingestor
    from bot.models import ExtractedArticle, Paragraph

    with mounted_tmpfs(tmp / f"fs-{when}", 3072) as fs:
        db = fs / "news.db"
        clock, poster = ManualClock(datetime(2024, 3, 30, 6, tzinfo=UTC)), Poster()
        async with create_store(db) as store:
            topic = await new_topic(store, guild_id=1, channel_id=10, query="ukraine", now=clock.now())
            for n in range(3):
                text = " ".join(
                    f"Ukraine report {n} sentence {i} about event{n * 31 + i}." for i in range(20)
                )
                await Ingestor(store).store_extracted(
                    ExtractedArticle(paragraphs=[Paragraph("text", text)], title=f"Ukraine {n}"),
                    origin="text",
                    source="bench",
                    guild_id=1,
                )
            sched = TopicScheduler(store, poster, clock=clock)  # type: ignore[arg-type]
            clock.current = topic.next_run_at
            fillers: list[Path] = []
            if when == "before":
                fillers.append(fill(fs))
            else:
                poster.on_send = lambda: fillers or fillers.append(fill(fs))
            await sched.run_due()
            sent_during = len(poster.messages)
            ok = query(db, "PRAGMA integrity_check") == "ok"
            fillers[0].unlink()
            poster.on_send = None
            for _ in range(20):
                await sched.run_due()
                stored = await store.get_topic(topic.id, 1)
                if stored is not None and stored.pending is None and poster.messages:
                    break
                clock.current = clock.now() + timedelta(minutes=30)
        label = "the intent cannot be recorded" if when == "before" else "a send cannot be recorded"
        return {
            "fault": f"disk full during a digest ({label})",
            "injected": 1,
            "behaviour": f"{sent_during} sent while full, integrity {'ok' if ok else 'BAD'}; "
            f"{len(poster.messages)} message(s) on Discord once space returned",
            "lost": int(len(poster.messages) == 0),
            "doubled": max(0, len(poster.messages) - 1),
        }


HOLDER = (
    "import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\nc.execute('BEGIN IMMEDIATE')\n"
    "print('locked',flush=True)\nsys.stdin.read() if sys.argv[2]=='eof' else time.sleep(float(sys.argv[2]))\n"
    "c.execute('COMMIT')\n"
)


def locked(tmp: Path) -> list[Row]:
    db = tmp / "locked.db"
    cli(db, "ingest", *articles(tmp / "in", 0, 3))
    rows = []
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), "8.5"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    done = cli(db, "ingest", *articles(tmp / "in", 3, 1))
    holder.communicate(timeout=30)  # closes its pipes too
    rows.append(
        {
            "fault": "DB locked 8.5 s by another process",
            "injected": 1,
            "behaviour": f"retried past the 5 s busy timeout; exit {done.returncode}",
            "lost": 4 - int(query(db, "SELECT count(*) FROM articles")),
            "doubled": doubles(db),
        }
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), "eof"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    done = cli(db, "delete", "1")
    holder.communicate("", timeout=30)
    rows.append(
        {
            "fault": "DB locked until the command gives up",
            "injected": 1,
            "behaviour": f"one line ({done.stderr.strip()[:60]}…), exit {done.returncode}, traceback-free: {clean(done.stderr)}",
            "lost": 4 - int(query(db, "SELECT count(*) FROM articles")),
            "doubled": doubles(db),
        }
    )
    return rows


def refused(tmp: Path, name: str, make: Any, label: str) -> Row:
    db = tmp / f"{name}.db"
    make(db)
    before = db.read_bytes()
    results = [cli(db, *c, timeout=60) for c in COMMANDS]
    exits = all(r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 for r in results)
    return {
        "fault": label,
        "injected": len(results),
        "behaviour": f"refused at start in one line, process exits: {exits}; file unchanged: {db.read_bytes() == before}",
        "lost": int(db.read_bytes() != before),
        "doubled": 0,
    }


def _newer(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()


def _damaged(db: Path) -> None:
    cli(db, "ingest", *articles(db.parent / "in", 0, 2))
    data = bytearray(db.read_bytes())
    data[100:4096] = bytes(range(256)) * 15 + bytes(range(236))
    db.write_bytes(bytes(data))


def scenarios() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for label, run in (
            ("disk full during ingest", lambda: disk_full_ingest(tmp)),
            ("disk full at start", lambda: disk_full_at_start(tmp)),
            ("disk full during a digest (intent)", lambda: asyncio.run(disk_full_digest(tmp, "before"))),
            ("disk full during a digest (send)", lambda: asyncio.run(disk_full_digest(tmp, "after"))),
        ):
            try:
                rows.append(run())
            except CannotMount as exc:
                rows.append(
                    {"fault": label, "injected": 0, "behaviour": f"skipped: {exc}", "lost": 0, "doubled": 0}
                )
        rows += locked(tmp)
        rows.append(refused(tmp, "damaged", _damaged, "damaged DB file (schema page)"))
        rows.append(
            refused(tmp, "junk", lambda p: p.write_bytes(b"not a database " * 300), "not a database file")
        )
        rows.append(refused(tmp, "future", _newer, "schema newer than the code"))
    return rows


def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # the runner's retry warnings are expected here
    rows = scenarios()
    width = max(len(r["fault"]) for r in rows)
    print(f"{'fault':<{width}}  injected  lost  doubled  behaviour")
    for r in rows:
        print(
            f"{r['fault']:<{width}}  {r['injected']:>8}  {r['lost']:>4}  {r['doubled']:>7}  {r['behaviour']}"
        )


if __name__ == "__main__":
    main()
