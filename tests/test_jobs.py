"""Queued uploads (bot/jobs.py) on both backends: run once, answered with the outcome or the reason."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import HTTPStatusError
from bot.ingest.pipeline import Ingestor
from bot.jobs import INGEST, JobRunner
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
