"""Issue 12, findings 3 and 5: uploads and archives stream item by item under a cap; one hostile line
(deep nesting, a lone surrogate) fails alone; bidi overrides never reach a stored title."""

from __future__ import annotations

import gzip
import json
import tracemalloc

from bot.ingest.normalize import normalize_inline, split_paragraphs
from bot.ingest.sources import iter_upload, record_item

GOOD = json.dumps({"title": "Fine", "text": "A perfectly ordinary line of article text for the archive."})


def test_a_deeply_nested_line_fails_alone() -> None:
    item = record_item("a.jsonl:1", b"[" * 200_000 + b"]" * 200_000)
    assert item.kind == "error" and "nested" in (item.error or ""), item
    item = record_item("a.jsonl:2", b'{"text": {"a": ' * 50_000 + b"1" + b"}" * 50_000)
    assert item.kind == "error", item


def test_a_lone_surrogate_is_replaced() -> None:
    item = record_item(
        "a.jsonl:1", b'{"title": "Bad \\ud800 title", "text": "Some text \\udfff here for the body."}'
    )
    assert item.kind == "record", item
    assert item.fields.title == "Bad \ufffd title"
    assert item.content == "Some text \ufffd here for the body."


def test_bidi_overrides_are_removed_from_titles_and_text() -> None:
    assert normalize_inline("Cheap \u202egnp.exe\u202c watches \u2066x\u2069") == "Cheap gnp.exe watches x"
    assert "\u202e" not in split_paragraphs("Body \u202e reversed")[0].text


def _upload(lines: int) -> bytes:
    return gzip.compress(("\n".join([GOOD] * lines) + "\n").encode(), 9)


def test_a_huge_gzipped_upload_streams_under_the_item_cap() -> None:
    data = _upload(1_500_000)
    assert len(data) < 1_000_000  # well under the 8 MB upload limit
    tracemalloc.start()
    items = iter_upload("flood.jsonl.gz", data, max_items=1000)
    count = 0
    errors = []
    for item in items:
        if item.kind == "error":
            errors.append(item.error or "")
        else:
            count += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 1000
    assert len(errors) == 1 and "1,000 items" in errors[0], errors
    assert peak < 30_000_000, peak  # streamed: not the whole decompressed archive nor 1.5 M items


def test_an_upload_under_the_cap_is_read_whole() -> None:
    items = list(iter_upload("few.jsonl", ("\n".join([GOOD] * 5)).encode(), max_items=1000))
    assert [i.kind for i in items] == ["record"] * 5
    items = list(
        iter_upload("page.html.gz", gzip.compress(b"<html><body><p>Hi</p></body></html>"), max_items=10)
    )
    assert [i.kind for i in items] == ["html"]
