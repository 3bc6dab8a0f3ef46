"""Dates mentioned in a sentence, resolved against the publication date."""

from __future__ import annotations

from datetime import date

import pytest

from bot.briefing.dates import mentioned_dates

THU = date(2010, 6, 17)  # a Thursday


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("On June 15 BP said the cap held.", [date(2010, 6, 15)]),
        ("The well blew out on 20 April 2010, killing 11.", [date(2010, 4, 20)]),
        ("Officials met on Jun. 3rd in Houston.", [date(2010, 6, 3)]),
        ("The report of 2010-05-27 was revised.", [date(2010, 5, 27)]),
        ("Last Tuesday the cap failed.", [date(2010, 6, 15)]),
        ("On Tuesday, officials spoke.", [date(2010, 6, 15)]),
        ("The hearing is on Thursday.", [THU]),
        ("Last Thursday the hearing opened.", [date(2010, 6, 10)]),
        ("He will testify on Friday.", [date(2010, 6, 18)]),
        ("Next Monday the work resumes.", [date(2010, 6, 21)]),
        ("Oil washed ashore yesterday and again today.", [date(2010, 6, 16), THU]),
        ("On Dec. 20 the rig was inspected.", [date(2009, 12, 20)]),  # no year: the past one
        ("The talks due on July 2 will decide.", [date(2010, 7, 2)]),  # spoken of as future
        ("In May 2010 prices fell; they may rise.", []),  # a month alone is no day; "may" is a verb
        ("Junk 15 and 15 Junkies are not dates.", []),
        ("February 30 does not exist.", []),
    ],
)
def test_resolution(sentence: str, expected: list[date]) -> None:
    assert mentioned_dates(sentence, THU) == expected


def test_year_boundary_goes_back_not_forward() -> None:
    # published 5 January 2011: "December 28" is eight days earlier, not almost a year later
    assert mentioned_dates("Since December 28 the beaches are closed.", date(2011, 1, 5)) == [
        date(2010, 12, 28)
    ]


def test_each_day_once_in_order_of_appearance() -> None:
    found = mentioned_dates("On June 15 and again on Tuesday (June 15), then June 16.", THU)
    assert found == [date(2010, 6, 15), date(2010, 6, 16)]
