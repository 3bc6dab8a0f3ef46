"""A local feed server (aiohttp) over ../shared/data/feeds plus dynamic feeds the tests control."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from bot.ingest.fetch import Fetcher, FetchPolicy
from bot.ingest.netguard import AddressAllowList
from tests.support.http import local_site

FEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "feeds"


@dataclass
class FeedServer:
    base: str
    dynamic: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> (body, content type)
    requests: list[tuple[str, int]] = field(default_factory=list)  # (path, status)
    article_html: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def statuses(self, path: str) -> list[int]:
        return [s for p, s in self.requests if p == "/" + path.lstrip("/")]


def _ctype(path: str, body: bytes) -> str:
    if path.endswith(".json"):
        return "application/feed+json"
    if path.endswith((".html", ".htm")):
        return "text/html"
    return "application/rss+xml"


async def _serve(request: web.Request, server: FeedServer, body: bytes, ctype: str) -> web.StreamResponse:
    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
    if request.headers.get("If-None-Match") == etag:
        server.requests.append((request.path, 304))
        return web.Response(status=304, headers={"ETag": etag})
    server.requests.append((request.path, 200))
    return web.Response(body=body, headers={"ETag": etag, "Content-Type": ctype})


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer(base="")

    async def shared(request: web.Request) -> web.StreamResponse:
        rel = request.match_info["path"]
        path = (FEEDS / rel).resolve()
        if not path.is_file() or FEEDS.resolve() not in path.parents:
            server.requests.append((request.path, 404))
            raise web.HTTPNotFound()
        return await _serve(request, server, path.read_bytes(), _ctype(rel, b""))

    async def dynamic(request: web.Request) -> web.StreamResponse:
        key = request.match_info["path"]
        if key not in server.dynamic:
            server.requests.append((request.path, 404))
            raise web.HTTPNotFound()
        body, ctype = server.dynamic[key]
        return await _serve(request, server, body, ctype)

    async def article(request: web.Request) -> web.StreamResponse:
        key = request.match_info["path"]
        server.requests.append((request.path, 200 if key in server.article_html else 404))
        if key not in server.article_html:
            raise web.HTTPNotFound()
        return web.Response(text=server.article_html[key], content_type="text/html")

    async def bomb(request: web.Request) -> web.StreamResponse:
        server.requests.append((request.path, 200))
        payload = gzip.compress(b"<rss>" + b" " * (64 * 1024 * 1024), compresslevel=9)
        return web.Response(
            body=payload, headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}
        )

    app = web.Application()
    app.router.add_get("/shared/{path:.+}", shared)
    app.router.add_get("/dyn/{path:.+}", dynamic)
    app.router.add_get("/article/{path:.+}", article)
    app.router.add_get("/bomb.xml", bomb)
    async with local_site(app) as base:
        server.base = base
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchPolicy(allow=AddressAllowList.parse("127.0.0.1"), timeout=5.0)) as f:
        yield f


def rss(items: list[dict[str, str]], title: str = "Test feed") -> bytes:
    parts = [
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>http://127.0.0.1/</link>'
    ]
    for it in items:
        parts.append("<item>")
        for key in ("title", "link", "guid", "description", "pubDate"):
            if key in it:
                parts.append(f"<{key}>{it[key]}</{key}>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


from tests.topics.e2e import operated  # noqa: E402, F401  (the bot run as an operator runs it, for e2e tests)
