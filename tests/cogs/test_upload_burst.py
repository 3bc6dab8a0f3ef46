"""Issue 12 acceptance: while a 1.5-million-line upload runs in server A, 50 commands in server B are all
answered (the timings and the bot's peak memory are printed by bench/upload_burst.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.cogs.burst import ARTICLE, flood, run_burst
from tests.cogs.conftest import BBC, SEED, World, start_world, stop_world

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def capped(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    if not SEED.exists() or not BBC.exists():
        pytest.skip("../shared data is not beside the repository")
    w = await start_world(tmp_path_factory.mktemp("burst"), {"NEWSBOT_UPLOAD_MAX_ITEMS": "200000"})
    try:
        yield w
    finally:
        assert await stop_world(w) == 0
        w.emu.assert_no_violations()


async def test_a_flood_upload_in_one_server_leaves_another_answered(capped: World) -> None:
    burst = await run_burst(capped, commands=50)  # 1.5 million tiny lines, about 32 KB of gzip
    assert burst.ran_throughout  # 200,000 items take far longer than 50 commands
    assert burst.unanswered == 0
    assert len(burst.latencies) == 50
    assert burst.upload_title == "Ingested 0 of 200,001"  # 200,000 lines read (each one bad), then the cap
    assert burst.upload_text.startswith("✗ flood.jsonl.gz: the upload holds more than 200,000 items")


async def test_article_lines_stored_while_another_server_asks(capped: World) -> None:
    burst = await run_burst(capped, commands=10, data=flood(3_000, ARTICLE))
    assert burst.unanswered == 0
    assert burst.upload_title == "Ingested 1 of 3,000"  # one article, then 2,999 duplicates of it
