"""A server's settings changed through one process reach another process's cache within SETTINGS_TTL."""

from __future__ import annotations

import pytest

import bot.services as services
from bot.ingest.pipeline import Ingestor
from bot.services import SETTINGS_TTL, NewsService
from bot.store import ArticleStore


async def test_a_change_elsewhere_is_seen_after_the_ttl(
    store: ArticleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: now[0])
    here = NewsService(store, Ingestor(store))
    there = NewsService(store, Ingestor(store))  # another gateway process over the same database
    assert (await here.guild_settings(7)).summary_length == "medium"
    await there.update_guild_settings(7, summary_length="long")
    assert (await there.guild_settings(7)).summary_length == "long"
    assert (await here.guild_settings(7)).summary_length == "medium"  # cached a moment longer
    now[0] += SETTINGS_TTL + 0.1
    assert (await here.guild_settings(7)).summary_length == "long"
    assert SETTINGS_TTL <= 5
