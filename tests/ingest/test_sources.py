"""What a SOURCE argument or an archive line becomes, before any extraction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.ingest.sources import iter_source, record_item


@pytest.mark.parametrize("spec", ["ftp://example.com/x", "FILE:///etc/passwd", "gopher://h/1"])
def test_other_url_schemes_are_unsupported_not_missing_files(spec: str) -> None:
    (item,) = iter_source(spec)
    assert item.kind == "error"
    assert item.error is not None and "unsupported URL scheme" in item.error and "http" in item.error
    assert "no such file" not in item.error


def test_a_missing_path_is_still_a_missing_file(tmp_path: Path) -> None:
    (item,) = iter_source(str(tmp_path / "nope.txt"))
    assert item.error is not None and item.error.startswith("no such file or directory")


def test_an_export_line_reads_back_with_its_fields() -> None:
    line = {
        "id": 7,
        "title": "Rates rise",
        "subtitle": "Third increase",
        "authors": ["Ann Lee"],
        "published": "2024-05-01T09:30:00+00:00",
        "section": "Economy",
        "source": "Daily",
        "url": "https://x.test/a",
        "language": "en",
        "flags": ["paywalled", "made-up"],
        "word_count": 9,
        "paragraphs": [{"kind": "heading", "text": "Markets"}, {"kind": "text", "text": "Banks rose."}],
        "body": "Markets\n\nBanks rose.",
        "guild": None,
        "duplicate_of": None,
        "external_id": None,
        "summary": ["Banks rose."],
        "keywords": ["banks"],
    }
    item = record_item("x.jsonl:1", json.dumps(line))
    assert item.kind == "record" and item.content == "Markets\n\nBanks rose."
    assert item.paragraphs is not None and [p.kind for p in item.paragraphs] == ["heading", "text"]
    f = item.fields
    assert (f.title, f.subtitle, f.authors, f.section, f.source, f.url, f.language) == (
        "Rates rise",
        "Third increase",
        ["Ann Lee"],
        "Economy",
        "Daily",
        "https://x.test/a",
        "en",
    )
    assert f.published is not None and f.published.isoformat() == "2024-05-01T09:30:00+00:00"
    assert f.flags == {"paywalled"}
    # "id" is the exporting store's row number; "external_id" (here none) is the article's own.
    assert f.external_id is None
    assert record_item("x:2", json.dumps({**line, "external_id": "wire-42"})).fields.external_id == "wire-42"
    # A plain archive line keeps using "id" as the external id.
    assert record_item("x:3", json.dumps({"id": 42, "text": "Some text."})).fields.external_id == "42"


def test_an_export_line_with_odd_paragraphs_falls_back_to_its_body() -> None:
    item = record_item(
        "x:1", json.dumps({"body": "One.\n\nTwo.", "paragraphs": [{"kind": "table", "text": "?"}]})
    )
    assert item.kind == "record" and item.paragraphs is None and item.content == "One.\n\nTwo."
    empty = record_item("x:2", json.dumps({"body": "  ", "title": "t"}))
    assert empty.kind == "error" and empty.error is not None and '"body"' in empty.error
