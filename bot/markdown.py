"""Discord-markdown safety for plain strings, shared by the cogs and by messages `bot/` composes itself
(topic digests). No discord import: these are text rules, not API types."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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
    flat = " ".join(INVISIBLE.sub("", text or "").replace("`", "\u02cb").split())
    if len(flat) > limit:
        flat = flat[: max(limit - 1, 0)].rstrip() + "…"
    return f"`{flat}`" if flat else "`…`"


# Bidi overrides/isolates (U+202A-U+202E, U+2066-U+2069) flip how a line reads ("gnp.exe" shown as "exe.png");
# zero-width characters hide text inside words. Neither has a place in what newsbot shows.
INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff\u00ad]")
# The characters Discord's markdown gives a meaning to anywhere in a line: a backslash makes each literal
# (Discord drops a backslash before any ASCII punctuation). Escaping every bracket, not only the first of a
# line, is what keeps `[a] [b](url)` from becoming a masked link (parentheses alone then mean nothing).
_SPECIAL = re.compile(r"([\\*_~|`>\[\]<@])")
_SCHEME = re.compile(r"(?<=[A-Za-z0-9+.-]):(?=//)")  # `https://...` autolinks; `https\://...` does not
# line starts: headings, subtext (`-# `) and list bullets (`*` and `>` are escaped everywhere)
_LINE_MARK = re.compile(r"^(\s*)(#{1,3}|-#|[\-+])(?=\s)", re.MULTILINE)
_LINE_NUM = re.compile(r"^(\s*)(\d+)\.(?=\s)", re.MULTILINE)  # numbered lists
_PING = re.compile(r"@(?=everyone|here)", re.IGNORECASE)
_URLISH = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/|^\s*(www\.)?[\w-]+(\.[\w-]+)+(/|\s*$)", re.IGNORECASE)


def escape(text: str | None) -> str:
    """Article or user text made inert for Discord: the one escaping rule of every message newsbot builds.

    No markdown (bold, links, code, spoilers, headings, lists, block quotes), no masked or auto links,
    no mentions, no bidi overrides or zero-width characters."""
    if not text:
        return ""
    out = INVISIBLE.sub("", text)
    out = _SPECIAL.sub(r"\\\1", out)
    out = _PING.sub("@\u200b", out)  # belt and braces: `\@everyone` is already literal
    out = _SCHEME.sub(r"\\:", out)
    out = _LINE_MARK.sub(lambda m: m.group(1) + "\\" + m.group(2), out)
    return _LINE_NUM.sub(lambda m: m.group(1) + m.group(2) + "\\.", out)


def link_text(text: str) -> str:
    """Escaped text for inside `[...]`: square brackets become parentheses so none can close the link."""
    return escape(text).replace("\\[", "(").replace("\\]", ")")


def masked_link(text: str, url: str | None, limit: int = 150) -> str:
    """The one place newsbot makes a link: `[text](<url>)` to the article's own http(s) URL, text escaped
    and clipped to `limit`. A text that itself looks like an address (a feed item titled
    `https://bank.example/login`) is never the label of a link elsewhere: it is shown as text and the
    link is labelled with its own host. No usable URL: the text alone."""
    target = link_target(url)
    shown = link_text(text)
    if len(shown) > limit:
        shown = shown[: max(limit - 1, 0)].rstrip().rstrip("\\") + "…"
    if target is None:
        return shown
    if _URLISH.search(text):
        host = urlsplit(url or "").hostname or "link"
        return f"{shown} · [{link_text(host)}](<{target}>)"
    return f"[{shown}](<{target}>)"
