"""The shipped bank holidays (England and Wales) checked against the rules that make them."""

from __future__ import annotations

import datetime as dt

from nhc.navigation.rulebook import load_rulebook


def easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous algorithm), independent of the shipped file."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


def mondays(year: int, month: int) -> list[dt.date]:
    day = dt.date(year, month, 1)
    out = []
    while day.month == month:
        if day.weekday() == 0:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def expected(year: int) -> set[dt.date]:
    sunday = easter(year)
    days = {sunday - dt.timedelta(days=2), sunday + dt.timedelta(days=1)}
    days |= {mondays(year, 5)[0], mondays(year, 5)[-1], mondays(year, 8)[-1]}
    new_year = dt.date(year, 1, 1)
    days.add(new_year + dt.timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0)))
    christmas, boxing = dt.date(year, 12, 25), dt.date(year, 12, 26)
    if christmas.weekday() == 5:  # Saturday: Monday and Tuesday
        days |= {dt.date(year, 12, 27), dt.date(year, 12, 28)}
    elif christmas.weekday() == 4:  # Friday: Boxing Day moves to Monday
        days |= {christmas, dt.date(year, 12, 28)}
    elif christmas.weekday() == 6:  # Sunday
        days |= {boxing, dt.date(year, 12, 27)}
    else:
        days |= {christmas, boxing}
    return days


def test_bank_holidays_2025_to_2027_follow_the_rules():
    shipped = load_rulebook().calendar.bank_holidays
    for year in (2025, 2026, 2027):
        assert {d for d in shipped if d.year == year} == expected(year), year


def test_boxing_day_2026_is_the_monday_substitute():
    calendar = load_rulebook().calendar
    assert calendar.is_bank_holiday(dt.date(2026, 12, 28)) and not calendar.is_bank_holiday(
        dt.date(2026, 12, 26)
    )
