"""Specific exception types; caught once at the edge (CLI or the cog error handler)."""

from __future__ import annotations


class NewsbotError(Exception):
    """Base class: the message is meant for a person, not a traceback."""


class ConfigError(NewsbotError):
    pass


class StoreError(NewsbotError):
    pass


class ArticleNotFound(NewsbotError):
    def __init__(self, ref: object) -> None:
        super().__init__(f"no article matches {ref!r}")
        self.ref = ref


class IngestError(NewsbotError):
    """One item could not be ingested; the rest of a batch goes on."""


class UnsupportedInput(IngestError):
    pass


class ExtractionError(IngestError):
    """The input held no article text."""


class FetchError(IngestError):
    """A URL could not be fetched (timeout, too large, bad status, wrong type...)."""


class BlockedAddress(FetchError):
    """The URL resolves to an address we refuse to contact (SSRF guard)."""


class InvalidURL(FetchError):
    """Not a fetchable URL (scheme other than http/https, no host, credentials...)."""


class FetchTimeout(FetchError):
    pass


class ResponseTooLarge(FetchError):
    """The body (after decompression) exceeds the fetch policy's cap."""


class TooManyRedirects(FetchError):
    pass


class UnsupportedContentType(FetchError):
    pass


class HTTPStatusError(FetchError):
    """The server answered with an error status; `.status` holds it."""

    def __init__(self, status: int, reason: str | None = None, retry_after: str | None = None) -> None:
        text = f"HTTP {status}" + (f" {reason}" if reason else "")
        super().__init__(text)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after  # raw Retry-After header (429/503), for pollers to back off


class InvalidQuery(NewsbotError):
    pass


class FeedError(NewsbotError):
    pass


class TopicError(NewsbotError):
    pass
