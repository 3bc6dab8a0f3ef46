from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import InvalidQuery
from bot.search.dates import parse_when

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("7d", timedelta(days=7)),
        ("2w", timedelta(days=14)),
        ("1m", timedelta(days=30)),
        ("1y", timedelta(days=365)),
        ("12h", timedelta(hours=12)),
        (" 3D ", timedelta(days=3)),
    ],
)
def test_relative(text: str, delta: timedelta) -> None:
    assert parse_when(text, now=NOW) == NOW - delta


def test_iso_dates() -> None:
    assert parse_when("2022-06-01", now=NOW) == datetime(2022, 6, 1, tzinfo=UTC)
    assert parse_when("2022-06-01", now=NOW, end_of_day=True) == datetime(2022, 6, 2, tzinfo=UTC)
    assert parse_when("2022-06-01T10:30:00+02:00") == datetime(2022, 6, 1, 8, 30, tzinfo=UTC)
    assert parse_when("2022-06-01T10:30:00Z") == datetime(2022, 6, 1, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "yesterday", "7x", "2022-13-01", "99999999y", "-3d"])
def test_bad_dates_raise_invalid_query(text: str) -> None:
    with pytest.raises(InvalidQuery):
        parse_when(text, now=NOW)
