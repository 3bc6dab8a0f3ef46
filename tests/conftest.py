"""Shared fixtures: real SQLite files in a temporary folder, the shared data sets beside the repo."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import ArticleStore, create_store

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED = SHARED / "seed" / "000_8b27f7ba246c2cdc.txt"


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the repository")
    return SHARED


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ArticleStore]:
    s = create_store(tmp_path / "news.db")
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
