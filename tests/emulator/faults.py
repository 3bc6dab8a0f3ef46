"""Fault injection for the Discord emulator: ``emu.faults``.

Every fault is a rule that fires a bounded number of times (``times``) and counts how often it fired, so
a test (and ``bench/reliability.py``) can say how many times a fault was injected:

* ``rest_error(route, status, times)`` — answer 500/502/503 (or any status) instead of handling the call;
* ``rest_delay(route, seconds, times)`` — handle the call only after ``seconds`` (the bot's own timeout
  fires first: the message then exists although the bot never saw the answer);
* ``rest_drop(route, times)`` — handle the call, then close the connection without an answer (a lost
  response);
* ``rate_storm(route, times, retry_after, global_=False)`` — 429s, per route or global (``"global": true``
  and ``X-RateLimit-Global``), as Discord sends them;
* ``deny(channel, "send" | "view")`` / ``allow(channel)`` — channel-level permission loss: sends answer
  403 50013 (Missing Permissions) or 50001 (Missing Access) until allowed again;
* ``expire_tokens_after(seconds)`` — interaction webhooks (followups, edits of @original) older than
  ``seconds`` answer 401 50027 (Invalid Webhook Token), as Discord does after 15 minutes;
* ``close_gateway_on(event, deliver=True, code=4000)`` — close the websocket right after (``deliver``) or
  instead of (not ``deliver``: recorded for RESUME replay only) the next dispatch of ``event``.

``invalid_answers()`` counts the 401/403/429 answers the emulator gave (Discord bans an IP at 10,000 within
ten minutes). Routes are patterns as for ``emu.ratelimit``: ``"POST /channels/{id}/messages"``; a bare
``"*"`` matches every REST call.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .http_util import ApiError, json_response, ratelimit_headers

if TYPE_CHECKING:
    from aiohttp import web

    from .server import DiscordEmulator

INVALID = (401, 403, 429)


def _route_regex(pattern: str) -> tuple[str, re.Pattern[str]]:
    if pattern == "*":
        return "", re.compile(".*")
    method, _, path = pattern.partition(" ") if " " in pattern else ("", "", pattern)
    return method.upper(), re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "/?$")


@dataclass
class Rule:
    kind: str  # "error" | "delay" | "drop" | "storm"
    route: str
    times: int | None
    status: int = 0
    seconds: float = 0.0
    global_: bool = False
    fired: int = 0
    method: str = field(init=False)
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.method, self.regex = _route_regex(self.route)

    def take(self, method: str, path: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if (self.method and self.method != method) or not self.regex.match(path):
            return False
        self.fired += 1
        return True


@dataclass
class GatewayRule:
    event: str
    deliver: bool
    code: int
    times: int
    fired: int = 0


class Faults:
    """The fault plan of one emulator; empty by default (no behaviour changes)."""

    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emu = emulator
        self.rules: list[Rule] = []
        self.gateway_rules: list[GatewayRule] = []
        self.denied: dict[int, str] = {}  # channel id -> "send" | "view"
        self.refused_by_permission = 0
        self.token_ttl: float | None = None
        self.expired_token_answers = 0

    # ---- planning ----------------------------------------------------------------------------------------
    def rest_error(self, route: str, status: int = 503, *, times: int | None = 1) -> Rule:
        return self._add(Rule("error", route, times, status=status))

    def rest_delay(self, route: str, seconds: float, *, times: int | None = 1) -> Rule:
        return self._add(Rule("delay", route, times, seconds=seconds))

    def rest_drop(self, route: str, *, times: int | None = 1) -> Rule:
        return self._add(Rule("drop", route, times))

    def rate_storm(
        self, route: str, *, times: int | None, retry_after: float = 0.2, global_: bool = False
    ) -> Rule:
        return self._add(Rule("storm", route, times, status=429, seconds=retry_after, global_=global_))

    def _add(self, rule: Rule) -> Rule:
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()
        self.gateway_rules.clear()
        self.denied.clear()
        self.token_ttl = None

    def deny(self, channel: Any, what: str = "send") -> None:
        if what not in ("send", "view"):
            raise ValueError("deny 'send' or 'view'")
        self.denied[_id(channel)] = what

    def allow(self, channel: Any) -> None:
        self.denied.pop(_id(channel), None)

    def expire_tokens_after(self, seconds: float | None) -> None:
        self.token_ttl = seconds

    def close_gateway_on(
        self, event: str, *, deliver: bool = True, code: int = 4000, times: int = 1
    ) -> GatewayRule:
        rule = GatewayRule(event, deliver, code, times)
        self.gateway_rules.append(rule)
        return rule

    # ---- counting ------------------------------------------------------------------------------------------
    def injected(self) -> int:
        return sum(r.fired for r in self.rules) + sum(r.fired for r in self.gateway_rules)

    def invalid_answers(self) -> int:
        """401, 403 and 429 answers given so far (what Discord's invalid-request limit counts)."""
        return sum(1 for r in self.emu.requests if r.status in INVALID)

    # ---- hooks (called by the server, the REST handlers and the gateway) -------------------------------------
    def before_rest(self, method: str, path: str) -> Rule | None:
        for rule in self.rules:
            if rule.take(method, path):
                return rule
        return None

    def error_response(self, rule: Rule, bucket: str) -> web.Response:
        if rule.kind == "storm":
            headers = ratelimit_headers(bucket, remaining=0, reset_after=rule.seconds)
            headers.update(
                {
                    "Retry-After": str(max(1, int(rule.seconds + 0.999))),
                    "X-RateLimit-Scope": "global" if rule.global_ else "user",
                    "Via": "1.1 google",
                }
            )
            if rule.global_:
                headers["X-RateLimit-Global"] = "true"
            body = {
                "message": "You are being rate limited.",
                "retry_after": rule.seconds,
                "global": rule.global_,
            }
            return json_response(429, body, headers)
        messages = {
            500: "500: Internal Server Error",
            502: "502: Bad Gateway",
            503: "503: Service Unavailable",
        }
        return json_response(rule.status, {"message": messages.get(rule.status, "error"), "code": 0})

    def check_channel(self, channel_id: int, *, sending: bool) -> None:
        what = self.denied.get(channel_id)
        if what == "view":
            self.refused_by_permission += 1
            raise ApiError(403, 50001, "Missing Access")
        if what == "send" and sending:
            self.refused_by_permission += 1
            raise ApiError(403, 50013, "Missing Permissions")

    def check_token(self, sent_at: float) -> None:
        if self.token_ttl is not None and time.monotonic() - sent_at > self.token_ttl:
            self.expired_token_answers += 1
            raise ApiError(401, 50027, "Invalid Webhook Token")

    def gateway_rule(self, event: str) -> GatewayRule | None:
        for rule in self.gateway_rules:
            if rule.event == event and rule.fired < rule.times:
                rule.fired += 1
                return rule
        return None


def _id(channel: Any) -> int:
    return int(channel) if isinstance(channel, int | str) else int(channel.id)
