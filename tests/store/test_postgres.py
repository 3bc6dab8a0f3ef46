"""What only the PostgreSQL backend has: its schema table, connection failures said in one line, and a
server that drops its connections under a running store."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot.errors import StoreError, StoreUnavailable
from bot.ingest.dedupe import fingerprint
from bot.models import Article, Paragraph
from bot.search.query import parse_query
from bot.search.types import SearchFilters
from bot.store import Scope, create_store
from bot.store.postgres import PostgresStore
from bot.store.postgres import search as pg_search
from bot.store.postgres.migrations import DOCUMENT_VECTOR, MIGRATIONS
from bot.store.postgres.search import (
    RELATED_SLACK,
    SearchPlan,
    _top_by_shared_terms,
    _visible_share,
    phrase_pairs,
    plan_search,
)
from tests.support import pg
from tests.support.cli import newsbot_text

pytestmark = pytest.mark.postgres


def _article(title: str) -> Article:
    return Article(id=0, guild_id=None, title=title, paragraphs=[Paragraph("text", f"{title} body text.")])


async def test_migrations_recorded_once_and_reopen_is_idempotent(fresh_database: str) -> None:
    async with create_store(fresh_database):
        pass
    async with create_store(fresh_database) as s:
        assert await s.count_articles(Scope.all()) == 0
    con = await asyncpg.connect(fresh_database)
    try:
        assert await con.fetch("SELECT version FROM newsbot_schema") == [(len(MIGRATIONS),)]
        assert await con.fetchval("SELECT count(*) FROM pg_extension WHERE extname = 'unaccent'") == 1
    finally:
        await con.close()


async def test_stores_starting_together_migrate_once(fresh_database: str) -> None:
    stores = [PostgresStore(fresh_database) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        await stores[0].add_article(_article("Opened together"), fingerprint(_article("x").paragraphs))
        assert [await s.count_articles(Scope.all()) for s in stores] == [1, 1, 1, 1]
    finally:
        await asyncio.gather(*(s.close() for s in stores))


async def test_newer_schema_is_refused(fresh_database: str) -> None:
    async with create_store(fresh_database):
        pass
    con = await asyncpg.connect(fresh_database)
    await con.execute("UPDATE newsbot_schema SET version = $1", len(MIGRATIONS) + 5)
    await con.close()
    with pytest.raises(StoreError, match="newer than this newsbot"):
        async with create_store(fresh_database):
            pass


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://postgres@127.0.0.1:1/test", "cannot reach database server"),
        ("postgresql://postgres@127.0.0.1:5432/newsbot_no_such_database", "does not exist"),
        ("postgresql://newsbot_no_such_role@127.0.0.1:5432/test", "refused the login"),
        ("postgresql://postgres@127.0.0.1:notaport/test", "unreadable database URL"),
    ],
)
async def test_unusable_database_is_one_clear_error(pg_session_url: str, url: str, said: str) -> None:
    with pytest.raises(StoreUnavailable, match=said):
        async with create_store(url):
            pass


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://postgres@127.0.0.1:1/test", "cannot reach database server"),
        ("postgresql://postgres@127.0.0.1:5432/newsbot_no_such_database", "does not exist"),
        ("postgresql://postgres:secret@127.0.0.1:notaport/test", "unreadable database URL"),
        ("mysql://root@127.0.0.1/news", "unknown database URL scheme"),
    ],
)
def test_cli_says_what_is_wrong_in_one_line_and_exits_2(pg_session_url: str, url: str, said: str) -> None:
    done = newsbot_text("list", db=url)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0] and "Traceback" not in done.stderr
    assert "secret" not in done.stderr  # a password in the URL is never printed


async def _slow_request(store: PostgresStore) -> None:
    async with store._conn("slow request failed") as con:
        await con.execute("SELECT pg_sleep(5)")


async def test_terminated_connections_fail_cleanly_and_the_pool_reconnects(fresh_database: str) -> None:
    pg_url = fresh_database  # a database of its own: the only connections to it are this store's
    store = PostgresStore(pg_url, min_size=2, max_size=2)
    await store.open()
    try:
        first = await store.add_article(_article("Before the restart"), fingerprint(_article("a").paragraphs))
        admin = await asyncpg.connect(pg.ADMIN_URL)
        try:
            # a request in flight when the server drops every newsbot connection
            slow = asyncio.create_task(_slow_request(store))
            await asyncio.sleep(0.3)
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND application_name = 'newsbot'",
                pg_url.rsplit("/", 1)[1],
            )
            assert killed == 2
            with pytest.raises(StoreError):
                await slow
        finally:
            await admin.close()
        # the idle pooled connection was dropped too. A request that races the server's termination of
        # it (the backend not gone yet, the notice not read yet) fails cleanly, a StoreError, and that
        # connection is discarded; the next requests reconnect by themselves
        for attempt in range(2):
            try:
                found = await store.get_article(first.id, Scope.all())
                break
            except StoreError:
                if attempt:
                    raise
        assert found is not None
        second = await store.add_article(_article("After the restart"), fingerprint(_article("b").paragraphs))
        assert await store.count_articles(Scope.all()) == 2 and second.id > first.id
    finally:
        await store.close()


def _story(title: str, body: str, guild_id: int | None = None) -> Article:
    return Article(id=0, guild_id=guild_id, title=title, paragraphs=[Paragraph("text", body)])


async def test_related_term_whose_stem_is_far_broader_than_its_statistics_counts_for_nothing(
    fresh_database: str,
) -> None:
    # With no term statistics yet every term may bring RELATED_SLACK matches. "killed" is one lexeme
    # with "killing" here, so it matches more than that: it is left out rather than read in full.
    assert RELATED_SLACK < 60
    async with create_store(fresh_database) as store:
        for i in range(60):
            when = "afternoon" if i % 2 else "morning"  # 30 each: within the cap
            story = _story(f"Report {i}", f"The killing of time number {i} in the {when}.")
            await store.add_article(story, fingerprint(story.paragraphs))
        zebra = _story("Zebra killed", "A rare zebra was killed near the river.")
        zebra_id = (await store.add_article(zebra, fingerprint(zebra.paragraphs))).id
        found = await store.related_candidates(["killed", "zebra"], Scope.all(), limit=100)
        assert [c.id for c in found] == [zebra_id]
        # a term within its cap still brings every match, best-sharing first
        found = await store.related_candidates(["zebra", "river", "afternoon"], Scope.all(), limit=100)
        assert found[0].id == zebra_id and len(found) == 31


async def test_related_candidates_keep_to_the_scope(fresh_database: str) -> None:
    async with create_store(fresh_database) as store:
        ids = {}
        for guild in (None, 1, 2):
            story = _story(f"Glacier survey {guild}", "The glacier survey measured meltwater.", guild)
            ids[guild] = (await store.add_article(story, fingerprint(story.paragraphs))).id
        found = await store.related_candidates(["glacier", "meltwater"], Scope.guild(1), limit=10)
        assert sorted(c.id for c in found) == sorted([ids[None], ids[1]])
        found = await store.related_candidates(["glacier"], Scope.guild(None), limit=10)
        assert [c.id for c in found] == [ids[None]]


def test_shared_terms_rank_by_summed_idf_then_newest() -> None:
    # postings: (term number from 1, article id, visible in the scope)
    postings = [(1, 10, True), (1, 11, True), (2, 11, True), (2, 12, False), (3, 13, True), (3, 14, True)]
    ranked = _top_by_shared_terms(postings, idfs=[1.0, 2.0, 1.0], caps=[5, 5, 1], limit=10)  # type: ignore[arg-type]
    assert ranked == [11, 10]  # 11 shares both; term 3 overflowed its cap of 1; 12 is out of scope


async def test_phrases_are_found_through_adjacent_lexeme_pairs(fresh_database: str) -> None:
    async with create_store(fresh_database) as store:
        story = _story("Café Rouge reopens", "New harbour cranes arrived at the port.")
        await store.add_article(story, fingerprint(story.paragraphs))
        async with store._conn() as con:
            pairs = await phrase_pairs(con, parse_query('"harbour cranes" "CAFÉ rouge" port'))
            assert pairs == ("'harbour~crane' & 'cafe~roug'", False)  # "port" is checked on those rows
            assert await phrase_pairs(con, parse_query('"harbour cranes" "CAFÉ rouge"')) == (pairs[0], True)
            three = await phrase_pairs(con, parse_query('"new harbour cranes"'))
            assert three == ("'new~harbour' & 'harbour~crane'", False)  # positions checked: not only pairs
            assert await phrase_pairs(con, parse_query('harbour OR "new cranes"')) == (None, False)
            stored = await con.fetchval("SELECT tsp FROM articles")
            assert {"harbour~crane", "cafe~roug", "new~harbour"} <= set(stored.replace("'", "").split())
            assert "reopen~xxnewsbotfieldxx" in stored  # the field filler: no pair joins title and body
            assert "reopen~new" not in stored


def test_the_pairs_come_from_the_same_document_vector_as_tsv() -> None:
    assert " ".join(DOCUMENT_VECTOR.split()) in " ".join(MIGRATIONS[0].split())
    assert " ".join(DOCUMENT_VECTOR.split()) in " ".join(MIGRATIONS[5].split())


async def test_a_database_from_before_the_pairs_upgrades_and_finds_its_phrases(
    fresh_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.store.postgres.store as pg_store

    with monkeypatch.context() as old_code:
        old_code.setattr(pg_store, "MIGRATIONS", MIGRATIONS[:5])
        async with create_store(fresh_database) as store:
            story = _story("Quay report", "New harbour cranes arrived at the port.")
            first = (await store.add_article(story, fingerprint(story.paragraphs))).id
    async with create_store(fresh_database) as store:  # today's code adds and fills articles.tsp
        hits = await store.search(parse_query('"harbour cranes"'), SearchFilters(), Scope.all())
        assert [h.id for h in hits] == [first]
        async with store._conn() as con:
            assert await con.fetchval("SELECT version FROM newsbot_schema") == len(MIGRATIONS)
            assert await con.fetchval("SELECT tsp @@ 'harbour~crane'::tsquery FROM articles")


async def test_a_connection_left_broken_is_closed_and_never_handed_out_again(fresh_database: str) -> None:
    store = PostgresStore(fresh_database, min_size=1, max_size=1)
    await store.open()
    try:
        with pytest.raises(StoreError, match="another operation"):
            async with store._conn() as con:
                broken = con._con  # type: ignore[attr-defined]  # the connection behind the pool's proxy
                # what asyncpg raised once a termination left the protocol mid-operation (seen under load)
                raise asyncpg.InternalClientError(
                    "cannot switch to state 11; another operation (2) is in progress"
                )
        assert broken.is_closed()
        assert await store.count_articles(Scope.all()) == 0  # the pool's only slot holds a fresh connection
    finally:
        await store.close()


async def test_both_vectors_keep_finer_statistics(fresh_database: str) -> None:
    async with create_store(fresh_database):
        pass
    con = await asyncpg.connect(fresh_database)
    try:
        targets = await con.fetch(
            "SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = 'articles'::regclass "
            "AND attname IN ('tsv', 'tsp') ORDER BY attname"
        )
    finally:
        await con.close()
    assert [tuple(r) for r in targets] == [("tsp", 1000), ("tsv", 1000)]


def test_search_plan_weighs_walking_the_newest_rows_against_the_index() -> None:
    million = 1_000_000
    assert plan_search(3000, 3000, None, 1.0) == SearchPlan()  # nothing probed: the planner's way
    # "new" in half the rows: walking ~2,000 rows beats a posting list of 500,000
    assert plan_search(million, 4000, 0.5, 1.0).scan
    # ... still with a date filter keeping a third, or a server's scope
    assert plan_search(million, 4000, 0.5, 0.3).scan
    # a word in 5,000 rows: its index; the window of 700,000 ids costs more than fetching every match
    rare = plan_search(million, 700_000, 0.005, 1.0)
    assert not rare.scan and not rare.window_indexed
    # a word in 40,000 rows, the newest 37,500 ranked: the window's ids spare 38,500 fetches
    medium = plan_search(million, 37_500, 0.04, 1.0)
    assert not medium.scan and medium.window_indexed
    # a scope holding 80 % of the store is checked per row; one source in a thousand narrows the index
    assert not plan_search(million, 700_000, 0.005, 0.8).visible_indexed
    assert plan_search(million, 700_000, 0.005, 0.001).visible_indexed


def _dated(title: str, body: str, guild: int | None, source: str, days_ago: int) -> Article:
    story = _story(title, body, guild)
    story.source = source
    story.published = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(days=days_ago)
    return story


async def test_every_search_plan_finds_the_same_hits(
    fresh_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small stores never probe, so the walked and fenced plans are forced here on every query shape,
    # with and without a window of newest rows: the answers must not depend on how rows were found.
    words = ["harbour cranes arrived", "cranes at the harbour", "storm over the harbour", "harbour fair"]
    async with create_store(fresh_database) as store:
        for i in range(40):
            story = _dated(
                f"{words[i % 4].title()} {i}",
                f"Report {i}: the {words[(i + 1) % 4]} story, told again.",
                (None, 1, 2)[i % 3],
                ("Alpha", "Beta")[i % 2],
                days_ago=i * 9,
            )
            await store.add_article(story, fingerprint(story.paragraphs))
        queries = [
            "harbour",
            "harbour cranes",
            '"harbour cranes"',
            "harb*",
            "harbour -storm",
            "fair OR storm",
        ]
        filters = [
            SearchFilters(),
            SearchFilters(source="beta"),
            SearchFilters(since=datetime(2026, 6, 1, tzinfo=UTC)),
        ]
        scopes = [Scope.all(), Scope.guild(1), Scope.guild(None)]
        cases = list(itertools.product(queries, filters, scopes, [None, 12]))

        async def answers() -> list[list[int]]:
            out = []
            for text, chosen, scope, window in cases:
                hits = await store.search(parse_query(text), chosen, scope, limit=8, window=window)
                out.append([h.id for h in hits])
            return out

        expected = await answers()
        assert sum(map(len, expected)) > 300  # the cases find things
        for scan, window_indexed, visible_indexed in itertools.product([False, True], repeat=3):
            plan = SearchPlan(scan, window_indexed, visible_indexed)
            monkeypatch.setattr(pg_search, "plan_search", lambda *_, plan=plan: plan)
            assert await answers() == expected, plan


async def test_prefixes_are_estimated_by_the_planner_and_found(
    fresh_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_search, "PROBE_ROWS", 10)  # 300 articles: a "large" store, so it is probed
    async with create_store(fresh_database) as store:
        ids = []
        for i in range(300):
            word = "harbourside" if i % 3 == 0 else "meadow"
            story = _story(f"Walk {i}", f"A walk by the {word} at dawn.")
            ids.append((await store.add_article(story, fingerprint(story.paragraphs))).id)
        query = parse_query("harb*")
        async with store._conn() as con:
            await con.execute("ANALYZE articles")
            match = pg_search.Match(query, "'harb':*")
            _, density = await store._probed_window(con, match, 300, None)
        assert density == pytest.approx(1 / 3, abs=0.1)  # no row counted, yet about right
        hits = await store.search(query, SearchFilters(), Scope.all(), limit=100, window=40)
        assert sorted(h.id for h in hits) == ids[::3]


async def test_the_share_in_scope_comes_from_the_planners_statistics(fresh_database: str) -> None:
    async with create_store(fresh_database) as store:
        for i in range(200):
            story = _dated(
                f"Story {i}", "Body text.", 1 if i % 4 == 0 else None, ("Alpha", "Beta")[i % 10 == 0], i
            )
            await store.add_article(story, fingerprint(story.paragraphs))
        async with store._conn() as con:
            await con.execute("ANALYZE articles")
            assert await _visible_share(con, Scope.all(), SearchFilters(), 200) == 1.0  # nothing asked
            assert await _visible_share(con, Scope.guild(None), SearchFilters(), 200) == pytest.approx(
                0.75, abs=0.05
            )
            beta = await _visible_share(con, Scope.all(), SearchFilters(source="BETA"), 200)
            assert beta == pytest.approx(0.1, abs=0.03)
            assert await con.fetchval("SHOW jit") == "off"  # compiling plans cost more than running them
