"""A command that had to show a public "thinking…" message and then fails must not tell the whole
channel: on Discord the first followup takes the thinking message's place and keeps its visibility.
NEWSBOT_DEFER_AFTER=0 makes every reading command defer, so the path is exercised every time."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.cogs.conftest import BBC, SEED, World, finish_world, start_world

EPHEMERAL = 64


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def slow_world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    if not SEED.exists() or not BBC.exists():
        pytest.skip("../shared data is not beside the repository")
    w = await start_world(tmp_path_factory.mktemp("deferred"), {"NEWSBOT_DEFER_AFTER": "0"})
    try:
        yield w
    finally:
        await finish_world(w)


@pytest.mark.asyncio(loop_scope="module")
async def test_an_error_after_a_public_deferral_stays_private(slow_world: World) -> None:
    emu = slow_world.emu
    inter = await emu.invoke("summary", {"article": "no such zzqx article"})
    cb = await emu.wait_response(inter, timeout=10)
    assert cb.type == 5 and not (cb.data or {}).get("flags", 0) & EPHEMERAL  # public "thinking…"
    error = await emu.wait_followup(inter, timeout=20)
    assert "can't find" in error["content"] and error["flags"] & EPHEMERAL
    assert inter.original_id is not None and emu.message(inter.original_id) is None  # thinking removed
    public = [m for m in emu.messages(inter.payload["channel_id"]) if not m.get("flags", 0) & EPHEMERAL]
    assert all("can't find" not in (m.get("content") or "") for m in public)


@pytest.mark.asyncio(loop_scope="module")
async def test_a_deferred_answer_is_still_public(slow_world: World) -> None:
    inter, msg = await slow_world.ask("summary", {"article": str(slow_world.ids["seed"])})
    assert msg.get("embeds") and not msg.get("flags", 0) & EPHEMERAL
    assert slow_world.emu.message(inter.original_id or 0) is not None
