"""The NHS.UK date-input pattern's three boxes read as one date, with the pattern's messages."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.care.domain.errors import InvalidCareInput
from nhc.care.domain.values import check_date_parts


@pytest.mark.parametrize(
    ("day", "month", "year"), [("31", "12", "2026"), (" 31 ", "12", "2026"), ("31", "012", "2026")]
)
def test_three_boxes_make_a_date(day, month, year) -> None:
    assert check_date_parts(day, month, year) == dt.date(2026, 12, 31)


def test_a_leading_zero_is_optional() -> None:
    assert check_date_parts("5", "04", "2026") == check_date_parts("05", "4", "2026") == dt.date(2026, 4, 5)


def test_all_empty_asks_for_the_date_by_name() -> None:
    with pytest.raises(InvalidCareInput, match="enter the review date, for example 30 4 2026"):
        check_date_parts("", None, " ", "review date")


@pytest.mark.parametrize(
    ("parts", "missing"),
    [(("", "4", "2026"), "a day"), (("30", "", "2026"), "a month"), (("", "", "2026"), "a day and a month")],
)
def test_a_missing_box_is_named(parts, missing) -> None:
    with pytest.raises(InvalidCareInput, match=f"review date must include {missing}$"):
        check_date_parts(*parts, "review date")


@pytest.mark.parametrize(
    "parts", [("31", "2", "2026"), ("30", "13", "2026"), ("0", "1", "2026"), ("x", "1", "2026")]
)
def test_a_day_that_does_not_exist_is_not_a_real_date(parts) -> None:
    with pytest.raises(InvalidCareInput, match="review date must be a real date"):
        check_date_parts(*parts, "review date")


@pytest.mark.parametrize("year", ["26", "202", "²⁰²⁶"])
def test_the_year_has_four_numbers(year) -> None:
    with pytest.raises(InvalidCareInput, match="review date"):
        check_date_parts("1", "1", year, "review date")
