"""The calendar of the synthetic county: how far back it goes, winter seasonality and step changes.

Every dated step of the generator (encounters, observations, prescriptions, deaths) covers the
:data:`HISTORY_DAYS` (five years) before the as-of date, so monthly indicators have 60 points.

Seasonality is a smooth yearly curve, highest in mid-January: ``1 + amplitude * cos(2π(doy - 15) /
365.25)``. Averaged over a whole year it is 1, so twelve-month totals keep their calibrated rates.

The step changes are deliberate, named and documented (docs/synthetic-county.md), so the outcomes
work (SPC charts, before/after) has something real to find. Their dates are counted back from the
as-of date (first of a month), so they stay inside the history whatever ``--as-of`` is: with the
default as-of 2026-03-31 they fall on 2024-04-01 and 2024-10-01.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HISTORY_YEARS = 5
HISTORY_DAYS = 1826  # five years of 365.25 days
# Peak of the winter curve: day of year 15 (mid-January).
PEAK_DAY_OF_YEAR = 15
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class PracticeImproves:
    """One practice's diabetes annual reviews improve from a date: the share of its people with
    diabetes who attend their yearly review goes from ``before`` to ``after``."""

    practice_code: str
    name: str
    months_before_as_of: int
    before: float
    after: float


@dataclass(frozen=True)
class AdmissionsRise:
    """Emergency admissions of everyone registered in one neighbourhood rise by ``factor`` from a date."""

    neighbourhood: str
    months_before_as_of: int
    factor: float


#: Banbury Cross Health Centre (Banbury, North locality) improves its diabetes care from
#: 1 April 2024 (default as-of): reviews attended 60% -> 95%.
DIABETES_IMPROVES = PracticeImproves("K84225", "Banbury Cross Health Centre", 24, 0.60, 0.95)
#: South East Oxford's emergency admissions rise by 35% from 1 October 2024 (default as-of).
ADMISSIONS_RISE = AdmissionsRise("South East Oxford", 18, 1.35)


def first_day(as_of_day: int) -> int:
    """Day number of the first day of the history: the history is ``(as_of - HISTORY_DAYS, as_of]``
    (as-of 2026-03-31 -> 2021-04-01, five whole years)."""
    return as_of_day - HISTORY_DAYS + 1


def step_day(as_of_day: int, months_before_as_of: int) -> int:
    """Day number of the first of the month ``months_before_as_of`` months before the month after as-of
    (as-of 2026-03-31, 24 months -> 2024-04-01)."""
    next_month = (_EPOCH + np.timedelta64(as_of_day + 1, "D")).astype("datetime64[M]")
    start = (next_month - np.timedelta64(months_before_as_of, "M")).astype("datetime64[D]")
    return int((start - _EPOCH).astype(np.int64))


def day_of_year(days: np.ndarray) -> np.ndarray:
    """0-based day of the year of each day number."""
    d = _EPOCH + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
    return (d - d.astype("datetime64[Y]")).astype(np.int64)


def seasonal(days: np.ndarray, amplitude: float) -> np.ndarray:
    """The winter factor on each day: ``1 + amplitude`` in mid-January, ``1 - amplitude`` in mid-July."""
    phase = 2 * np.pi * (day_of_year(days) - PEAK_DAY_OF_YEAR) / 365.25
    return 1 + amplitude * np.cos(phase)


def seasonal_days(
    rng: np.random.Generator, first: np.ndarray, span: np.ndarray, amplitude: float
) -> np.ndarray:
    """One day per entry in ``[first, first + span)``, denser in winter by ``amplitude``.

    Rejection sampling in vectorised rounds: a candidate day is kept with probability
    seasonal/(1 + amplitude). After 30 rounds (about 0.13^30 left) any remainder is uniform."""
    first = np.asarray(first, dtype=np.int64)
    span = np.maximum(np.asarray(span, dtype=np.int64), 1)
    out = first + (rng.random(len(first)) * span).astype(np.int64)
    todo = np.flatnonzero(rng.random(len(first)) * (1 + amplitude) > seasonal(out, amplitude))
    for _ in range(30):
        if not len(todo):
            break
        out[todo] = first[todo] + (rng.random(len(todo)) * span[todo]).astype(np.int64)
        todo = todo[rng.random(len(todo)) * (1 + amplitude) > seasonal(out[todo], amplitude)]
    return out
