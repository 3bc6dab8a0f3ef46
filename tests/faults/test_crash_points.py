"""SIGKILL at random points of a mixed workload (CLI ingests, feed polls and announcements, hourly topic
digests), restarting each time; then nothing lost, nothing doubled, nothing owed forgotten. The bench
(bench/reliability.py) runs more cycles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.faults.crash import crash_cycles

pytestmark = pytest.mark.slow


async def test_sigkill_at_random_points_loses_and_doubles_nothing(tmp_path: Path) -> None:
    seed = int(os.environ.get("NEWSBOT_CRASH_SEED", "14"))
    found = await crash_cycles(tmp_path, cycles=8, seed=seed)
    assert found["broken"] == 0, found["broken_examples"]  # every article whole (or absent)
    assert found["feed_missing"] == 0 and found["feed_doubled"] == 0, found
    assert found["announce_missing"] == 0 and found["announce_doubled"] == 0, found
    assert found["digest_missing"] == 0 and found["digest_doubled"] == 0, found
    assert found["owed"] == 0, found
    assert found["feed_items"] == 17 and found["announced"] == 16  # the first poll stores quietly
    assert found["exit_code"] == 0
    assert found["errors"] == []
