"""Issue 12 acceptance: over random sequences of ingests, updates, feed items and deletes from several
servers and the global scope, no operation from one server changes any byte of what another scope sees
(its articles' rows, analysis, dedupe fingerprints and related-piece vectors)."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.ingest.pipeline import Ingestor, default_analyzer
from bot.models import ExtractedArticle, Paragraph
from bot.store import Scope, create_store
from bot.store.sqlite.store import SQLiteStore

SCOPES: list[int | None] = [None, 111, 222]
URLS = [None, "https://news.example/a", "https://www.news.example/a/?utm_source=x", "https://news.example/b"]
IDS = [None, "ext-1"]
BASE = [
    "The port authority opened a new container terminal on Monday after three years of construction work "
    "and said it would double capacity, bringing two hundred jobs to the town and its surrounding villages.",
    "Farmers in the northern valley reported the wettest spring in forty years, with several fields still "
    "under water in May and the first harvest of the season expected to arrive at least a month late.",
    "The city council voted to extend the night bus network to the outer districts from September, after "
    "a consultation in which most residents said they had no way to get home after the last train left.",
]
TAILS = ["", " A spokesperson added further detail later in the day.", " Critics called the plan rushed."]

op = st.one_of(
    st.tuples(
        st.sampled_from(["ingest", "feed"]),
        st.sampled_from(SCOPES),
        st.integers(0, len(URLS) - 1),
        st.integers(0, len(IDS) - 1),
        st.integers(0, len(BASE) - 1),
        st.integers(0, len(TAILS) - 1),
        st.integers(0, 3),  # published: days after a fixed date (older copies are duplicates)
    ),
    st.tuples(st.just("delete"), st.sampled_from(SCOPES), st.integers(1, 12)),
)


async def view(store: SQLiteStore, scope: int | None) -> tuple[Any, ...]:
    """Every byte a scope can read: its visible rows (all columns), their bands and vectors."""
    where, params = (
        ("guild_id IS NULL", []) if scope is None else ("(guild_id = ? OR guild_id IS NULL)", [scope])
    )
    async with store.db.execute(f"SELECT * FROM articles WHERE {where} ORDER BY id", params) as cur:
        rows = [tuple(r) for r in await cur.fetchall()]
    ids = [r[0] for r in rows]
    marks = ",".join("?" * len(ids)) or "NULL"
    async with store.db.execute(
        f"SELECT article_id, band_key FROM dedupe_bands WHERE article_id IN ({marks}) ORDER BY 1, 2", ids
    ) as cur:
        bands = [tuple(r) for r in await cur.fetchall()]
    vectors = await store.get_vectors(ids)
    return (rows, bands, sorted((k, repr(v)) for k, v in vectors.items()))


async def apply(ingestor: Ingestor, store: SQLiteStore, step: tuple[Any, ...]) -> None:
    kind, scope = step[0], step[1]
    if kind == "delete":
        await store.delete_article(step[2], Scope.guild(scope))
        return
    _, _, u, e, b, t, day = step
    text = BASE[b] + TAILS[t]
    extracted = ExtractedArticle(
        paragraphs=[
            Paragraph("text", text),
            Paragraph("text", f"Reported from scope {scope}." if t else "Fin."),
        ],
        url=URLS[u],
        title=f"Story {b}",
        published=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=day),
    )
    await ingestor.store_extracted(
        extracted,
        origin="feed" if kind == "feed" else "archive",
        source=kind,
        guild_id=scope,
        external_id=IDS[e],
    )


async def run(steps: list[tuple[Any, ...]], db: Path) -> None:
    store = create_store(db)
    assert isinstance(store, SQLiteStore)
    await store.open()
    try:
        ingestor = Ingestor(store, analyzer=default_analyzer())
        async with store.db.execute("PRAGMA table_info(articles)") as cur:
            duplicate_of = [r[1] for r in await cur.fetchall()].index("duplicate_of")
        for step in steps:
            actor = step[1]
            others = [s for s in SCOPES if s != actor and not (actor is None and s is not None)]
            # a server's op must leave every other scope's view alone; the operator's (global) op may
            # change what servers see through the global library, but never a server's own rows
            before = {s: await view(store, s) for s in others}
            own_rows_before = await server_rows(store, actor) if actor is None else None
            await apply(ingestor, store, step)
            for s in others:
                assert await view(store, s) == before[s], (step, s)
            if own_rows_before is not None:
                assert await server_rows(store, None) == _after_global(step, own_rows_before, duplicate_of), (
                    step
                )
    finally:
        await store.close()


async def server_rows(store: SQLiteStore, _: int | None) -> list[tuple[Any, ...]]:
    async with store.db.execute("SELECT * FROM articles WHERE guild_id IS NOT NULL ORDER BY id") as cur:
        return [tuple(r) for r in await cur.fetchall()]


def _after_global(step: tuple[Any, ...], rows: list[tuple[Any, ...]], col: int) -> list[tuple[Any, ...]]:
    """Servers' rows as the operator's step must leave them: untouched, except that deleting a global
    article unlinks a server's own copy of it (duplicate_of set to NULL: its text stays, it now stands
    alone, since the original it pointed at is gone)."""
    if step[0] != "delete":
        return rows
    return [r[:col] + (None,) + r[col + 1 :] if r[col] == step[2] else r for r in rows]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, min_size=2, max_size=14))
@example([("ingest", None, 1, 0, 0, 0, 0), ("feed", 111, 2, 0, 1, 1, 1)])  # the reported rewrite
@example([("ingest", None, 0, 1, 0, 0, 0), ("ingest", 222, 0, 1, 2, 0, 2)])  # by external id alone
def test_no_operation_from_one_scope_changes_what_another_sees(steps: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(steps, Path(tmp) / "news.db"))
