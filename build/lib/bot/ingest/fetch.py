"""Fetch one URL safely: SSRF-guarded, size- and time-capped, redirects followed by hand.

Shared by `/ingest url`, `newsbot ingest URL` and the RSS poller (hence the
conditional GET with ETag / Last-Modified). Every failure is a FetchError whose
message is one line meant for a person.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import socket
import weakref
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot import __version__
from bot.errors import (
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    ResponseTooLarge,
    TooManyRedirects,
    UnsupportedContentType,
)
from bot.ingest.netguard import (
    AddressAllowList,
    GuardedResolver,
    check_addresses,
    check_literal_host,
    validate_url,
)

log = logging.getLogger(__name__)

USER_AGENT = f"newsbot/{__version__} (+https://github.com/newsbot; news article bot)"

PAGE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/plain",
    }
)
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/feed+json",
        "application/json",
    }
)
DEFAULT_ACCEPT_TYPES = PAGE_TYPES | FEED_TYPES

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT_ENCODING = "gzip, deflate"
_CHUNK = 64 * 1024
_MIB = 1024 * 1024


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one fetch; `timeout` covers DNS, every redirect hop and the body."""

    timeout: float = 15.0
    max_bytes: int = 5 * _MIB
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    allow: AddressAllowList = field(default_factory=AddressAllowList)
    accept_types: frozenset[str] = DEFAULT_ACCEPT_TYPES

    @classmethod
    def from_setting(cls, allow_spec: str | None) -> FetchPolicy:
        """Defaults, with the operator's allow list (NEWSBOT_FETCH_ALLOW, read by bot.config)."""
        return cls(allow=AddressAllowList.from_setting(allow_spec))


@dataclass(frozen=True)
class FetchedPage:
    url: str
    final_url: str
    status: int
    content_type: str | None
    charset: str | None
    body: bytes
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


# Sessions made by create_session: their connector resolves through GuardedResolver.
_GUARDED_SESSIONS: weakref.WeakSet[aiohttp.ClientSession] = weakref.WeakSet()


def create_session(
    policy: FetchPolicy, *, base_resolver: AbstractResolver | None = None
) -> aiohttp.ClientSession:
    """A session whose connections go only to addresses the policy allows.

    `base_resolver` replaces the system lookup (tests use it to map names to addresses).
    Must be called inside a running event loop.
    """
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(policy.allow, base_resolver))
    session = aiohttp.ClientSession(
        connector=connector,
        auto_decompress=False,
        trust_env=False,  # a proxy would resolve names itself, past the guard
        headers={"User-Agent": policy.user_agent},
    )
    _GUARDED_SESSIONS.add(session)
    return session


def human_bytes(n: int) -> str:
    if n >= _MIB:
        return f"{n // _MIB} MB" if n % _MIB == 0 else f"{n / _MIB:.1f} MB"
    if n >= 1024:
        return f"{n // 1024} KB" if n % 1024 == 0 else f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def parse_content_type(header: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) from a Content-Type header; an unknown charset becomes None."""
    if not header:
        return None, None
    parts = header.split(";")
    media = parts[0].strip().lower() or None
    charset: str | None = None
    for param in parts[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            value = value.strip().strip("\"'").strip().lower()
            try:
                codecs.lookup(value)
            except LookupError:
                log.debug("ignoring unknown charset %r", value)
                continue
            charset = value or None
    return media, charset


def type_accepted(media: str | None, accept: Iterable[str]) -> bool:
    """Missing Content-Type is let through (the extractor sniffs); `text/*` entries work."""
    if media is None:
        return True
    accepted = set(accept)
    return media in accepted or f"{media.split('/')[0]}/*" in accepted or "*/*" in accepted


def accept_header(accept: Iterable[str]) -> str:
    # */* at low priority: some servers answer 406 when nothing they have is listed.
    return ", ".join([*sorted(accept), "*/*;q=0.1"])


class _Stage:
    """One Content-Encoding layer, refusing to produce more than `cap` bytes in total."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.encoding = encoding
        self._cap = cap
        self._produced = 0
        self._started = False
        self._d: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._d = zlib.decompressobj(zlib.MAX_WBITS)
        elif encoding not in ("identity", ""):
            raise FetchError(f"unsupported content encoding {encoding}")

    def _count(self, out: bytes) -> bytes:
        self._produced += len(out)
        if self._produced > self._cap:
            raise ResponseTooLarge(f"response larger than {human_bytes(self._cap)}")
        return out

    def feed(self, data: bytes) -> bytes:
        if self._d is None:
            return self._count(data)
        limit = self._cap - self._produced + 1
        try:
            out = self._d.decompress(data, limit)
        except zlib.error as exc:
            if self.encoding == "deflate" and not self._started:
                # Many servers send raw deflate without the zlib header.
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                return self.feed(data)
            raise FetchError(f"could not decompress the response ({self.encoding}): {exc}") from exc
        self._started = True
        # Output shorter than `limit` means all input was consumed; `limit` itself means too much.
        return self._count(out)

    def flush(self) -> bytes:
        if self._d is None:
            return b""
        try:
            return self._count(self._d.flush())
        except zlib.error as exc:
            raise FetchError(f"could not decompress the response ({self.encoding}): {exc}") from exc


class _Decoder:
    """Undoes Content-Encoding incrementally, capping every layer (a gzip bomb stops early)."""

    def __init__(self, header: str | None, cap: int) -> None:
        encodings = [e.strip().lower() for e in (header or "").split(",") if e.strip()]
        # Encodings are listed in the order applied: undo them last to first.
        self._stages = [_Stage(e, cap) for e in reversed(encodings)]
        self._parts: list[bytes] = []

    def feed(self, data: bytes) -> None:
        for stage in self._stages:
            data = stage.feed(data)
        self._parts.append(data)

    def finish(self) -> bytes:
        for i, stage in enumerate(self._stages):
            tail = stage.flush()
            for later in self._stages[i + 1 :]:
                tail = later.feed(tail)
            self._parts.append(tail)
        return b"".join(self._parts)


def _connection_error(url: URL, exc: aiohttp.ClientError) -> FetchError:
    host = url.host or str(url)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return FetchError(f"could not resolve {host}")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return FetchError(f"TLS certificate of {host} could not be verified")
    if isinstance(exc, aiohttp.ClientSSLError):
        return FetchError(f"TLS error talking to {host}")
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = exc.os_error.strerror or str(exc.os_error) or "connection failed"
        return FetchError(f"could not connect to {host}: {reason}")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return FetchError(f"{host} closed the connection")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return FetchError(f"broken response body from {host}")
    if isinstance(exc, aiohttp.InvalidURL):
        return InvalidURL(f"not a valid URL: {str(url)[:200]}")
    first = (str(exc).splitlines() or [type(exc).__name__])[0]
    return FetchError(f"fetching {host} failed: {first}")


class Fetcher:
    """Fetches URLs under one FetchPolicy; reuse it (it pools connections)."""

    def __init__(self, policy: FetchPolicy, session: aiohttp.ClientSession | None = None) -> None:
        self._policy = policy
        self._session = session
        self._owns_session = session is None
        if session is not None and session not in _GUARDED_SESSIONS:
            log.warning(
                "Fetcher given a session not made by create_session: addresses are checked "
                "before each hop, but the connection may resolve the name again"
            )

    @property
    def policy(self) -> FetchPolicy:
        return self._policy

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = create_session(self._policy)
        return self._session

    async def close(self) -> None:
        """Close the session, but only one this fetcher created."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: frozenset[str] | None = None,
    ) -> FetchedPage:
        """GET `url`; with `etag`/`last_modified` a 304 gives a page with `not_modified=True`."""
        asked = validate_url(url)
        types = self._policy.accept_types if accept is None else accept
        try:
            async with asyncio.timeout(self._policy.timeout):
                return await self._follow(asked, etag, last_modified, types)
        except TimeoutError as exc:
            raise FetchTimeout(f"timed out after {self._policy.timeout:g} s") from exc

    async def _follow(
        self, asked: str, etag: str | None, last_modified: str | None, types: frozenset[str]
    ) -> FetchedPage:
        session = self._get_session()
        headers = {
            "User-Agent": self._policy.user_agent,
            "Accept": accept_header(types),
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        conditional = bool(etag or last_modified)

        current = URL(asked)
        for _hop in range(self._policy.max_redirects + 1):
            await self._check_hop(current, session)
            try:
                async with session.get(
                    current, headers=headers, allow_redirects=False, auto_decompress=False
                ) as resp:
                    if resp.status in REDIRECT_STATUSES:
                        current = self._next_hop(current, resp)
                        continue
                    return await self._finish(asked, current, resp, conditional, etag, last_modified, types)
            except aiohttp.ClientError as exc:
                raise _connection_error(current, exc) from exc
        raise TooManyRedirects(f"more than {self._policy.max_redirects} redirects")

    async def _check_hop(self, url: URL, session: aiohttp.ClientSession) -> None:
        check_literal_host(url, self._policy.allow)
        if session in _GUARDED_SESSIONS or url.raw_host is None:
            return
        # Best effort for foreign sessions: the connector will look the name up again.
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(url.raw_host, url.port or 0, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise FetchError(f"could not resolve {url.raw_host}") from exc
        check_addresses(url.raw_host, (str(info[4][0]) for info in infos), self._policy.allow)

    def _next_hop(self, current: URL, resp: aiohttp.ClientResponse) -> URL:
        location = resp.headers.get("Location")
        if not location:
            raise FetchError(f"HTTP {resp.status} redirect without a Location header")
        try:
            target = current.join(URL(location))
        except (ValueError, TypeError) as exc:
            raise InvalidURL(f"redirect to an invalid URL: {location[:200]}") from exc
        try:
            validate_url(str(target))
        except InvalidURL as exc:
            raise InvalidURL(f"redirect refused: {exc}") from exc
        log.debug("redirect %s -> %s (%d)", current, target, resp.status)
        return target

    async def _finish(
        self,
        asked: str,
        final: URL,
        resp: aiohttp.ClientResponse,
        conditional: bool,
        etag: str | None,
        last_modified: str | None,
        types: frozenset[str],
    ) -> FetchedPage:
        media, charset = parse_content_type(resp.headers.get("Content-Type"))
        new_etag = resp.headers.get("ETag")
        new_modified = resp.headers.get("Last-Modified")
        if resp.status == 304 and conditional:
            return FetchedPage(
                url=asked,
                final_url=str(final),
                status=304,
                content_type=media,
                charset=charset,
                body=b"",
                etag=new_etag or etag,
                last_modified=new_modified or last_modified,
                not_modified=True,
            )
        if not 200 <= resp.status < 300:
            raise HTTPStatusError(resp.status, _reason(resp), resp.headers.get("Retry-After"))
        if not type_accepted(media, types):
            raise UnsupportedContentType(f"unsupported content type {media}")
        body = await self._read_body(resp)
        log.info("fetched %s (%d, %s, %d bytes)", final, resp.status, media, len(body))
        return FetchedPage(
            url=asked,
            final_url=str(final),
            status=resp.status,
            content_type=media,
            charset=charset,
            body=body,
            etag=new_etag,
            last_modified=new_modified,
        )

    async def _read_body(self, resp: aiohttp.ClientResponse) -> bytes:
        cap = self._policy.max_bytes
        too_large = f"response larger than {human_bytes(cap)}"
        if resp.content_length is not None and resp.content_length > cap:
            raise ResponseTooLarge(too_large)
        decoder = _Decoder(resp.headers.get("Content-Encoding"), cap)
        received = 0
        async for chunk in resp.content.iter_chunked(_CHUNK):
            received += len(chunk)
            if received > cap:  # the wire size is capped too, not only the decoded size
                raise ResponseTooLarge(too_large)
            decoder.feed(chunk)
        return decoder.finish()


def _reason(resp: aiohttp.ClientResponse) -> str | None:
    if resp.reason:
        return resp.reason
    try:
        return HTTPStatus(resp.status).phrase
    except ValueError:
        return None
