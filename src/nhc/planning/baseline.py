"""The baseline: activity per person-year by need group x age band x sex x IMD quintile, by setting.

Pure rules over Ibis tables (no engine named, no I/O), like ``nhc.analytics.rules``: the caller
passes the lake's ``patient_insights`` (one row per person registered and alive at as-of, with
their Patient Need Group, age, sex and IMD quintile) and ``encounters``, and gets tables back.
:mod:`nhc.planning.lake` runs them on an engine.

Settings in the lake: GP and practice-team appointments (``gp``), community contacts
(``community``), A&E attendances (``ae``), emergency admissions and their bed days, outpatient
attendances. Not in the lake, so left out of the baseline (never faked): virtual ward days (the care
side's operational records do not reach the lake), home visits (not told apart from other
community contacts) and social prescribing (a coded referral, not an encounter). See
:data:`LEFT_OUT`.

One person-year per person in ``patient_insights``: the denominator is the population at as-of
and the activity is theirs in the 12 months before, so the activity of people who died or left in
the year is not counted (:func:`coverage` says how much of the year's activity that is).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis

from nhc.analytics.rules.coded import in_window

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: The cell a rate belongs to. IMD quintile 0 stands for "not known" (a null would not join).
CELL = ("png", "png_name", "band", "age_band", "sex", "imd_quintile")
#: Encounter type -> baseline setting (an emergency admission also gives ``bed_days``).
ENCOUNTER_SETTINGS = {
    "gp": "gp",
    "community": "community",
    "ae": "ae",
    "emergency_admission": "emergency_admission",
    "outpatient": "outpatient",
}
COUNTED = (*ENCOUNTER_SETTINGS.values(), "bed_days")
#: Settings the issue asks for that the lake does not hold, and why they are left out.
LEFT_OUT = {
    "virtual_ward": "virtual ward stays are kept in the care database and not exported to the lake",
    "home_visits": "the lake's community contacts do not say whether they were at home",
    "social_prescribing": "a social prescribing referral is a coded event, not an encounter with a count",
}
OLDEST = 100  # single years of age 0..99 and 100 for "100 and over"


def _people(insights: ir.Table) -> ir.Table:
    i = insights
    return i.select(
        "patient_id",
        png=i.png.cast("int32"),
        png_name=i.png_name,
        band=i.band,
        age_band=i.age_band,
        sex=i.sex,
        imd_quintile=i.imd_quintile.fill_null(0).cast("int32"),
        age=ibis.least(i.age, OLDEST).cast("int32"),
    )


def _activity(encounters: ir.Table, as_of: dt.date) -> ir.Table:
    """Encounters in the 12 months to ``as_of`` with their bed days (discharge minus admission
    date for emergency admissions, 0 for a same-day stay or one without a discharge date)."""
    e = encounters.filter(in_window(encounters.start_date, as_of))
    stay = e.end_date.delta(e.start_date, unit="day")
    is_admission = (e.type == "emergency_admission") & e.end_date.notnull()
    days = is_admission.ifelse(ibis.greatest(stay, 0), 0).cast("int64")
    return e.select("patient_id", "type", bed_days=days)


def baseline_cells(insights: ir.Table, encounters: ir.Table, as_of: dt.date) -> ir.Table:
    """One row per cell (:data:`CELL`) with people in it: ``person_years`` and one count column per
    setting (:data:`COUNTED`) for the 12 months to ``as_of``. Cells with people and no activity
    have zeros; activity of people not in ``insights`` is not counted."""
    people = _people(insights)
    e = _activity(encounters, as_of)
    j = e.join(people, "patient_id")
    counts = {s: j.count(where=j.type == t).cast("int64") for t, s in ENCOUNTER_SETTINGS.items()}
    act = j.group_by(list(CELL)).aggregate(**counts, bed_days=j.bed_days.sum().cast("int64"))
    pop = people.group_by(list(CELL)).aggregate(person_years=people.count().cast("int64"))
    t = pop.left_join(act, list(CELL))
    return t.select(*CELL, "person_years", **{s: t[s].fill_null(0).cast("int64") for s in COUNTED})


def population_by_age(insights: ir.Table) -> ir.Table:
    """People by ``sex`` and single year of ``age`` (100 = 100 and over): ``persons``."""
    p = _people(insights)
    return p.group_by(["sex", "age"]).aggregate(persons=p.count().cast("int64"))


def population_by_age_and_need(insights: ir.Table) -> ir.Table:
    """People by ``sex``, single year of ``age`` (100 = 100 and over) and need group ``png``: ``persons``."""
    p = _people(insights)
    return p.group_by(["sex", "age", "png"]).aggregate(persons=p.count().cast("int64"))


def coverage(insights: ir.Table, encounters: ir.Table, as_of: dt.date) -> ir.Table:
    """For each setting: all activity in the 12 months to ``as_of`` (``total``) and the part
    attributed to people in ``insights`` (``attributed``): what the baseline leaves out."""
    e = _activity(encounters, as_of)
    ids = insights.select("patient_id").distinct().mutate(known=ibis.literal(1))
    j = e.left_join(ids, "patient_id")
    known = j.known.notnull()
    cols = {}
    for t, s in ENCOUNTER_SETTINGS.items():
        cols[f"{s}__total"] = j.count(where=j.type == t).cast("int64")
        cols[f"{s}__attributed"] = j.count(where=(j.type == t) & known).cast("int64")
    cols["bed_days__total"] = j.bed_days.sum().cast("int64")
    cols["bed_days__attributed"] = j.bed_days.sum(where=known).cast("int64")
    return j.aggregate(**cols)
