"""Issue 12, finding 5: /stats shows a server its own share of the store, not the whole database's size."""

from __future__ import annotations

from bot.ingest.pipeline import Ingestor
from bot.store import ArticleStore, Scope

WORDS = "The regional council met on Tuesday to discuss the budget for next year in great detail. "


async def test_stats_size_is_the_servers_share(store: ArticleStore) -> None:
    ingestor = Ingestor(store)
    await ingestor.ingest_text(WORDS * 3, title="Small", guild_id=111)
    for i in range(20):
        text = " ".join(f"word{i}n{j}" for j in range(3000)) + "."
        await ingestor.ingest_text(text, title=f"Big {i}", guild_id=222)
    small = await store.stats(Scope.guild(111))
    big = await store.stats(Scope.guild(222))
    whole = await store.stats(Scope.all())
    assert 0 < small.size_bytes < 10_000, small.size_bytes
    assert big.articles == 20 and big.size_bytes > 20 * 3000 * 6 > small.size_bytes
    assert whole.size_bytes >= big.size_bytes + small.size_bytes
