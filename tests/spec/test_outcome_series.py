"""Outcome series: the indicators' cells summed into breakdowns, then disclosure-controlled
(nhc.outcomes.series).

A cell is one month, practice, IMD quintile, sex, age band and ethnicity; every breakdown is a sum of
cells, and every published count passes the project's disclosure rule (7 or fewer suppressed, the
rest rounded to the nearest 5) before a value is computed from it.
"""

from __future__ import annotations

from nhc.outcomes.catalogue import BY_ID
from nhc.outcomes.months import Span, index_of
from nhc.outcomes.report import cell_parts
from nhc.outcomes.series import breakdowns, published

from .helpers import d, person

MAR = d("2026-03-01")
SPAN = Span(index_of(MAR), index_of(MAR))
CELL = {
    "indicator": "x",
    "month": MAR,
    "imd_quintile": 1,
    "sex": "F",
    "age_band": "18-44",
    "ethnicity": "White",
}
PRACTICES = [
    {"practice_code": "P1", "neighbourhood": "N1", "locality": "L1"},
    {"practice_code": "P2", "neighbourhood": "N1", "locality": "L1"},
    {"practice_code": "P3", "neighbourhood": "N2", "locality": "L1"},
]


def by(t, *breakdown):
    """The A&E rate's cells for March 2026 summed by ``breakdown``."""
    ((_, cells),) = cell_parts(t, [BY_ID["ae-attendances"]], SPAN)
    return breakdowns(cells, t.practices, breakdown)


def test_geography_breakdowns_sum_the_practices_cells(spec):
    """Practices sum to their neighbourhood, neighbourhoods to their locality, localities to the county."""
    cells = [
        {**CELL, "practice_code": "P1", "numerator": 1, "denominator": 10},
        {**CELL, "practice_code": "P2", "numerator": 2, "denominator": 20},
        {**CELL, "practice_code": "P3", "numerator": 4, "denominator": 40},
        {**CELL, "practice_code": "P3", "sex": "M", "numerator": 1, "denominator": 5},
    ]
    spec(
        given={"cells": cells, "practices": PRACTICES},
        call=lambda t: breakdowns(t.cells, t.practices, ("practice", "neighbourhood", "locality", "county")),
        expect=[
            {"by": "practice", "group": "P1", "numerator": 1, "denominator": 10},
            {"by": "practice", "group": "P2", "numerator": 2, "denominator": 20},
            {"by": "practice", "group": "P3", "numerator": 5, "denominator": 45},
            {"by": "neighbourhood", "group": "N1", "numerator": 3, "denominator": 30},
            {"by": "neighbourhood", "group": "N2", "numerator": 5, "denominator": 45},
            {"by": "locality", "group": "L1", "numerator": 8, "denominator": 75},
            {"by": "county", "group": "All", "numerator": 8, "denominator": 75},
        ],
    )


def test_imd_quintile_comes_from_the_small_areas_decile(spec):
    """Deciles 1-2 are quintile 1 (Core20), 9-10 quintile 5; a small area not in the lake is 0 (not known)."""
    spec(
        given={
            "patients": [
                person(1, "1980-01-01", small_area_code="A")[0],
                person(2, "1980-01-01", small_area_code="B")[0],
                person(3, "1980-01-01", small_area_code="C")[0],
                person(4, "1980-01-01", small_area_code="Z")[0],
            ],
            "practice_registrations": [person(i, "1980-01-01")[1] for i in (1, 2, 3, 4)],
            "small_areas": [
                {"small_area_code": "A", "imd_decile": 2, "neighbourhood": "N1", "locality": "L1"},
                {"small_area_code": "B", "imd_decile": 3, "neighbourhood": "N1", "locality": "L1"},
                {"small_area_code": "C", "imd_decile": 10, "neighbourhood": "N1", "locality": "L1"},
            ],
        },
        call=lambda t: by(t, "imd_quintile"),
        expect=[
            {"group": "0", "denominator": 1},
            {"group": "1", "denominator": 1},
            {"group": "2", "denominator": 1},
            {"group": "5", "denominator": 1},
        ],
    )


def test_age_band_is_the_age_on_the_months_last_day(spec):
    """A person born on 31 March 1981 is 45 on 31 March 2026 (45-64); born 1 April 1981, 44 (18-44)."""
    spec(
        given={
            "patients": [person(1, "1981-03-31")[0], person(2, "1981-04-01")[0]],
            "practice_registrations": [person(i, "1980-01-01")[1] for i in (1, 2)],
        },
        call=lambda t: by(t, "age_band"),
        expect=[{"group": "18-44", "denominator": 1}, {"group": "45-64", "denominator": 1}],
    )


def test_sex_and_ethnicity_breakdowns(spec):
    """Sex and ethnicity come from the person's record."""
    spec(
        given={
            "patients": [
                person(1, "1980-01-01", sex="M", ethnicity="Asian")[0],
                person(2, "1980-01-01", sex="F", ethnicity="Not stated")[0],
            ],
            "practice_registrations": [person(i, "1980-01-01")[1] for i in (1, 2)],
        },
        call=lambda t: by(t, "sex", "ethnicity"),
        expect=[
            {"by": "ethnicity", "group": "Asian", "denominator": 1},
            {"by": "ethnicity", "group": "Not stated", "denominator": 1},
            {"by": "sex", "group": "F", "denominator": 1},
            {"by": "sex", "group": "M", "denominator": 1},
        ],
    )


def test_published_counts_are_disclosure_controlled_and_values_come_from_them(spec):
    """Counts of 7 or fewer are suppressed (no value); the others are rounded to 5 (halves up) and the
    value is computed from the rounded counts: 13 of 42 is published as 15 of 40, 37.5 %."""
    rows = [
        {"indicator": "p", "by": "county", "group": "All", "month": MAR, "numerator": 13, "denominator": 42},
        {"indicator": "p", "by": "sex", "group": "F", "month": MAR, "numerator": 7, "denominator": 20},
        {"indicator": "r", "by": "county", "group": "All", "month": MAR, "numerator": 8, "denominator": 1000},
    ]
    spec(
        given={"series": rows},
        call=lambda t: published(t.series, {"p": 100.0, "r": 1000.0}),
        expect=[
            {"indicator": "p", "group": "All", "numerator": 15, "denominator": 40, "value": 37.5},
            {"indicator": "p", "group": "F", "numerator": None, "denominator": 20, "value": None},
            {"indicator": "r", "group": "All", "numerator": 10, "denominator": 1000, "value": 10.0},
        ],
    )
