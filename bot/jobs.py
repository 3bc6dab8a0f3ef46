"""Jobs a gateway process hands to workers: an uploaded file to ingest (`/ingest file` on PostgreSQL).

A big archive must not run inside a process that also answers commands, so the gateway process stores a
job (where the upload is, who asked, how to answer them) and workers run it: claimed with a lease like
digests and polls (bot/leases.py), the file downloaded and ingested, the result reported back (the
Discord side edits the asker's "thinking…" answer), then the job marked done. Reporting comes before the
job is marked done: a worker that dies in between leaves the job to another once its lease runs out,
which ingests the same items again (every one a duplicate by then) and edits the same answer again, so
the asker always hears back. A job that fails with an error (not a crash) is logged and closed, not
retried in a loop.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, BinaryIO, Protocol

from bot.errors import NewsbotError
from bot.leases import LeaseKeeper
from bot.services import IngestOutcome, NewsService
from bot.store.base import ArticleStore
from bot.store.rows import Job
from bot.timer import Clock, DueLoop

log = logging.getLogger(__name__)

INGEST = "ingest"
POLL = timedelta(seconds=2)  # how soon a queued job is noticed


class JobReporter(Protocol):
    async def ingest_done(
        self, payload: dict[str, Any], outcome: IngestOutcome | None, error: str | None
    ) -> None:
        """Tell the asker how their upload went (an outcome, or why it could not be read)."""


Download = Callable[[str, int], Awaitable[bytes | BinaryIO]]  # (url, byte limit) -> the file


class JobRunner:
    def __init__(
        self,
        store: ArticleStore,
        news: NewsService,
        download: Download,
        reporter: JobReporter,
        *,
        clock: Clock,
        concurrency: int = 2,
        leases: LeaseKeeper | None = None,
    ) -> None:
        self.store = store
        self.news = news
        self.download = download
        self.reporter = reporter
        self.clock = clock
        self.concurrency = concurrency
        self.leases = leases or LeaseKeeper(store, clock)
        self.loop = DueLoop("job runner", clock, self.run_due, self._never, idle=POLL, busy_wait=POLL)

    async def _never(self) -> None:
        return None

    async def run(self) -> None:
        beat = asyncio.create_task(self.leases.heartbeat(), name="job-leases")
        try:
            await self.loop.run()
        finally:
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)

    def stop(self) -> None:
        self.loop.stop()

    async def run_due(self) -> int:
        ids = await self.leases.claim_due("job", self.concurrency)
        await asyncio.gather(*(self._one(i) for i in ids))
        return len(ids)

    async def _one(self, job_id: int) -> None:
        try:
            job = await self.store.get_job(job_id)
            if job is None or job.done_at is not None:
                return
            if job.kind == INGEST:
                await self._ingest(job)
            else:
                log.warning("unknown job kind skipped", extra={"job_id": job_id, "kind": job.kind})
            await self.store.finish_job(job_id, self.clock.now())
        except Exception:  # a bug or Discord refusing the answer: not retried in a loop, logged once
            log.exception("job failed", extra={"job_id": job_id})
            try:
                await self.store.finish_job(job_id, self.clock.now())
            except Exception:
                log.warning("could not mark a failed job done", extra={"job_id": job_id})
        finally:
            await self.leases.release("job", job_id)

    async def _ingest(self, job: Job) -> None:
        p = job.payload
        outcome: IngestOutcome | None = None
        error: str | None = None
        try:
            data = await self.download(str(p["url"]), int(p["limit"]))
            try:
                outcome = await self.news.ingest_upload(
                    str(p["filename"]), data, int(p["guild_id"]), str(p["by"])
                )
            finally:
                if not isinstance(data, bytes):
                    data.close()
        except NewsbotError as exc:
            error = " ".join(str(exc).split())[:300]
        log.info(
            "ingest job done",
            extra={"job_id": job.id, "stored": len(outcome.created) if outcome else 0, "error": error},
        )
        await self.reporter.ingest_done(p, outcome, error)


SPOOL_IN_MEMORY = 1024 * 1024  # a download larger than this waits on disk, not in the worker's memory


def downloader(session: Any) -> Download:
    """Download an upload through `session` (the fetcher's guarded aiohttp session), at most `limit`
    bytes, into a temporary file: a 50 MB archive costs the worker disk, not memory."""
    import aiohttp

    from bot.errors import FetchError, HTTPStatusError, ResponseTooLarge

    async def download(url: str, limit: int) -> BinaryIO:
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (the caller closes it)
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=300)) as resp:
                if resp.status != 200:
                    raise HTTPStatusError(resp.status, resp.reason)
                size = 0
                async for chunk in resp.content.iter_chunked(1 << 16):
                    size += len(chunk)
                    if size > limit:
                        raise ResponseTooLarge(f"the upload is larger than {limit / (1024 * 1024):g} MB")
                    spool.write(chunk)
            spool.seek(0)
            return spool  # type: ignore[return-value]
        except (aiohttp.ClientError, TimeoutError) as exc:
            spool.close()
            raise FetchError(f"the upload could not be downloaded ({type(exc).__name__})") from exc
        except BaseException:
            spool.close()
            raise

    return download
