"""The panel's defences in one place: the encrypted session cookie, CSRF tokens with an Origin /
Sec-Fetch-Site check on every state-changing request, security headers, and a login rate limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from cryptography.fernet import Fernet, InvalidToken
from yarl import URL

COOKIE = "newsbot_session"
SESSION_SECONDS = 7 * 24 * 3600
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def cookie_key(secret: str | None, *material: str | None) -> bytes:
    """A Fernet key: from NEWSBOT_PANEL_SECRET, else derived from the bot's secrets (stable across
    restarts and shared by `run` and `panel`), else random (local mode: sessions end with the process)."""
    if secret:
        seed = secret
    elif any(material):
        seed = "newsbot-panel-session\0" + "\0".join(m or "" for m in material)
    else:
        return Fernet.generate_key()
    return base64.urlsafe_b64encode(hashlib.sha256(seed.encode()).digest())


@dataclass
class Session:
    """What the encrypted cookie carries. `token` is the user's Discord access token."""

    sid: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    user_id: int = 0
    name: str = ""
    token: str = ""
    local: bool = False
    state: str = ""  # OAuth2 state awaiting its callback (used once)
    next: str = ""  # where to go after login
    created: float = field(default_factory=time.time)
    changed: bool = False

    @property
    def logged_in(self) -> bool:
        return self.local or bool(self.user_id and self.token)

    def to_json(self) -> bytes:
        data = {k: v for k, v in self.__dict__.items() if k != "changed"}
        return json.dumps(data).encode()


# the request's session (a typed key where aiohttp has them)
SESSION_KEY: Any = web.RequestKey("session", Session) if hasattr(web, "RequestKey") else "session"


class SessionCodec:
    def __init__(self, key: bytes, *, secure: bool) -> None:
        self.fernet = Fernet(key)
        self.secure = secure

    def load(self, request: web.Request) -> Session:
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                data = json.loads(self.fernet.decrypt(raw.encode(), ttl=SESSION_SECONDS))
                known = {k: v for k, v in data.items() if k in Session.__dataclass_fields__}
                return Session(**known)
            except (InvalidToken, ValueError, TypeError):
                pass
        return Session(changed=True)

    def save(self, response: web.StreamResponse, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            self.fernet.encrypt(session.to_json()).decode(),
            max_age=SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self.secure,
        )

    def clear(self, response: web.StreamResponse) -> None:
        response.del_cookie(COOKIE, path="/")


def session_of(request: web.Request) -> Session:
    session: Session = request[SESSION_KEY]
    return session


def same_origin(request: web.Request, origin: str) -> bool:
    """A state-changing request must come from the panel's own pages."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    sent = request.headers.get("Origin")
    if sent is not None and sent != "null":
        return sent.rstrip("/") == origin
    if sent == "null":
        return False
    referer = request.headers.get("Referer")
    if referer:
        try:
            return str(URL(referer).origin()) == origin
        except ValueError:
            return False
    return site == "same-origin"


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf, str(sent))


def safe_next(value: str | None) -> str:
    """Only a path on this panel: no scheme, no host, no `//evil` or `/\\evil` (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(c in value for c in "\r\n\\") or "://" in value.split("?", 1)[0]:
        return "/"
    return value


class RateLimiter:
    """At most `limit` events per `window` seconds for one key (a client address)."""

    def __init__(self, limit: int = 10, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        events = self._events.setdefault(key, deque())
        while events and now - events[0] > self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        if len(self._events) > 10_000:  # forget idle clients
            for k in [k for k, v in self._events.items() if not v or now - v[-1] > self.window][:5000]:
                del self._events[k]
        return True


def security_headers(response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")


def any_value(form: Any, name: str) -> str | None:
    value = form.get(name) if form is not None else None
    return value if isinstance(value, str) else None
