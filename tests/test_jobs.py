"""Queued uploads (bot/jobs.py) on both backends: run once, answered with the outcome or the reason."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.errors import HTTPStatusError, ResponseTooLarge
from bot.ingest.pipeline import Ingestor
from bot.jobs import INGEST, SPOOL_IN_MEMORY, JobRunner, downloader
from bot.scheduler import ManualClock
from bot.services import IngestOutcome, NewsService
from bot.store import ArticleStore
from tests.topics.e2e import story

NOW = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


class Reporter:
    def __init__(self) -> None:
        self.told: list[tuple[dict[str, Any], IngestOutcome | None, str | None]] = []

    async def ingest_done(
        self, payload: dict[str, Any], outcome: IngestOutcome | None, error: str | None
    ) -> None:
        self.told.append((payload, outcome, error))


async def test_a_queued_upload_is_ingested_once_and_answered(
    store: ArticleStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the job's log lines are part of what runs
    files = {
        "https://cdn.test/a.jsonl": "\n".join(
            json.dumps({"title": f"Quay report {n}", "text": story("quay", "Li Wei", n)}) for n in range(2)
        ).encode()
    }
    fetched: list[str] = []

    async def download(url: str, limit: int) -> bytes:
        fetched.append(url)
        if url not in files:
            raise HTTPStatusError(404, "Not Found")
        return files[url]

    reporter = Reporter()
    runner = JobRunner(store, NewsService(store, Ingestor(store)), download, reporter, clock=ManualClock(NOW))
    base = {"filename": "a.jsonl", "limit": 1_000_000, "guild_id": 5, "by": "discord:1", "token": "t"}
    good = await store.enqueue_job(INGEST, base | {"url": "https://cdn.test/a.jsonl"}, NOW)
    gone = await store.enqueue_job(INGEST, base | {"url": "https://cdn.test/gone.jsonl"}, NOW)
    assert await runner.run_due() == 2
    assert await runner.run_due() == 0  # done jobs are not claimed again
    assert sorted(fetched) == ["https://cdn.test/a.jsonl", "https://cdn.test/gone.jsonl"]
    by_url = {p["url"]: (o, e) for p, o, e in reporter.told}
    outcome, error = by_url["https://cdn.test/a.jsonl"]
    assert error is None and outcome is not None and [r.status for r in outcome.results] == ["created"] * 2
    assert by_url["https://cdn.test/gone.jsonl"] == (None, "HTTP 404 Not Found")
    assert "job failed" not in caplog.text
    for job_id in (good, gone):
        job = await store.get_job(job_id)
        assert job is not None and job.done_at == NOW


async def test_a_download_waits_on_disk_and_stops_at_the_limit(store: ArticleStore) -> None:
    lines = [json.dumps({"title": f"Quay report {n}", "text": story("quay", "Li Wei", n)}) for n in range(3)]
    padding = [json.dumps({"id": f"pad-{n}", "note": "x" * 1000}) for n in range(1500)]  # no text: refused
    archive = "\n".join(lines + padding).encode()
    assert len(archive) > SPOOL_IN_MEMORY

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=archive, content_type="application/jsonl")

    app = web.Application()
    app.router.add_get("/a.jsonl", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as session:
            download = downloader(session)
            url = f"http://127.0.0.1:{port}/a.jsonl"
            with pytest.raises(ResponseTooLarge, match="larger than 1 MB"):
                await download(url, 1024 * 1024)
            spooled = await download(url, 2 * 1024 * 1024)
            assert not isinstance(spooled, bytes) and spooled._rolled  # type: ignore[union-attr]
            assert spooled.read() == archive
            spooled.seek(0)
            outcome = await NewsService(store, Ingestor(store)).ingest_upload("a.jsonl", spooled, 5, "t")
            spooled.close()
    finally:
        await runner.cleanup()
    assert sorted(r.status for r in outcome.created) == ["created"] * 3
    assert outcome.counts == {"created": 3, "failed": 1500}  # every line read from the spooled file
