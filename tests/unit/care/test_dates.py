"""Dates as people in the UK type them (issue 20: "31/12/2026" in any date box gave a dead end)."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.care import domain as d

NYE = dt.date(2026, 12, 31)


@pytest.mark.parametrize("typed", ["31/12/2026", "31.12.2026", "31-12-2026", "31 12 2026", " 31/12/2026 "])
def test_uk_day_month_year_is_accepted(typed: str) -> None:
    assert d.check_due(typed, "review date") == NYE


def test_single_digit_day_and_month() -> None:
    assert d.check_due("1/2/2027") == dt.date(2027, 2, 1)


def test_iso_dates_still_work() -> None:
    assert d.check_due("2026-12-31") == NYE


@pytest.mark.parametrize("typed", ["31/02/2026", "13/13/2026", "next week", "12/2026"])
def test_impossible_or_unreadable_dates_name_the_field_and_show_the_format(typed: str) -> None:
    with pytest.raises(d.InvalidCareInput, match=r"review date must be a real date like 30/04/2026"):
        d.check_due(typed, "review date")


def test_a_blank_date_asks_for_one() -> None:
    with pytest.raises(d.InvalidCareInput, match="enter the review date"):
        d.check_due("", "review date")
