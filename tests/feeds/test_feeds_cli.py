"""`newsbot feeds add|list|remove|poll` as an operator runs them: a subprocess on a real SQLite file, a
local HTTP server serving a feed from ../shared/data/feeds (its links pointed at the same server, so
nothing reaches the internet), exit codes and one line on stderr."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.feeds.conftest import FEEDS, FeedServer

HERALD = FEEDS / "rss-parser_test_input" / "heraldsun.rss"


@dataclass
class Run:
    code: int
    rows: list[dict[str, object]]
    err: list[str]


async def newsbot(db: Path, *args: str) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    env["NEWSBOT_FETCH_ALLOW"] = "127.0.0.1"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--db",
        str(db),
        *args,
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    rows = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    return Run(proc.returncode, rows, err.decode().splitlines())


@pytest.fixture
def herald(feed_server: FeedServer) -> str:
    """The shared RSS 0.92 sample, its item links rewritten to the local server (which answers 404, so
    the items are stored from the feed's own text)."""
    if not HERALD.is_file():
        pytest.skip("../shared/data/feeds missing")
    body = HERALD.read_bytes().replace(b"http://www.oreilly.com", feed_server.url("article").encode())
    feed_server.dynamic["herald.xml"] = (body, "application/rss+xml")
    return feed_server.url("dyn/herald.xml")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_add_list_readd_with_new_interval_remove(
    db_location: str, herald: str, feed_server: FeedServer
) -> None:
    db = db_location
    added = await newsbot(db, "feeds", "add", herald)
    assert added.code == 0 and added.err == [], added
    [row] = added.rows
    assert (
        row["created"] is True
        and row["status"] == "ok"
        and row["stored"] == 2
        and row["interval_minutes"] == 15
    )
    articles = await newsbot(db, "list", "--json")
    assert sorted(str(a["title"]) for a in articles.rows) == ["The First Item", "The Second Item"]

    [listed] = (await newsbot(db, "feeds", "list")).rows
    assert (
        listed["id"] == row["subscription"]
        and listed["url"] == herald
        and listed["title"] == "RSS0.92 Example"
    )
    assert listed["interval_minutes"] == 15 and listed["paused"] is False

    again = await newsbot(db, "feeds", "add", herald, "--every", "30")
    assert again.code == 0 and again.err == [], again
    assert again.rows[0]["created"] is False and again.rows[0]["updated"] == ["interval"]
    assert again.rows[0]["interval_minutes"] == 30 and again.rows[0]["status"] == "not modified"
    assert [r["interval_minutes"] for r in (await newsbot(db, "feeds", "list")).rows] == [30]
    same = await newsbot(db, "feeds", "add", herald, "--every", "30", "--no-poll")
    assert same.code == 0 and same.rows[0]["created"] is False and same.rows[0]["updated"] == []
    faster = await newsbot(db, "feeds", "add", herald, "--every", "10", "--no-poll")
    assert faster.rows[0]["updated"] == ["interval"] and faster.rows[0]["interval_minutes"] == 10

    removed = await newsbot(db, "feeds", "remove", str(row["subscription"]))
    assert removed.code == 0 and removed.rows == [{"removed": row["subscription"]}]
    assert (await newsbot(db, "feeds", "list")).rows == []
    gone = await newsbot(db, "feeds", "remove", str(row["subscription"]))
    assert gone.code == 1 and len(gone.err) == 1 and "no feed subscription" in gone.err[0], gone
    assert feed_server.statuses("dyn/herald.xml") == [200, 304]  # --no-poll fetched nothing


@pytest.mark.parametrize("every", ["3", "0", "-5", "1441"])
async def test_interval_outside_the_range_is_a_usage_error(db_location: str, herald: str, every: str) -> None:
    db = db_location
    r = await newsbot(db, "feeds", "add", herald, "--every", every)
    assert r.code == 2 and len(r.err) == 1, r
    assert "at least 5 minutes" in r.err[0] and "1440" in r.err[0] and every in r.err[0]
    assert (await newsbot(db, "feeds", "list")).rows == []


async def test_url_that_is_no_feed_is_not_kept_transient_failure_is(
    db_location: str, herald: str, feed_server: FeedServer
) -> None:
    db = db_location
    feed_server.dynamic["page.html"] = (b"<html><body><p>Just a page</p></body></html>", "text/html")
    for path, reason in (("not-a-feed", "not found"), ("dyn/page.html", "not a feed")):
        r = await newsbot(db, "feeds", "add", feed_server.url(path))
        assert r.code == 1 and len(r.err) == 1, r  # the reason once: no log warning repeating it
        assert reason in r.err[0] and "not followed" in r.err[0] and "Traceback" not in r.err[0]
        assert r.rows[0]["followed"] is False
    assert (await newsbot(db, "feeds", "list")).rows == []

    down = f"http://127.0.0.1:{closed_port()}/feed.xml"  # nothing listening: may come back, so kept
    r = await newsbot(db, "feeds", "add", down)
    assert (
        r.code == 0 and len(r.err) == 1 and r.err[0].startswith("newsbot: warning:") and down in r.err[0]
    ), r
    assert [f["url"] for f in (await newsbot(db, "feeds", "list")).rows] == [down]

    # a feed followed before keeps its subscription when a re-add finds it gone, but says so
    ok = await newsbot(db, "feeds", "add", herald)
    assert ok.code == 0
    del feed_server.dynamic["herald.xml"]
    r = await newsbot(db, "feeds", "add", herald)
    assert r.code == 1 and len(r.err) == 1 and "still followed" in r.err[0], r
    assert herald in [f["url"] for f in (await newsbot(db, "feeds", "list")).rows]


async def test_poll_exits_1_with_one_line_per_failing_feed(
    db_location: str, herald: str, feed_server: FeedServer
) -> None:
    db = db_location
    gone, also_gone = feed_server.url("dyn/gone.xml"), feed_server.url("dyn/also-gone.xml")
    for url in (herald, gone, also_gone):
        assert (await newsbot(db, "feeds", "add", url, "--no-poll")).code == 0
    polled = await newsbot(db, "feeds", "poll")
    assert polled.code == 1, polled
    assert sorted(str(r["status"]) for r in polled.rows) == ["failed", "failed", "ok"]
    assert len(polled.err) == 2, polled.err  # one line per failing feed, no log lines beside them
    assert sorted(polled.err) == [
        f"newsbot: feed 2 {gone}: HTTP 404 Not Found",
        f"newsbot: feed 3 {also_gone}: HTTP 404 Not Found",
    ]
    assert (await newsbot(db, "feeds", "remove", "2")).code == 0 and (
        await newsbot(db, "feeds", "remove", "3")
    ).code == 0
    quiet = await newsbot(db, "feeds", "poll")  # nothing due, nothing failing
    assert quiet.code == 0 and quiet.err == [] and quiet.rows == []
    verbose = await newsbot(db, "-v", "feeds", "add", feed_server.url("dyn/gone.xml"))
    assert verbose.code == 1 and any("feed poll failed" in line for line in verbose.err)  # -v keeps the log
