"""The one way a panel form's id field is read: blank is no id, digits are an id, anything else is refused."""

from __future__ import annotations

import pytest

from bot.errors import InvalidQuery
from bot.panel.pickers import form_int


def test_form_int() -> None:
    assert form_int(None, "channel") is None
    assert form_int({}, "channel") is None
    assert form_int({"channel": "   "}, "channel") is None
    assert form_int({"channel": " 1234 "}, "channel") == 1234
    assert form_int({"channel": "9" * 19}, "channel") == int("9" * 19)
    for bad in ("12a", "-5", "1.5", "9" * 20, "١٢", "²"):  # before: "²" raised ValueError (a 500 page)
        with pytest.raises(InvalidQuery, match="^channel must be a number$"):
            form_int({"channel": bad}, "channel")
