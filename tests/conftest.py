"""Shared fixtures: real SQLite files in a temporary folder and a real PostgreSQL database (both
backends behind the `store` and `db_location` fixtures), the shared data sets beside the repo."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.store import ArticleStore, create_store
from tests.support import pg

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED = SHARED / "seed" / "000_8b27f7ba246c2cdc.txt"


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the repository")
    return SHARED


_PG_STATE: dict[str, str | None] = {}


def _pg_skip_reason() -> str:
    return f"PostgreSQL at {pg.describe_server()} not reachable ({_PG_STATE.get('down')}): PostgreSQL half skipped"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _PG_STATE.get("down"):
        terminalreporter.write_line(_pg_skip_reason(), yellow=True)


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    """One migrated database for the whole session (dropped at the end)."""
    if "down" not in _PG_STATE:
        _PG_STATE["down"] = pg.unavailable_reason()
    if _PG_STATE["down"]:
        if os.environ.get("CI", "").lower() == "true":
            why = _PG_STATE["down"]
            pytest.fail(
                f"CI=true needs PostgreSQL at {pg.describe_server()}, not reachable ({why})", pytrace=False
            )
        pytest.skip(_pg_skip_reason())
    url = pg.create_database()
    try:
        pg.migrate(url)
        yield url
    finally:
        pg.drop_database(url)


@pytest.fixture
def pg_url(pg_session_url: str) -> str:
    """The session's PostgreSQL database with every table empty."""
    pg.empty_tables(pg_session_url)
    return pg_session_url


@pytest.fixture
def fresh_database(pg_session_url: str) -> Iterator[str]:
    """A PostgreSQL database of the test's own (unmigrated), dropped afterwards."""
    url = pg.create_database("newsbot_own")
    try:
        yield url
    finally:
        pg.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_location(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where the test's store lives: a SQLite file path or a PostgreSQL URL (the same on reopen)."""
    if backend == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "news.db")


@pytest.fixture
async def store(db_location: str) -> AsyncIterator[ArticleStore]:
    s = create_store(db_location)
    await s.open()
    try:
        yield s
    finally:
        await s.close()


from tests.emulator.fixtures import discord_pointed_at, emulator  # noqa: E402, F401


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """With CI=true no test may skip (missing ../shared data, no root for a tmpfs...): a skip fails."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which runs every test: {reason}"
