"""Issue 12, finding 4: a typed id resolves as an id or fails; a title search never stands in for it."""

from __future__ import annotations

import pytest

from bot.errors import ArticleNotFound
from bot.ingest.pipeline import Ingestor
from bot.services import NewsService
from bot.store import ArticleStore, Scope

TEXT = "The river festival drew ten thousand visitors this weekend, organisers said on Sunday evening."


async def test_a_typed_id_that_is_not_visible_never_falls_back_to_a_title(store: ArticleStore) -> None:
    ingestor = Ingestor(store)
    news = NewsService(store, ingestor)
    [first] = await ingestor.ingest_text(TEXT, title="Festival report 2", guild_id=111)
    [theirs] = await ingestor.ingest_text(TEXT + " Other words.", title="Mine memo", guild_id=222)
    [own] = await ingestor.ingest_text(TEXT + " Day three.", title="Festival day 3", guild_id=111)
    assert (first.id, theirs.id, own.id) == (1, 2, 3)
    for typed in ("2", "#2", " #2 "):
        with pytest.raises(ArticleNotFound) as caught:
            await news.resolve(typed, Scope.guild(111))
        assert "no article #2 here" in str(caught.value)
    assert (await news.resolve("3", Scope.guild(111))).id == 3
    assert (await news.resolve("#1", Scope.guild(111))).id == 1
    assert (await news.resolve("Festival day", Scope.guild(111))).id == 3  # titles still resolve
