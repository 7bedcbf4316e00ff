"""Observations with values: HbA1c, blood pressure, eGFR, BMI, smoking status.

Control varies by practice (each practice has its own effect on HbA1c and blood pressure) and by
deprivation (worse control in more deprived areas), so practice-variation and inequality
analyses have a signal to find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nhc.synth.conditions import CONDITION_INDEX
from nhc.synth.population import Population
from nhc.synth.records import CodePicker, EventCollector

UNITS = ("mmol/mol", "mm[Hg]", "mL/min/{1.73_m2}", "kg/m2")
HBA1C, MMHG, EGFR, KG_M2 = range(len(UNITS))


@dataclass(frozen=True)
class PracticeEffects:
    hba1c: np.ndarray  # mmol/mol added at each practice
    systolic: np.ndarray  # mmHg added at each practice


def practice_effects(rng: np.random.Generator, n_practices: int) -> PracticeEffects:
    return PracticeEffects(hba1c=rng.normal(0, 3.5, n_practices), systolic=rng.normal(0, 3.0, n_practices))


def _repeat_dates(rng: np.random.Generator, pop: Population, people: np.ndarray, per_year: int) -> tuple:
    """``per_year`` readings a year over the two-year window for each of ``people``."""
    k = 2 * per_year
    rows = np.repeat(people, k)
    slot = np.tile(np.arange(k), len(people))
    days = pop.as_of_day - 730 + (slot * 730 // k) + rng.integers(0, 730 // k, size=len(rows))
    keep = days <= pop.last_day[rows]
    return rows[keep], days[keep]


def emit_observations(
    rng: np.random.Generator,
    pop: Population,
    has: np.ndarray,
    effects: PracticeEffects,
    picker: CodePicker,
    out: EventCollector,
) -> None:
    deprivation = (5.5 - pop.imd_decile) / 2.87
    adult = pop.age >= 18
    diabetes = has[:, CONDITION_INDEX["diabetes"]]
    hypertension = has[:, CONDITION_INDEX["hypertension"]]
    ckd = has[:, CONDITION_INDEX["ckd"]]
    person_hba1c = 54 + effects.hba1c[pop.practice] + 2.5 * deprivation + rng.normal(0, 9, pop.n)

    # HbA1c: twice a year for people with diabetes (some miss reviews), occasionally for others 40+.
    reviewed = diabetes & (rng.random(pop.n) < 0.85)
    rows, days = _repeat_dates(rng, pop, np.flatnonzero(reviewed), 2)
    values = np.clip(person_hba1c[rows] + rng.normal(0, 5, len(rows)), 30, 150).round()
    out.add(rows, days, picker.pick(rng, "hba1c", len(rows)), values, HBA1C)
    screened = ~diabetes & (pop.age >= 40) & (rng.random(pop.n) < 0.2)
    rows, days = _repeat_dates(rng, pop, np.flatnonzero(screened), 1)
    rows, days = rows[::2], days[::2]
    values = np.clip(rng.normal(38, 4, len(rows)), 25, 47).round()
    out.add(rows, days, picker.pick(rng, "hba1c", len(rows)), values, HBA1C)

    # Blood pressure: twice a year with hypertension/diabetes/CKD; every other year for other adults.
    person_sys = np.where(hypertension, 139, 124) + effects.systolic[pop.practice] + 2 * deprivation
    person_sys = person_sys + 0.25 * np.clip(pop.age - 40, 0, None) + rng.normal(0, 8, pop.n)
    watched = hypertension | diabetes | ckd
    for people, per_year in (
        (np.flatnonzero(watched), 2),
        (np.flatnonzero(adult & ~watched & (rng.random(pop.n) < 0.45)), 1),
    ):
        rows, days = _repeat_dates(rng, pop, people, per_year)
        if per_year == 1:
            rows, days = rows[::2], days[::2]
        systolic = np.clip(person_sys[rows] + rng.normal(0, 9, len(rows)), 85, 220).round()
        diastolic = np.clip(0.45 * systolic + 18 + rng.normal(0, 7, len(rows)), 45, 130).round()
        out.add(rows, days, picker.pick(rng, "systolic-blood-pressure", len(rows)), systolic, MMHG)
        out.add(rows, days, picker.pick(rng, "diastolic-blood-pressure", len(rows)), diastolic, MMHG)

    # eGFR: CKD 3-5 has values below 60; people with diabetes/hypertension are checked yearly.
    rows, days = _repeat_dates(rng, pop, np.flatnonzero(ckd), 2)
    values = np.clip(rng.normal(47, 9, len(rows)), 8, 59).round()
    out.add(rows, days, picker.pick(rng, "egfr", len(rows)), values, EGFR)
    rows, days = _repeat_dates(rng, pop, np.flatnonzero((diabetes | hypertension) & ~ckd), 1)
    values = np.clip(
        rng.normal(82, 12, len(rows)) - 0.3 * np.clip(pop.age[rows] - 50, 0, None), 60, 120
    ).round()
    out.add(rows, days, picker.pick(rng, "egfr", len(rows)), values, EGFR)

    # BMI: recorded for about a third of adults in two years; higher with diabetes and deprivation.
    people = np.flatnonzero(adult & (rng.random(pop.n) < 0.35))
    rows, days = _repeat_dates(rng, pop, people, 1)
    rows, days = rows[::2], days[::2]
    values = np.clip(
        rng.normal(26.5, 4.5, len(rows)) + 3.5 * diabetes[rows] + 0.6 * deprivation[rows], 14, 60
    )
    out.add(rows, days, picker.pick(rng, "bmi", len(rows)), values.round(1), KG_M2)

    # Smoking status, once per adult: more current smoking in deprived areas.
    people = np.flatnonzero(adult)
    p_current = np.clip(0.11 + 0.04 * deprivation[people], 0.03, 0.4)
    u = rng.random(len(people))
    days = np.minimum(pop.as_of_day - rng.integers(0, 1800, size=len(people)), pop.last_day[people])
    for cluster, mask in (
        ("smoking-status-current", u < p_current),
        ("smoking-status-ex", (u >= p_current) & (u < p_current + 0.25)),
        ("smoking-status-never", u >= p_current + 0.25),
    ):
        out.add(people[mask], days[mask], picker.pick(rng, cluster, int(mask.sum())))
