"""Byte-order marks and damaged UTF-8: the decoding rules text files and HTML pages share.

The rule for bytes without a byte-order mark that are not strictly valid UTF-8: if more of their
non-ASCII bytes form valid UTF-8 sequences than not, the file *is* UTF-8 with a few damaged bytes
(a truncated copy, a stray byte from a bad paste) and is decoded as UTF-8 with each bad byte
replaced by U+FFFD. Re-reading it as a legacy encoding instead would garble every other non-ASCII
character, title included. Text wholly in a legacy encoding (cp1251, cp1252...) has almost no valid
UTF-8 sequences, so it still goes to charset detection.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

log = logging.getLogger(__name__)

BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ASCII = bytes(range(128))  # deleted by translate() to count the non-ASCII bytes
_ESCAPED = re.compile("[\udc80-\udcff]")  # surrogateescape's one code point per invalid byte


def decode_with_bom(data: bytes) -> str | None:
    """Text after a byte-order mark, decoded as the mark says; None without one."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    return None


@dataclass(frozen=True, slots=True)
class DamagedUTF8:
    text: str  # invalid bytes replaced by U+FFFD
    invalid_bytes: int
    first_offset: int


def decode_damaged_utf8(data: bytes) -> DamagedUTF8 | None:
    """`data` as UTF-8 with its invalid bytes replaced, if it is mostly UTF-8 (see the module doc);
    None when it is more plausibly a legacy encoding. Call only after a strict UTF-8 decode failed."""
    escaped = data.decode("utf-8", errors="surrogateescape")
    first = _ESCAPED.search(escaped)
    if first is None:
        return None
    invalid = len(escaped) - len(_ESCAPED.sub("", escaped))
    high = len(data.translate(None, _ASCII))
    if high - invalid <= invalid:
        return None
    offset = len(escaped[: first.start()].encode("utf-8", errors="surrogateescape"))
    return DamagedUTF8(data.decode("utf-8", errors="replace"), invalid, offset)


# On short samples several single-byte codecs tie; prefer the ones the web actually uses.
_COMMON = (
    "cp1252",
    "cp1251",
    "cp1250",
    "gb18030",
    "shift_jis",
    "euc_kr",
    "big5",
    "euc_jp",
    "cp1256",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1257",
    "koi8_r",
    "iso8859_2",
    "iso8859_15",
)
_TIE_CHAOS = 0.1
_TIE_COHERENCE = 0.1


def detect_legacy(sample: bytes) -> str | None:
    """The most plausible encoding (charset-normalizer), preferring common codecs on a tie."""
    results = list(from_bytes(sample))
    if not results:
        return None
    best = results[0]
    tied = {
        r.encoding
        for r in results
        if r.chaos <= best.chaos + _TIE_CHAOS and r.coherence >= best.coherence - _TIE_COHERENCE
    }
    for codec in _COMMON:
        if codec in tied:
            return codec
    return str(best.encoding)
