"""The NHS.UK date input read back (nhc.web.care.pages.forms): three boxes, or one field split into
them so a form shows the date again as it was typed; and which box an error is about."""

from __future__ import annotations

import pytest

from nhc.care.domain import InvalidCareInput
from nhc.web.care.pages.forms import DateBoxes, date_boxes, error_field


@pytest.mark.parametrize(
    ("boxes", "single", "expected", "text"),
    [
        (("31", "12", "2026"), "", DateBoxes("31", "12", "2026"), "31/12/2026"),
        ((" 1", "2 ", ""), "", DateBoxes("1", "2", ""), "1/2/"),
        (("", "", ""), "", DateBoxes(), ""),
        (("", "", ""), "31/12/2026", DateBoxes("31", "12", "2026", "31/12/2026"), "31/12/2026"),
        (("", "", ""), "2026-12-31", DateBoxes("31", "12", "2026", "2026-12-31"), "2026-12-31"),
        (("", "", ""), "soon", DateBoxes("soon", "", "", "soon"), "soon"),
        (("4", "", ""), "31/12/2026", DateBoxes("4", "", ""), "4//"),  # the boxes win
    ],
)
def test_date_boxes(boxes, single, expected, text) -> None:
    got = date_boxes(*boxes, single=single)
    assert got == expected and got.text == text


def test_error_field_is_the_first_whose_words_the_message_has() -> None:
    fields = {"finish time": "ends", "start time": "starts"}
    assert error_field(InvalidCareInput("the finish time must be after the start time"), fields) == "ends"
    assert error_field(InvalidCareInput("start time must be a time of day"), fields) == "starts"
    assert error_field(InvalidCareInput("something else"), fields) is None
    assert error_field(None, fields) is None
