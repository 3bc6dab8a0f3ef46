"""The upload downloader of queued jobs (bot/jobs.py) against a local server: the bytes, a refusal by
status, a body over the limit, and a server that is not there."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot.errors import FetchError, HTTPStatusError, ResponseTooLarge
from bot.jobs import downloader


@pytest.fixture
async def base() -> AsyncIterator[str]:
    async def ok(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 3_000_000)

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=404, reason="Not Found")

    app = web.Application()
    app.router.add_get("/big", ok)
    app.router.add_get("/gone", gone)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_download_answers_the_bytes_or_says_why_not(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        download = downloader(session)
        with await download(f"{base}/big", 3_000_000) as spooled:  # type: ignore[union-attr]
            assert spooled.read() == b"x" * 3_000_000
        with pytest.raises(ResponseTooLarge, match=r"^the upload is larger than 2 MB$"):
            await download(f"{base}/big", 2 * 1024 * 1024)
        with pytest.raises(HTTPStatusError) as refused:
            await download(f"{base}/gone", 1000)
        assert refused.value.status == 404 and str(refused.value) == "HTTP 404 Not Found"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = s.getsockname()[1]
        with pytest.raises(
            FetchError, match=r"^the upload could not be downloaded \(ClientConnectorError\)$"
        ):
            await download(f"http://127.0.0.1:{closed}/a.jsonl", 1000)
