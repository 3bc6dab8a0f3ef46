"""Discord-markdown safety for plain strings, shared by the cogs and by messages `bot/` composes itself
(topic digests). No discord import: these are text rules, not API types."""

from __future__ import annotations

LINK_BREAKERS = frozenset("<>()[]\\`|\"'")  # characters that end or re-open `[text](<url>)` syntax


def link_target(url: str | None) -> str | None:
    """An http(s) URL made safe inside `[text](<url>)`: whitespace, control characters and the characters
    that end or re-open markdown syntax are percent-encoded (same address, inert text); else None."""
    url = (url or "").strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    return "".join(
        "".join(f"%{b:02X}" for b in c.encode())
        if c in LINK_BREAKERS or c.isspace() or not c.isprintable()
        else c
        for c in url
    )


def inline_code(text: str | None, limit: int = 80) -> str:
    """User text shown as inline code: verbatim (no markdown escaping inside a code span), backticks
    replaced by a look-alike so none can end the span, whitespace and newlines collapsed, clipped."""
    flat = " ".join((text or "").replace("`", "\u02cb").split())
    if len(flat) > limit:
        flat = flat[: max(limit - 1, 0)].rstrip() + "…"
    return f"`{flat}`" if flat else "`…`"
