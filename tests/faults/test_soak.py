"""A short soak (half a simulated day of 200 feeds and 500 topics, time compressed): memory, open file
descriptors and asyncio tasks stay flat and the bot logs no warning. bench/reliability.py runs a week."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.soak import soak

pytestmark = pytest.mark.slow


async def test_short_soak_stays_flat_and_quiet(tmp_path: Path) -> None:
    found = await soak(tmp_path, feeds=200, topics=500, hours=12, rate=1800.0)
    first, last = found["first"], found["last"]
    baseline, drained = found["baseline"], found["drained"]
    print(f"soak first hour {first}, last hour {last}; idle before {baseline}, after {drained}")
    assert found["warnings"] == []
    assert found["violations"] == []
    assert found["digests_posted"] > 0 and found["announcements"] > 0  # the work did happen
    assert last["rss_mb"] <= first["rss_mb"] + 40  # a leak of a few kB per poll or digest would show
    # once the work in flight has ended, nothing was left behind: no task, no open descriptor
    assert drained["tasks"] <= baseline["tasks"]
    assert drained["fds"] <= baseline["fds"] + 4  # a few keep-alive connections may stay pooled
