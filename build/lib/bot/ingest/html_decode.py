"""Bytes to text for HTML pages: HTTP charset, byte-order mark, <meta charset>, then detection."""

from __future__ import annotations

import codecs
import logging
import re

from bot.ingest.encoding import decode_damaged_utf8, decode_with_bom, detect_legacy

log = logging.getLogger(__name__)

_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
# <meta charset="x"> or <meta http-equiv="Content-Type" content="text/html; charset=x">, in the head.
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_HEAD_BYTES = 4096
_DETECT_BYTES = 200_000
# Labels browsers map to a superset (WHATWG encoding standard), so text decodes as the page intends.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
}


def _codec(label: str | None) -> str | None:
    """A Python codec name for a declared charset label, or None if unknown."""
    if not label:
        return None
    name = _ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        log.debug("unknown charset label %r", label)
        return None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(data: bytes, *, content_type: str | None = None) -> str:
    """Bytes -> text using the HTTP charset, BOM, <meta charset>, else charset detection (charset-normalizer).

    A declared charset that fails to decode strictly is treated as a lie (common with legacy
    pages) and detection takes over, except that bytes that are mostly valid UTF-8 are read as
    UTF-8 with the few damaged bytes replaced; the last resort is UTF-8 with replacement characters.
    """
    bom_text = decode_with_bom(data)
    if bom_text is not None:
        return bom_text
    declared: list[str] = []
    if content_type:
        m = _HTTP_CHARSET.search(content_type)
        if m and (c := _codec(m.group(1))):
            declared.append(c)
    m2 = _META_CHARSET.search(data[:_HEAD_BYTES])
    if m2 and (c := _codec(m2.group(1).decode("ascii", "ignore"))):
        # A UTF-16 meta label inside an ASCII-compatible document is always wrong.
        declared.append("utf-8" if c.startswith("utf-16") or c.startswith("utf-32") else c)
    for codec in declared:
        text = _strict(data, codec)
        if text is not None:
            return text
    text = _strict(data, "utf-8")
    if text is not None:
        return text
    damaged = decode_damaged_utf8(data)
    if damaged is not None:
        log.debug("invalid UTF-8 bytes replaced", extra={"invalid_bytes": damaged.invalid_bytes})
        return damaged.text
    detected = detect_legacy(data[:_DETECT_BYTES])
    if detected is not None:
        log.debug("detected charset %s", detected)
        return data.decode(detected, errors="replace")
    return data.decode(declared[0] if declared else "utf-8", errors="replace")
