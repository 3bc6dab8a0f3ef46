"""Discord's message limits, checked on what the bot actually sent."""

from __future__ import annotations

import re
from typing import Any

_UNESCAPED_MENTION = re.compile(r"(?<!\\)@(everyone|here)\b")


def embed_length(e: dict[str, Any]) -> int:
    total = len(e.get("title") or "") + len(e.get("description") or "")
    total += len((e.get("footer") or {}).get("text") or "") + len((e.get("author") or {}).get("name") or "")
    for f in e.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    return total


def assert_within_limits(msg: dict[str, Any]) -> None:
    assert len(msg.get("content") or "") <= 2000
    embeds = msg.get("embeds") or []
    assert len(embeds) <= 10
    for e in embeds:
        assert len(e.get("title") or "") <= 256
        assert len(e.get("description") or "") <= 4096
        assert len((e.get("footer") or {}).get("text") or "") <= 2048
        assert len((e.get("author") or {}).get("name") or "") <= 256
        fields = e.get("fields") or []
        assert len(fields) <= 25
        for f in fields:
            assert 0 < len(f["name"]) <= 256
            assert 0 < len(f["value"]) <= 1024
    assert sum(embed_length(e) for e in embeds) <= 6000


def all_text(msg: dict[str, Any]) -> str:
    parts = [msg.get("content") or ""]
    for e in msg.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or "", (e.get("footer") or {}).get("text") or ""]
        parts.append((e.get("author") or {}).get("name") or "")
        for f in e.get("fields") or []:
            parts += [f.get("name") or "", f.get("value") or ""]
    return "\n".join(parts)


def assert_no_pings(msg: dict[str, Any]) -> None:
    """Raw mention text in the message is neutralised (escaped or broken up)."""
    text = all_text(msg)
    assert not _UNESCAPED_MENTION.search(text.replace("@\u200b", "")), text[:500]
    assert not re.search(r"<@!?&?\d{17,20}>", text), text[:500]


def message_bodies(requests: list[Any]) -> list[dict[str, Any]]:
    """Every message body the bot sent: callbacks with content, webhook posts/edits, channel messages."""
    out = []
    for r in requests:
        body = r.json
        if not isinstance(body, dict) or r.method not in ("POST", "PATCH"):
            continue
        if r.path.endswith("/callback"):
            if body.get("type") in (4, 7) and isinstance(body.get("data"), dict):
                out.append(body["data"])
        elif "/webhooks/" in r.path or r.path.endswith("/messages") or "/messages/" in r.path:
            out.append(body)
    return out


def assert_requests_never_ping(requests: list[Any]) -> None:
    """Every message the bot sent disabled mention parsing (AllowedMentions.none())."""
    bodies = message_bodies(requests)
    assert bodies
    for body in bodies:
        if "content" in body or "embeds" in body:
            allowed = body.get("allowed_mentions")
            assert allowed is not None and allowed.get("parse") == [], body
