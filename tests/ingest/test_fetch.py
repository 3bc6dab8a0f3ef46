"""Fetcher against real aiohttp servers on 127.0.0.1 (random port)."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer

from bot.errors import (
    BlockedAddress,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    ResponseTooLarge,
    TooManyRedirects,
    UnsupportedContentType,
)
from bot.ingest.fetch import (
    FetchedPage,
    Fetcher,
    FetchPolicy,
    create_session,
    human_bytes,
    parse_content_type,
)
from bot.ingest.netguard import AddressAllowList

HTML = "<html><head><title>Héllo</title></head><body><p>Naïve café</p></body></html>"
ETAG = '"v42"'
LAST_MODIFIED = "Wed, 01 May 2024 10:00:00 GMT"
BIG = 200 * 1024  # bigger than the 64 KB cap used below


async def page(request: web.Request) -> web.Response:
    return web.Response(text=HTML, content_type="text/html", charset="iso-8859-1")


async def echo_headers(request: web.Request) -> web.Response:
    return web.json_response(dict(request.headers))


async def redirect(request: web.Request) -> web.Response:
    """/redirect/N hops down to /page; ?to= sends anywhere."""
    if "to" in request.query:
        raise web.HTTPFound(request.query["to"])
    n = int(request.match_info["n"])
    raise web.HTTPFound("/page" if n <= 1 else f"/redirect/{n - 1}")


async def loop(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/loop")


async def slow_headers(request: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.Response(text="late")


async def slow_body(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/html"})
    await resp.prepare(request)
    await resp.write(b"<html>")
    await asyncio.sleep(2)
    await resp.write(b"</html>")
    return resp


async def big_with_length(request: web.Request) -> web.Response:
    return web.Response(body=b"x" * BIG, content_type="text/html")


async def big_chunked(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/html"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    for _ in range(BIG // 8192):
        await resp.write(b"y" * 8192)
    return resp


BOMB = gzip.compress(b"\0" * (8 * 1024 * 1024), compresslevel=9)


async def gzip_bomb(request: web.Request) -> web.Response:
    return web.Response(body=BOMB, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})


async def gzipped(request: web.Request) -> web.Response:
    return web.Response(
        body=gzip.compress(HTML.encode()), headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
    )


async def raw_deflate(request: web.Request) -> web.Response:
    comp = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = comp.compress(HTML.encode()) + comp.flush()
    return web.Response(body=body, headers={"Content-Type": "text/html", "Content-Encoding": "deflate"})


async def png(request: web.Request) -> web.Response:
    return web.Response(body=b"\x89PNG\r\n\x1a\n", content_type="image/png")


async def missing(request: web.Request) -> web.Response:
    raise web.HTTPNotFound()


async def busy(request: web.Request) -> web.Response:
    raise web.HTTPServiceUnavailable(headers={"Retry-After": "120"})


async def conditional(request: web.Request) -> web.Response:
    if (
        request.headers.get("If-None-Match") == ETAG
        or request.headers.get("If-Modified-Since") == LAST_MODIFIED
    ):
        return web.Response(status=304, headers={"ETag": ETAG})
    return web.Response(
        text="<rss></rss>",
        content_type="application/rss+xml",
        headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED},
    )


async def bare_304(request: web.Request) -> web.Response:
    return web.Response(status=304)


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_get("/page", page)
    app.router.add_get("/headers", echo_headers)
    app.router.add_get("/redirect/{n}", redirect)
    app.router.add_get("/loop", loop)
    app.router.add_get("/slow-headers", slow_headers)
    app.router.add_get("/slow-body", slow_body)
    app.router.add_get("/big-length", big_with_length)
    app.router.add_get("/big-chunked", big_chunked)
    app.router.add_get("/bomb", gzip_bomb)
    app.router.add_get("/gzip", gzipped)
    app.router.add_get("/deflate", raw_deflate)
    app.router.add_get("/png", png)
    app.router.add_get("/missing", missing)
    app.router.add_get("/busy", busy)
    app.router.add_get("/feed", conditional)
    app.router.add_get("/bare-304", bare_304)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    try:
        yield srv
    finally:
        await srv.close()


def policy(allow: str = "127.0.0.1", **kw: object) -> FetchPolicy:
    return FetchPolicy(allow=AddressAllowList.parse(allow), timeout=kw.pop("timeout", 3.0), **kw)  # type: ignore[arg-type]


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    f = Fetcher(policy(max_bytes=64 * 1024, max_redirects=3))
    try:
        yield f
    finally:
        await f.close()


def url(srv: TestServer, path: str) -> str:
    return str(srv.make_url(path))


async def test_fetches_page_with_charset_from_header(server: TestServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(url(server, "/page"))
    assert isinstance(got, FetchedPage)
    assert got.status == 200
    assert got.content_type == "text/html"
    assert got.charset == "iso-8859-1"
    assert got.body.decode(got.charset) == HTML
    assert got.final_url == got.url == url(server, "/page")
    assert not got.not_modified


async def test_sends_user_agent_and_accept(server: TestServer) -> None:
    p = policy(user_agent="newsbot-test/9.9")
    async with Fetcher(p) as f:
        got = await f.fetch(url(server, "/headers"))
        sent = json.loads(got.body)
        assert sent["User-Agent"] == "newsbot-test/9.9"
        assert "text/html" in sent["Accept"]
        assert sent["Accept-Encoding"] == "gzip, deflate"
        assert "If-None-Match" not in sent


async def test_default_user_agent_names_the_bot(server: TestServer, fetcher: Fetcher) -> None:
    sent = json.loads((await fetcher.fetch(url(server, "/headers"))).body)
    assert sent["User-Agent"].startswith("newsbot/")


async def test_follows_redirects_and_reports_final_url(server: TestServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(url(server, "/redirect/3"))
    assert got.final_url == url(server, "/page")
    assert got.url == url(server, "/redirect/3")
    assert got.body.decode("iso-8859-1") == HTML


async def test_too_many_redirects(server: TestServer, fetcher: Fetcher) -> None:
    with pytest.raises(TooManyRedirects, match=r"^more than 3 redirects$"):
        await fetcher.fetch(url(server, "/redirect/4"))


async def test_redirect_loop(server: TestServer, fetcher: Fetcher) -> None:
    with pytest.raises(TooManyRedirects, match="more than 3 redirects"):
        await fetcher.fetch(url(server, "/loop"))


async def test_loopback_refused_without_allow_list(server: TestServer) -> None:
    async with Fetcher(FetchPolicy(timeout=3.0)) as f:
        with pytest.raises(BlockedAddress, match=r"^refused: 127\.0\.0\.1 is a loopback address$"):
            await f.fetch(url(server, "/page"))
        # A name that resolves (through the real system lookup) to loopback is refused too.
        with pytest.raises(BlockedAddress, match="localhost resolves to a loopback address"):
            await f.fetch(f"http://localhost:{server.port}/page")


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/page",
        "http://[::1]:{port}/page",
        "http://0.0.0.0:{port}/page",
        "http://[::ffff:127.0.0.1]:{port}/page",
    ],
)
async def test_redirect_from_allowed_host_to_refused_address(server: TestServer, target: str) -> None:
    # Only the name "localhost" is allowed: the hop to a literal loopback address is not.
    async with Fetcher(policy(allow="localhost")) as f:
        start = f"http://localhost:{server.port}/page"
        assert (await f.fetch(start)).status == 200
        hop = f"http://localhost:{server.port}/redirect/1?to=" + target.format(port=server.port)
        with pytest.raises(BlockedAddress, match="^refused: "):
            await f.fetch(hop)


async def test_redirect_to_other_scheme_refused(server: TestServer, fetcher: Fetcher) -> None:
    with pytest.raises(InvalidURL, match="redirect refused: only http and https"):
        await fetcher.fetch(url(server, "/redirect/1?to=file:///etc/passwd"))


async def test_invalid_urls_refused_before_any_request(fetcher: Fetcher) -> None:
    for bad in ("ftp://127.0.0.1/", "not a url", "http://"):
        with pytest.raises(InvalidURL):
            await fetcher.fetch(bad)


async def test_timeout_waiting_for_headers(server: TestServer) -> None:
    async with Fetcher(policy(timeout=0.2)) as f:
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(FetchTimeout, match=r"^timed out after 0\.2 s$"):
            await f.fetch(url(server, "/slow-headers"))
        assert loop.time() - start < 1.5


async def test_timeout_covers_the_body(server: TestServer) -> None:
    async with Fetcher(policy(timeout=0.3)) as f:
        with pytest.raises(FetchTimeout):
            await f.fetch(url(server, "/slow-body"))


@pytest.mark.parametrize("path", ["/big-length", "/big-chunked"])
async def test_oversized_body(server: TestServer, fetcher: Fetcher, path: str) -> None:
    with pytest.raises(ResponseTooLarge, match=r"^response larger than 64 KB$"):
        await fetcher.fetch(url(server, path))


async def test_gzip_bomb_stopped_after_decompression(server: TestServer, fetcher: Fetcher) -> None:
    assert len(BOMB) < 64 * 1024  # small on the wire: only the decoded size can catch it
    with pytest.raises(ResponseTooLarge, match="response larger than 64 KB"):
        await fetcher.fetch(url(server, "/bomb"))


@pytest.mark.parametrize("path", ["/gzip", "/deflate"])
async def test_compressed_bodies_are_decoded(server: TestServer, fetcher: Fetcher, path: str) -> None:
    got = await fetcher.fetch(url(server, path))
    assert got.body == HTML.encode()


async def test_content_type_rejected(server: TestServer, fetcher: Fetcher) -> None:
    with pytest.raises(UnsupportedContentType, match=r"^unsupported content type image/png$"):
        await fetcher.fetch(url(server, "/png"))
    # A caller may widen the accepted types for one fetch.
    got = await fetcher.fetch(url(server, "/png"), accept=frozenset({"image/*"}))
    assert got.content_type == "image/png"


async def test_http_error_status(server: TestServer, fetcher: Fetcher) -> None:
    with pytest.raises(HTTPStatusError, match=r"^HTTP 404 Not Found$") as info:
        await fetcher.fetch(url(server, "/missing"))
    assert info.value.status == 404
    assert info.value.retry_after is None
    with pytest.raises(HTTPStatusError, match=r"^HTTP 503 Service Unavailable$") as busy_info:
        await fetcher.fetch(url(server, "/busy"))
    assert busy_info.value.status == 503 and busy_info.value.retry_after == "120"


@pytest.mark.parametrize("host", ["2130706433", "127.1", "0x7f.0.0.1"])
async def test_numeric_host_spellings_refused(server: TestServer, host: str) -> None:
    async with Fetcher(FetchPolicy(timeout=3.0)) as f:
        with pytest.raises(InvalidURL, match="not a canonical IPv4 address"):
            await f.fetch(f"http://{host}:{server.port}/page")
        hop = url(server, "/redirect/1?to=") + f"http://{host}:{server.port}/page"
    async with Fetcher(policy()) as f:
        with pytest.raises(InvalidURL, match="redirect refused: .*not a canonical IPv4"):
            await f.fetch(hop)


async def test_conditional_get_with_etag(server: TestServer, fetcher: Fetcher) -> None:
    first = await fetcher.fetch(url(server, "/feed"))
    assert first.status == 200 and first.body == b"<rss></rss>"
    assert first.etag == ETAG and first.last_modified == LAST_MODIFIED
    again = await fetcher.fetch(url(server, "/feed"), etag=first.etag)
    assert again.not_modified and again.status == 304 and again.body == b""
    assert again.etag == ETAG


async def test_conditional_get_with_last_modified(server: TestServer, fetcher: Fetcher) -> None:
    again = await fetcher.fetch(url(server, "/feed"), last_modified=LAST_MODIFIED)
    assert again.not_modified
    assert again.last_modified == LAST_MODIFIED  # kept from the request when the 304 omits it
    stale = await fetcher.fetch(url(server, "/feed"), last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert not stale.not_modified and stale.body


async def test_unconditional_304_is_an_error(server: TestServer, fetcher: Fetcher) -> None:
    with pytest.raises(HTTPStatusError, match="HTTP 304"):
        await fetcher.fetch(url(server, "/bare-304"))


async def test_connection_refused_is_one_line(fetcher: Fetcher) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match="could not connect to 127.0.0.1") as info:
        await fetcher.fetch(f"http://127.0.0.1:{port}/")
    assert "\n" not in str(info.value)


class MapResolver(AbstractResolver):
    """Stands in for DNS: maps names to fixed addresses and records lookups."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.looked_up: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.looked_up.append(host)
        return [
            {"hostname": host, "host": a, "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}
            for a in self.table[host]
        ]

    async def close(self) -> None:
        pass


async def test_connection_goes_to_the_checked_address(server: TestServer) -> None:
    # The guarded resolver's answer is what the connector dials: the server only exists on 127.0.0.1.
    p = policy(allow="127.0.0.0/8")
    resolver = MapResolver({"news.example": ["127.0.0.1"]})
    session = create_session(p, base_resolver=resolver)
    try:
        got = await Fetcher(p, session).fetch(f"http://news.example:{server.port}/headers")
        assert b'"Host": "news.example:' in got.body
        assert resolver.looked_up == ["news.example"]
    finally:
        await session.close()


async def test_name_resolving_to_private_address_refused_before_connecting() -> None:
    p = policy(allow="127.0.0.0/8")
    resolver = MapResolver({"example.internal": ["10.0.0.5"], "mixed.example": ["127.0.0.1", "10.0.0.5"]})
    session = create_session(p, base_resolver=resolver)
    try:
        f = Fetcher(p, session)
        with pytest.raises(BlockedAddress) as info:
            await f.fetch("http://example.internal/")
        assert str(info.value) == "refused: example.internal resolves to a private address (10.0.0.5)"
        with pytest.raises(BlockedAddress, match="mixed.example resolves to a private address"):
            await f.fetch("http://mixed.example/")
    finally:
        await session.close()


async def test_foreign_session_is_prechecked_and_not_closed(server: TestServer) -> None:
    session = aiohttp.ClientSession()
    try:
        f = Fetcher(FetchPolicy(timeout=3.0), session)
        with pytest.raises(BlockedAddress):
            await f.fetch(f"http://localhost:{server.port}/page")
        await f.close()
        assert not session.closed
    finally:
        await session.close()


async def test_close_closes_own_session(server: TestServer) -> None:
    f = Fetcher(policy())
    await f.fetch(url(server, "/page"))
    session = f._session
    assert session is not None
    await f.close()
    assert session.closed


def test_helpers() -> None:
    assert human_bytes(5 * 1024 * 1024) == "5 MB"
    assert human_bytes(64 * 1024) == "64 KB"
    assert human_bytes(1536) == "1.5 KB"
    assert human_bytes(10) == "10 bytes"
    assert parse_content_type('Text/HTML; Charset="UTF-8"') == ("text/html", "utf-8")
    assert parse_content_type("text/html; charset=no-such-codec") == ("text/html", None)
    assert parse_content_type(None) == (None, None)
