"""Turning what an operator points at (paths, URLs, stdin, archives, uploads) into raw items.

Reading is synchronous and local; fetching URLs and extraction happen later in the pipeline. A source
that cannot be read becomes an item that carries its error, so a batch reports it and goes on.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from bot.errors import UnsupportedInput
from bot.ingest.encoding import BOMS, decode_damaged_utf8, decode_with_bom, detect_legacy
from bot.ingest.normalize import replace_surrogates
from bot.models import FLAG_PAYWALLED, FLAG_TEASER, Origin, Paragraph

MAX_FILE_BYTES = 20 * 1024 * 1024  # one page or text file
MAX_RECORD_BYTES = 20 * 1024 * 1024  # one JSONL line
MAX_UPLOAD_ITEMS = 10_000  # articles read from one Discord upload (NEWSBOT_UPLOAD_MAX_ITEMS)
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".rst"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
_URL_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*)://")  # ftp://, file://, ...

log = logging.getLogger(__name__)

ItemKind = Literal["html", "text", "record", "url", "error"]


@dataclass(slots=True)
class ExplicitFields:
    """Fields an archive line (or a modal) states outright; trusted over what extraction guesses."""

    title: str | None = None
    subtitle: str | None = None
    authors: list[str] | None = None
    published: datetime | None = None
    source: str | None = None
    section: str | None = None
    language: str | None = None
    url: str | None = None
    external_id: str | None = None
    flags: set[str] = field(default_factory=set)  # an export line's known flags (paywalled, teaser)


@dataclass(slots=True)
class RawItem:
    source: str  # how results name it: a path, "path:LINE", a URL, "-"
    kind: ItemKind
    origin: Origin
    content: str | bytes | None = None
    fields: ExplicitFields = field(default_factory=ExplicitFields)
    error: str | None = None
    paragraphs: list[Paragraph] | None = None  # an export line's paragraphs, headings kept


def is_url(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


def iter_source(spec: str, *, jsonl: bool = False, stdin: BinaryIO | None = None) -> Iterator[RawItem]:
    """Every raw item one command-line SOURCE stands for, in a stable order."""
    if is_url(spec):
        yield RawItem(spec, "url", "url", fields=ExplicitFields(url=spec))
        return
    if spec == "-":
        stream = stdin if stdin is not None else os.fdopen(0, "rb", closefd=False)
        if jsonl:
            yield from iter_jsonl(stream, "-")
        else:
            yield _item_from_bytes("-", _read_capped(stream, "-"), force_text=True)
        return
    path = Path(spec)
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts):
                yield from _iter_file(child, jsonl=jsonl)
        return
    if not path.exists():
        scheme = _URL_SCHEME.match(spec)
        if scheme:
            reason = f"unsupported URL scheme {scheme.group(1).lower()!r}: only http:// and https:// URLs can be fetched"
            yield RawItem(spec, "error", "url", error=reason)
            return
        yield RawItem(spec, "error", "file", error=f"no such file or directory: {spec}")
        return
    yield from _iter_file(path, jsonl=jsonl)


def _iter_file(path: Path, *, jsonl: bool) -> Iterator[RawItem]:
    label = str(path)
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    inner = suffixes[-2] if compressed and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    try:
        if jsonl or inner in JSONL_SUFFIXES:
            with _open_maybe_gzip(path, compressed) as stream:
                yield from iter_jsonl(stream, label)
            return
        size = path.stat().st_size
        if size > MAX_FILE_BYTES and not compressed:
            yield _too_large(label, size)
            return
        with _open_maybe_gzip(path, compressed) as stream:
            data = _read_capped(stream, label)
    except UnsupportedInput as exc:
        yield RawItem(label, "error", "file", error=str(exc))
        return
    except (OSError, EOFError, zlib.error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        yield RawItem(label, "error", "file", error=f"cannot read file: {reason}")
        return
    if inner in HTML_SUFFIXES:
        yield _item_from_bytes(label, data, force_html=True)
    elif inner in TEXT_SUFFIXES:
        yield _item_from_bytes(label, data, force_text=True)
    else:
        yield _item_from_bytes(label, data)


def _open_maybe_gzip(path: Path, compressed: bool) -> BinaryIO:
    return gzip.open(path, "rb") if compressed else path.open("rb")  # type: ignore[return-value]


def _read_capped(stream: BinaryIO, label: str, cap: int = MAX_FILE_BYTES) -> bytes:
    """Read at most `cap` bytes (decompressed), so a gzip bomb or a huge pipe cannot exhaust memory."""
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise UnsupportedInput(f"larger than the {cap // (1024 * 1024)} MB limit")
    return data


def _too_large(label: str, size: int) -> RawItem:
    return RawItem(
        label,
        "error",
        "file",
        error=f"file is too large ({size / 1024 / 1024:.1f} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB)",
    )


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if any(head.startswith(bom) for bom, _ in BOMS):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and controls / len(head) > 0.05


def decode_text(data: bytes, *, label: str = "text") -> str:
    """A byte-order mark decides (UTF-8/16/32); else UTF-8; else UTF-8 with a few damaged bytes
    replaced (bot.ingest.encoding explains the rule); else the most plausible legacy encoding."""
    text = decode_with_bom(data)
    if text is not None:
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    damaged = decode_damaged_utf8(data)
    if damaged is not None:
        log.info(
            "invalid UTF-8 bytes replaced",
            extra={
                "source": label,
                "invalid_bytes": damaged.invalid_bytes,
                "first_offset": damaged.first_offset,
            },
        )
        return damaged.text
    codec = detect_legacy(data[:200_000])
    if codec is None:
        raise UnsupportedInput("cannot tell the text encoding (not UTF-8 and no plausible legacy encoding)")
    return data.decode(codec, errors="replace")


def _item_from_bytes(
    label: str, data: bytes, *, force_html: bool = False, force_text: bool = False
) -> RawItem:
    if not data.strip():
        return RawItem(label, "error", "file", error="empty file")
    if looks_binary(data):
        return RawItem(label, "error", "file", error="binary file: expected HTML, text, Markdown or JSONL")
    if force_html or (not force_text and _sniff_html(data)):
        return RawItem(label, "html", "file", content=data)
    try:
        text = decode_text(data, label=label)
    except UnsupportedInput as exc:
        return RawItem(label, "error", "file", error=str(exc))
    return RawItem(label, "text", "text" if label == "-" else "file", content=text)


def _sniff_html(data: bytes) -> bool:
    head = data[:4096].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head or b"<p>" in head


def item_from_upload(filename: str, data: bytes) -> list[RawItem]:
    """An attachment from Discord: routed by its name like a file on disk."""
    name = filename.lower()
    if name.endswith(".gz"):
        try:
            data = _read_capped(gzip.GzipFile(fileobj=io.BytesIO(data)), filename)  # type: ignore[arg-type]
        except (OSError, EOFError, zlib.error, UnsupportedInput) as exc:
            return [RawItem(filename, "error", "file", error=f"cannot decompress: {exc}")]
        name = name[:-3]
    suffix = Path(name).suffix
    if suffix in JSONL_SUFFIXES:
        return list(iter_jsonl(io.BytesIO(data), filename))
    if suffix in HTML_SUFFIXES:
        return [_item_from_bytes(filename, data, force_html=True)]
    if suffix in TEXT_SUFFIXES:
        return [_item_from_bytes(filename, data, force_text=True)]
    return [_item_from_bytes(filename, data)]


def iter_upload(
    filename: str, data: bytes | BinaryIO, *, max_items: int = MAX_UPLOAD_ITEMS
) -> Iterator[RawItem]:
    """An upload item by item, from its bytes or a file holding them (a worker spools a large download
    to disk): a (gzipped) JSONL archive is streamed line by line from the compressed bytes, so memory
    stays bounded whatever it expands to; after `max_items` items one error item says the rest was not
    read. Other files are one item, as `item_from_upload` reads them."""
    name = filename.lower()
    compressed = name.endswith(".gz")
    if Path(name[:-3] if compressed else name).suffix not in JSONL_SUFFIXES:
        if not isinstance(data, bytes):
            try:  # a single page: read whole, within the one-file limit (compressed, it is checked again)
                data = _read_capped(data, filename)
            except UnsupportedInput as exc:
                yield RawItem(filename, "error", "file", error=f"the file is {exc}")
                return
        yield from item_from_upload(filename, data)
        return
    raw: BinaryIO = io.BytesIO(data) if isinstance(data, bytes) else data
    stream: BinaryIO = gzip.GzipFile(fileobj=raw) if compressed else raw  # type: ignore[assignment]
    count = 0
    try:
        for item in iter_jsonl(stream, filename):
            if count >= max_items:
                yield RawItem(
                    filename,
                    "error",
                    "archive",
                    error=f"the upload holds more than {max_items:,} items: only the first {max_items:,} "
                    "were read (split the file, or ask the operator to raise NEWSBOT_UPLOAD_MAX_ITEMS)",
                )
                return
            count += 1
            yield item
    except (OSError, EOFError, zlib.error) as exc:
        yield RawItem(filename, "error", "file", error=f"cannot decompress: {exc}")


# --- JSONL archives -------------------------------------------------------------------------------
def iter_jsonl(stream: BinaryIO, label: str) -> Iterator[RawItem]:
    """One item per non-blank line; a bad line becomes an error item and the rest goes on."""
    number = 0
    while True:
        line = stream.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        number += 1
        where = f"{label}:{number}"
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of the oversized line
                line = stream.readline(1024 * 1024)
            yield RawItem(where, "error", "archive", error="line longer than the 20 MB limit")
            continue
        if not line.strip():
            continue
        yield record_item(where, line)


def record_item(where: str, line: bytes | str) -> RawItem:
    try:
        data = _scrub(json.loads(line))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        return RawItem(where, "error", "archive", error=f"invalid JSON: {reason}")
    except RecursionError:
        return RawItem(where, "error", "archive", error="invalid JSON: nested too deeply")
    if not isinstance(data, dict):
        return RawItem(where, "error", "archive", error="a line must be a JSON object")
    try:
        fields = parse_fields(data)
    except UnsupportedInput as exc:
        return RawItem(where, "error", "archive", error=str(exc))
    html, text, body = data.get("html"), data.get("text"), data.get("body")
    if isinstance(text, str) and text.strip():
        return RawItem(where, "record", "archive", content=text, fields=fields)
    if isinstance(html, str) and html.strip():
        return RawItem(where, "html", "archive", content=html, fields=fields)
    if isinstance(body, str) and body.strip():  # a line of `newsbot export`
        return RawItem(
            where,
            "record",
            "archive",
            content=body,
            fields=fields,
            paragraphs=_paragraphs(data.get("paragraphs")),
        )
    return RawItem(where, "error", "archive", error='needs a non-empty "text", "html" or "body" string')


def _scrub(value: Any, depth: int = 0) -> Any:
    """Lone surrogates in the strings newsbot reads (top-level fields, author and paragraph lists)
    replaced by U+FFFD: valid JSON, but not storable as UTF-8."""
    if isinstance(value, str):
        return replace_surrogates(value)
    if depth >= 3:
        return value
    if isinstance(value, dict):
        return {replace_surrogates(str(k)): _scrub(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, depth + 1) for v in value]
    return value


def _paragraphs(value: object) -> list[Paragraph] | None:
    """`export`'s paragraph list, so headings survive a round trip; None if absent or malformed
    (the body text is used then)."""
    if not isinstance(value, list) or not value:
        return None
    out = []
    for item in value:
        if not isinstance(item, dict) or item.get("kind") not in ("text", "heading"):
            return None
        text = item.get("text")
        if not isinstance(text, str):
            return None
        if text.strip():
            out.append(Paragraph(item["kind"], text))
    return out or None


def parse_fields(data: dict[str, Any]) -> ExplicitFields:
    def text_field(name: str) -> str | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and name in ("id", "external_id"):
            return str(value)
        if not isinstance(value, str):
            raise UnsupportedInput(f'"{name}" must be a string')
        return value.strip() or None

    authors = data.get("authors", data.get("author"))
    if isinstance(authors, str):
        authors = [a.strip() for a in authors.replace(" and ", ",").split(",") if a.strip()]
    elif authors is not None and not (isinstance(authors, list) and all(isinstance(a, str) for a in authors)):
        raise UnsupportedInput('"authors" must be a list of strings')
    published_raw = data.get("published", data.get("date"))
    published = parse_date(published_raw) if published_raw not in (None, "") else None
    # `export` writes the exporting store's row number as "id" and the article's own external id as
    # "external_id"; a row number must not become an external id (it would match unrelated articles).
    external_id = text_field("external_id") if "external_id" in data else text_field("id")
    return ExplicitFields(
        title=text_field("title"),
        subtitle=text_field("subtitle"),
        authors=[a.strip() for a in authors if a.strip()] if authors else None,
        published=published,
        source=text_field("source"),
        section=text_field("section"),
        language=text_field("language"),
        url=text_field("url"),
        external_id=external_id,
        flags=_flags(data.get("flags")),
    )


def _flags(value: object) -> set[str]:
    """Only flags newsbot itself sets; anything else in an archive is ignored."""
    if not isinstance(value, list):
        return set()
    return {f for f in value if f in (FLAG_PAYWALLED, FLAG_TEASER)}


def parse_date(value: object) -> datetime:
    """ISO 8601, RFC 2822 or a Unix timestamp; naive times are taken as UTC."""
    parsed: datetime | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            parsed = datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            parsed = None
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                parsed = None
    if parsed is None:
        raise UnsupportedInput(f'"published" is not a date: {str(value)[:60]!r}')
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
