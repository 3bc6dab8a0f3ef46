"""Small HTTP pieces shared by the REST handlers: parsed requests, API errors, JSON replies."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One REST call as the bot made it (``path`` is relative to ``/api/v10``)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    timestamp: float
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Violation:
    """A request the real Discord would reject, or that shows the bot misbehaving."""

    kind: str  # "schema" | "unknown_route" | "protocol" | "gateway"
    method: str
    path: str
    message: str
    body: Any = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.method} {self.path}: {self.message}"


class ApiError(Exception):
    """An error reply in Discord's shape: ``{"message": ..., "code": ...}``."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors


def not_found(what: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with ``Content-Type: application/json`` exactly (discord.py compares the header verbatim)."""
    resp = web.Response(status=status, body=json.dumps(body).encode("utf-8"), headers=headers)
    resp.headers["Content-Type"] = "application/json"
    return resp


def error_response(err: ApiError, headers: dict[str, str] | None = None) -> web.Response:
    body: dict[str, Any] = {"message": err.message, "code": err.code}
    if err.errors is not None:
        body["errors"] = err.errors
    return json_response(err.status, body, headers)


def ratelimit_headers(bucket: str, *, remaining: int, reset_after: float, limit: int = 50) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


def too_many_requests(bucket: str, retry_after: float) -> web.Response:
    """A 429 as Discord sends it; discord.py only retries when ``Via`` is present (else it assumes Cloudflare)."""
    headers = ratelimit_headers(bucket, remaining=0, reset_after=retry_after)
    headers.update(
        {"Retry-After": str(max(1, math.ceil(retry_after))), "X-RateLimit-Scope": "user", "Via": "1.1 google"}
    )
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    return json_response(429, body, headers)
