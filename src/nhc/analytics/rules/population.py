"""The population an analysis covers: people registered with a practice and alive at the as-of date.

One row per person with the attributes every other module needs: age at as-of, sex, practice,
neighbourhood and locality (from the practice, as integrated neighbourhood teams are built from
practices), small area, IMD decile and quintile, and whether they live in a care home.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis

from nhc.analytics.rules.coded import latest
from nhc.analytics.rules.inputs import require_columns
from nhc.vocab import AGE_BAND_LIMITS

if TYPE_CHECKING:
    import ibis.expr.types as ir


def age_at(date_of_birth: ir.DateValue, as_of: dt.date) -> ir.IntegerValue:
    """Whole years from ``date_of_birth`` to ``as_of`` (birthday counted on the day)."""
    years = ibis.literal(as_of.year) - date_of_birth.year()
    before_birthday = (date_of_birth.month() > as_of.month) | (
        (date_of_birth.month() == as_of.month) & (date_of_birth.day() > as_of.day)
    )
    return (years - before_birthday.ifelse(1, 0)).cast("int32")


def age_band(age: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases(
        *[((age >= lo) & (age <= hi), name) for name, lo, hi in AGE_BAND_LIMITS], else_="unknown"
    )


def registered_at(registrations: ir.Table, as_of: dt.date) -> ir.Table:
    """The practice each person is registered with on ``as_of`` (latest start if several)."""
    r = require_columns(registrations, "practice_registrations")
    d = ibis.literal(as_of)
    cur = r.filter((r.start_date <= d) & (r.end_date.isnull() | (r.end_date >= d)))
    return cur.group_by("patient_id").aggregate(practice_code=latest(cur.practice_code, cur.start_date))


def population(
    patients: ir.Table,
    registrations: ir.Table,
    deaths: ir.Table,
    small_areas: ir.Table,
    practices: ir.Table,
    care_homes: ir.Table,
    as_of: dt.date,
) -> ir.Table:
    """People registered and alive on ``as_of`` with age, sex, geography, IMD and care-home status."""
    p = require_columns(patients, "patients")
    dth = require_columns(deaths, "deaths")
    sa = require_columns(small_areas, "small_areas")
    pr = require_columns(practices, "practices")
    ch = require_columns(care_homes, "care_home_residence")
    d = ibis.literal(as_of)
    reg = registered_at(registrations, as_of)
    dead = dth.filter(dth.date_of_death <= d).select("patient_id").distinct()
    in_home = ch.filter((ch.start_date <= d) & (ch.end_date.isnull() | (ch.end_date >= d)))
    in_home = in_home.select("patient_id").distinct().mutate(care_home=ibis.literal(True))

    base = p.filter(p.date_of_birth <= d).join(reg, "patient_id").anti_join(dead, "patient_id")
    base = base.left_join(pr.select("practice_code", "neighbourhood", "locality"), "practice_code").drop(
        "practice_code_right"
    )
    base = base.left_join(sa.select("small_area_code", "imd_decile"), "small_area_code").drop(
        "small_area_code_right"
    )
    base = base.left_join(in_home, "patient_id").drop("patient_id_right")
    age = age_at(base.date_of_birth, as_of)
    decile = base.imd_decile.cast("int32")
    return base.select(
        "patient_id",
        "sex",
        "date_of_birth",
        age=age,
        age_band=age_band(age),
        practice_code=base.practice_code,
        neighbourhood=base.neighbourhood.fill_null("Unknown"),
        locality=base.locality.fill_null("Unknown"),
        small_area_code=base.small_area_code,
        imd_decile=decile,
        imd_quintile=((decile + 1) // 2).cast("int32"),
        care_home=base.care_home.fill_null(False),
    )
