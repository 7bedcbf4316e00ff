"""Months and the people in them: the monthly population every indicator counts from.

A month is an integer index (``year * 12 + month - 1``) inside the rules, so that "the 15 months
ending with this one" is plain arithmetic on any engine; outputs carry the month's first day.

The population of a month is everyone registered with a practice on the month's last day and alive
then (a death on that day takes them out), with their practice, sex, ethnicity, IMD quintile of their
small area (0: not known) and age and age band on that day. Registrations are taken not to overlap
(the lake's key is person and start date; one starting the day after another ends is the usual case).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis

from nhc.analytics.rules.inputs import require_columns
from nhc.vocab import AGE_BAND_LIMITS

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: The cell a person-month falls in: every breakdown is a sum of cells.
CELL = ("month", "practice_code", "imd_quintile", "sex", "age_band", "ethnicity")
UNKNOWN_ETHNICITY = "Not stated"


def index_of(day: dt.date) -> int:
    """The month index of ``day``."""
    return day.year * 12 + day.month - 1


def first_day(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def last_day(index: int) -> dt.date:
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def last_complete_month(as_of: dt.date) -> int:
    """The index of the last month that has ended on or before ``as_of``."""
    month = index_of(as_of)
    return month if last_day(month) == as_of else month - 1


def month_index(date: ir.DateValue) -> ir.IntegerValue:
    """The month index of a date column."""
    return (date.year() * 12 + date.month() - 1).cast("int32")


def month_date(index: ir.IntegerValue) -> ir.DateValue:
    """The first day of the month of an index column."""
    return ibis.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Span:
    """The months a series covers, ``first`` to ``last`` (indices, both included)."""

    first: int
    last: int

    @classmethod
    def ending(cls, as_of: dt.date, count: int = 60) -> Span:
        """``count`` months ending with the last complete month on or before ``as_of``."""
        last = last_complete_month(as_of)
        return cls(last - count + 1, last)

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def table(self) -> ir.Table:
        """The months: ``month`` (index) and ``month_end`` (date)."""
        indices = list(range(self.first, self.last + 1))
        return ibis.memtable(
            {"month": indices, "month_end": [last_day(i) for i in indices]},
            schema={"month": "int32", "month_end": "date"},
        )


def band_index(age: ir.IntegerValue, months: bool = False) -> ir.IntegerValue:
    """The age band of ``age`` (in whole years, or whole months with ``months``) as its position in
    :data:`nhc.vocab.AGE_BAND_LIMITS` (0 = 0-17): a sum of integer comparisons, cheaper on the monthly
    population than a label (or a division) per row."""
    unit = 12 if months else 1
    out = ibis.literal(0, type="int8")
    for _, low, _ in AGE_BAND_LIMITS[1:]:
        out = out + (age >= low * unit).cast("int8")
    return out.cast("int8")


def band_label(index: ir.IntegerValue) -> ir.StringValue:
    """The label of a :func:`band_index` (on the aggregated cells, not every person-month)."""
    return index.cases(*((i, name) for i, (name, _, _) in enumerate(AGE_BAND_LIMITS)), else_="unknown")


def age_on(date_of_birth: ir.DateValue, day: ir.DateValue) -> ir.IntegerValue:
    """Whole years from ``date_of_birth`` to ``day`` (a column), the birthday counted on the day."""
    before = (date_of_birth.month() > day.month()) | (
        (date_of_birth.month() == day.month()) & (date_of_birth.day() > day.day())
    )
    return (day.year() - date_of_birth.year() - before.ifelse(1, 0)).cast("int32")


def person_attributes(patients: ir.Table, small_areas: ir.Table) -> ir.Table:
    """patient_id, date_of_birth, sex, ethnicity, imd_quintile (0 when the small area is not known)."""
    p = require_columns(patients, "patients")
    sa = require_columns(small_areas, "small_areas")
    sa = sa.select("small_area_code", imd=((sa.imd_decile.cast("int32") + 1) // 2).cast("int32"))
    j = p.left_join(sa, "small_area_code")
    return j.select(
        "patient_id",
        "date_of_birth",
        "sex",
        ethnicity=j.ethnicity.fill_null(UNKNOWN_ETHNICITY),
        imd_quintile=j.imd.fill_null(0).cast("int32"),
    )


def _registrations(
    patients: ir.Table,
    registrations: ir.Table,
    deaths: ir.Table,
    small_areas: ir.Table,
    span: Span,
    people: ir.Table | None = None,
) -> ir.Table:
    """Registrations overlapping ``span`` with the person's attributes, month of birth (``born``),
    day of birth and date of death (``died``, null if alive)."""
    r = require_columns(registrations, "practice_registrations")
    dth = require_columns(deaths, "deaths")
    if people is not None:
        r = r.semi_join(people, "patient_id")
    first_end = last_day(span.first)
    r = r.filter(r.end_date.isnull() | (r.end_date >= first_end), r.start_date <= last_day(span.last))
    died = dth.group_by("patient_id").aggregate(died=dth.date_of_death.min())
    a = person_attributes(patients, small_areas)
    a = a.mutate(born=month_index(a.date_of_birth), born_day=a.date_of_birth.day().cast("int32"))
    return r.join(a, "patient_id").left_join(died, "patient_id").drop("patient_id_right")


def _late(born_day: ir.IntegerValue, month: ir.IntegerValue) -> ir.IntegerValue:
    """1 when a birthday in ``month`` falls after its last day (29 February in a common year), else 0."""
    year = month // 12
    leap = ((year % 4) == 0) & (((year % 100) != 0) | ((year % 400) == 0))
    return (((month % 12) == 1) & (born_day == 29) & ~leap).cast("int32")


def population_cells(
    patients: ir.Table, registrations: ir.Table, deaths: ir.Table, small_areas: ir.Table, span: Span
) -> ir.Table:
    """The :data:`CELL` columns and ``people``: how many are registered and alive at each month's end
    — the same counts as grouping :func:`registered_months`, from each registration's run of months
    in each age band (+1 where it starts, -1 after it ends, summed month by month), so the work grows
    with registrations, not with registrations x months."""
    ra = _registrations(patients, registrations, deaths, small_areas, span)
    after_end = ra.end_date + ibis.interval(days=1)
    first = ibis.greatest(month_index(ra.start_date), ra.born, span.first)
    last = ibis.least(
        (month_index(after_end) - 1).fill_null(span.last),
        (month_index(ra.died) - 1).fill_null(span.last),
        span.last,
    )
    lows = [low for _, low, _ in AGE_BAND_LIMITS]
    bands = ibis.memtable(
        {"band": list(range(len(lows))), "low": lows, "next_low": [*lows[1:], 10_000]},
        schema={"band": "int8", "low": "int32", "next_low": "int32"},
    )
    keys = ["practice_code", "imd_quintile", "sex", "ethnicity"]
    runs = ra.select(*keys, "born", "born_day", first=first, last=last).cross_join(bands)
    starts = runs.born + 12 * runs.low
    ends = runs.born + 12 * runs.next_low
    runs = runs.mutate(
        start=ibis.greatest(runs.first, starts + _late(runs.born_day, starts)),
        end=ibis.least(runs.last, ends + _late(runs.born_day, ends) - 1),
    )
    runs = runs.filter(runs.start <= runs.end)
    group = [*keys, "band"]
    up = runs.select(*group, month=runs.start, change=ibis.literal(1))
    down = runs.filter(runs.end < span.last).select(*group, month=runs.end + 1, change=ibis.literal(-1))
    changes = up.union(down)
    changes = changes.group_by([*group, "month"]).aggregate(change=changes.change.sum())
    every = changes.select(*group).distinct().cross_join(span.table().select("month"))
    j = every.left_join(changes, [*group, "month"])
    j = j.select(*[every[c] for c in group], every.month, change=j.change.fill_null(0))
    running = j.change.sum().over(ibis.cumulative_window(group_by=group, order_by="month"))
    out = j.mutate(people=running)
    out = out.filter(out.people > 0)
    return out.select(
        "month",
        "practice_code",
        "imd_quintile",
        "sex",
        age_band=out.band,
        ethnicity=out.ethnicity,
        people=out.people.cast("int64"),
    )


def registered_months(
    patients: ir.Table,
    registrations: ir.Table,
    deaths: ir.Table,
    small_areas: ir.Table,
    span: Span,
    people: ir.Table | None = None,
    at: ir.Table | None = None,
    spans: ir.Table | None = None,
) -> ir.Table:
    """One row per person and month of ``span`` registered and alive at the month's end: patient_id,
    the :data:`CELL` columns (``age_band`` as a :func:`band_index`) and ``age``. ``people`` (a table
    with patient_id), if given, keeps only them; ``at`` (patient_id, month and any other columns), if
    given, keeps only its person-months (an event's), with its other columns; ``spans`` (patient_id,
    ``start`` and ``end`` month indices, both included, and any other columns), if given, keeps only
    the person-months inside a span, with its other columns (spans of a person must not overlap).

    The person's attributes join the registrations before the months do, and age is month arithmetic
    (whole months since the month of birth, less one in the birthday month when the birthday falls
    after the month's last day, as 29 February does in 2026), so the one large step is the range join
    of registrations to months."""
    ra = _registrations(patients, registrations, deaths, small_areas, span, people)
    m = span.table()
    m = m.mutate(end_day=m.month_end.day().cast("int32"))
    extra: list[str] = []
    if spans is not None:
        extra = [c for c in spans.columns if c not in ("patient_id", "start", "end")]
        rs = ra.join(spans, "patient_id")
        # One bound from both sides (a month ends on or after the registration starts from the
        # registration's first month on) keeps the engine from joining the months to every
        # registration before the spans.
        rs = rs.mutate(lo=ibis.greatest(rs.start, month_index(rs.start_date)))
        j = rs.join(m, [m.month >= rs.lo, m.month <= rs.end])
    elif at is None:
        j = ra.join(m, [ra.start_date <= m.month_end])
    else:
        extra = [c for c in at.columns if c not in ("patient_id", "month")]
        pm = at.join(m, "month")
        j = ra.join(pm, [ra.patient_id == pm.patient_id, ra.start_date <= pm.month_end])
    j = j.filter(
        j.end_date.isnull() | (j.end_date >= j.month_end),
        j.born <= j.month,
        j.died.isnull() | (j.died > j.month_end),
    )
    months_old = j.month - j.born
    # whole months of age: one less in a birthday month whose last day comes before the birthday
    whole = months_old - (((months_old % 12) == 0) & (j.born_day > j.end_day)).cast("int32")
    return j.select(
        "patient_id",
        "month",
        "practice_code",
        "imd_quintile",
        "sex",
        age_band=band_index(whole, months=True),
        ethnicity=j.ethnicity,
        age=(whole // 12).cast("int32"),
        **{c: j[c] for c in extra},
    )
