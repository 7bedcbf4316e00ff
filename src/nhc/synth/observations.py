"""Observations with values: HbA1c, blood pressure, eGFR, creatinine, cholesterol, urine ACR, BMI,
smoking status, over the five years before as-of.

Each person has their own levels (:class:`Levels`); every reading is that level plus measurement
noise. Control varies by practice (each practice has its own effect on HbA1c and blood pressure)
and by deprivation (worse control in more deprived areas), so practice-variation and inequality
analyses have a signal to find. *When* people with diabetes are measured is decided by their
annual reviews (:mod:`nhc.synth.care_processes`); this module covers everyone else and writes the
values for both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nhc.synth.conditions import CONDITION_INDEX
from nhc.synth.history import HISTORY_DAYS, first_day
from nhc.synth.population import Population
from nhc.synth.records import CodePicker, EventCollector

UNITS = ("mmol/mol", "mm[Hg]", "mL/min/{1.73_m2}", "kg/m2", "mmol/L", "umol/L", "mg/mmol")
HBA1C, MMHG, EGFR, KG_M2, MMOL_L, UMOL_L, MG_MMOL = range(len(UNITS))
SMOKING_CLUSTERS = ("smoking-status-current", "smoking-status-ex", "smoking-status-never")


@dataclass(frozen=True)
class PracticeEffects:
    hba1c: np.ndarray  # mmol/mol added at each practice
    systolic: np.ndarray  # mmHg added at each practice


def practice_effects(rng: np.random.Generator, n_practices: int) -> PracticeEffects:
    return PracticeEffects(hba1c=rng.normal(0, 3.5, n_practices), systolic=rng.normal(0, 3.0, n_practices))


@dataclass(frozen=True)
class Levels:
    """Each person's usual value of what is measured; readings scatter around it."""

    hba1c: np.ndarray  # mmol/mol (meaningful for people with diabetes)
    systolic: np.ndarray  # mmHg
    bmi: np.ndarray  # kg/m2
    smoking: np.ndarray  # index into SMOKING_CLUSTERS
    on_statin: np.ndarray  # bool: lowers cholesterol
    ckd: np.ndarray  # bool: raises creatinine and ACR


def person_levels(
    rng: np.random.Generator,
    pop: Population,
    has: np.ndarray,
    effects: PracticeEffects,
    on_statin: np.ndarray,
) -> Levels:
    deprivation = (5.5 - pop.imd_decile) / 2.87
    diabetes = has[:, CONDITION_INDEX["diabetes"]]
    hypertension = has[:, CONDITION_INDEX["hypertension"]]
    hba1c = 54 + effects.hba1c[pop.practice] + 2.5 * deprivation + rng.normal(0, 9, pop.n)
    systolic = np.where(hypertension, 139, 124) + effects.systolic[pop.practice] + 2 * deprivation
    systolic = systolic + 0.25 * np.clip(pop.age - 40, 0, None) + rng.normal(0, 8, pop.n)
    bmi = rng.normal(26.5, 4.5, pop.n) + 3.5 * diabetes + 0.6 * deprivation
    # Smoking: more current smoking in deprived areas (ONS APS: ~12% of adults smoke).
    p_current = np.clip(0.11 + 0.04 * deprivation, 0.03, 0.4)
    u = rng.random(pop.n)
    smoking = np.where(u < p_current, 0, np.where(u < p_current + 0.25, 1, 2))
    return Levels(hba1c, systolic, bmi, smoking, on_statin, has[:, CONDITION_INDEX["ckd"]])


def repeat_dates(
    rng: np.random.Generator, pop: Population, people: np.ndarray, per_year: float
) -> tuple[np.ndarray, np.ndarray]:
    """About ``per_year`` readings a year (0.5 = every other year) over the history for each of
    ``people``, evenly spaced with a random offset; none after death."""
    k = max(round(HISTORY_DAYS / 365.25 * per_year), 1)
    gap = HISTORY_DAYS // k
    rows = np.repeat(people, k)
    slot = np.tile(np.arange(k), len(people))
    days = first_day(pop.as_of_day) + slot * gap + rng.integers(0, gap, size=len(rows))
    keep = (days <= pop.last_day[rows]) & (days >= pop.dob_day[rows])
    return rows[keep], days[keep]


def emit_hba1c(
    rng: np.random.Generator,
    rows: np.ndarray,
    days: np.ndarray,
    levels: Levels,
    picker: CodePicker,
    out: EventCollector,
) -> None:
    values = np.clip(levels.hba1c[rows] + rng.normal(0, 5, len(rows)), 30, 150).round()
    out.add(rows, days, picker.pick(rng, "hba1c", len(rows)), values, HBA1C)


def emit_blood_pressure(
    rng: np.random.Generator,
    rows: np.ndarray,
    days: np.ndarray,
    levels: Levels,
    picker: CodePicker,
    out: EventCollector,
) -> None:
    systolic = np.clip(levels.systolic[rows] + rng.normal(0, 9, len(rows)), 85, 220).round()
    diastolic = np.clip(0.45 * systolic + 18 + rng.normal(0, 7, len(rows)), 45, 130).round()
    out.add(rows, days, picker.pick(rng, "systolic-blood-pressure", len(rows)), systolic, MMHG)
    out.add(rows, days, picker.pick(rng, "diastolic-blood-pressure", len(rows)), diastolic, MMHG)


def emit_bmi(
    rng: np.random.Generator,
    rows: np.ndarray,
    days: np.ndarray,
    levels: Levels,
    picker: CodePicker,
    out: EventCollector,
) -> None:
    values = np.clip(levels.bmi[rows] + rng.normal(0, 0.8, len(rows)), 14, 60).round(1)
    out.add(rows, days, picker.pick(rng, "bmi", len(rows)), values, KG_M2)


def emit_smoking(
    rng: np.random.Generator,
    rows: np.ndarray,
    days: np.ndarray,
    levels: Levels,
    picker: CodePicker,
    out: EventCollector,
) -> None:
    for k, cluster in enumerate(SMOKING_CLUSTERS):
        mask = levels.smoking[rows] == k
        out.add(rows[mask], days[mask], picker.pick(rng, cluster, int(mask.sum())))


def emit_cholesterol(
    rng: np.random.Generator,
    rows: np.ndarray,
    days: np.ndarray,
    levels: Levels,
    picker: CodePicker,
    out: EventCollector,
) -> None:
    """Total cholesterol, mmol/L: about 1 mmol/L lower on a statin."""
    values = rng.normal(5.0, 0.9, len(rows)) - 1.0 * levels.on_statin[rows]
    out.add(rows, days, picker.pick(rng, "cholesterol", len(rows)), np.clip(values, 2, 10).round(1), MMOL_L)


def emit_creatinine(
    rng: np.random.Generator,
    rows: np.ndarray,
    days: np.ndarray,
    levels: Levels,
    picker: CodePicker,
    out: EventCollector,
) -> None:
    """Serum creatinine, umol/L: higher with CKD."""
    values = rng.normal(78, 14, len(rows)) + 55 * levels.ckd[rows]
    out.add(rows, days, picker.pick(rng, "creatinine", len(rows)), np.clip(values, 35, 500).round(), UMOL_L)


def emit_acr(
    rng: np.random.Generator,
    rows: np.ndarray,
    days: np.ndarray,
    levels: Levels,
    picker: CodePicker,
    out: EventCollector,
) -> None:
    """Urine albumin:creatinine ratio, mg/mmol: log-normal, above 3 in about a quarter (more with CKD)."""
    values = np.exp(rng.normal(0.2 + 1.2 * levels.ckd[rows], 1.1, len(rows)))
    cluster = "urinary-albumin-creatinine-ratio"
    out.add(rows, days, picker.pick(rng, cluster, len(rows)), np.clip(values, 0.1, 300).round(1), MG_MMOL)


def emit_observations(
    rng: np.random.Generator,
    pop: Population,
    has: np.ndarray,
    levels: Levels,
    picker: CodePicker,
    out: EventCollector,
) -> None:
    """Readings of people without diabetes (whose readings come from their annual reviews), and eGFR."""
    adult = pop.age >= 18
    diabetes = has[:, CONDITION_INDEX["diabetes"]]
    hypertension = has[:, CONDITION_INDEX["hypertension"]]
    ckd = has[:, CONDITION_INDEX["ckd"]]

    # HbA1c screening: every other year for a fifth of people 40+ without diabetes.
    screened = ~diabetes & (pop.age >= 40) & (rng.random(pop.n) < 0.2)
    rows, days = repeat_dates(rng, pop, np.flatnonzero(screened), 0.5)
    values = np.clip(rng.normal(38, 4, len(rows)), 25, 47).round()
    out.add(rows, days, picker.pick(rng, "hba1c", len(rows)), values, HBA1C)

    # Blood pressure: twice a year with hypertension/CKD; every other year for other adults.
    watched = (hypertension | ckd) & ~diabetes
    others = adult & ~watched & ~diabetes & (rng.random(pop.n) < 0.45)
    for people, per_year in ((np.flatnonzero(watched), 2), (np.flatnonzero(others), 0.5)):
        rows, days = repeat_dates(rng, pop, people, per_year)
        emit_blood_pressure(rng, rows, days, levels, picker, out)

    # eGFR: CKD 3-5 has values below 60; people with diabetes/hypertension are checked yearly.
    rows, days = repeat_dates(rng, pop, np.flatnonzero(ckd), 2)
    values = np.clip(rng.normal(47, 9, len(rows)), 8, 59).round()
    out.add(rows, days, picker.pick(rng, "egfr", len(rows)), values, EGFR)
    rows, days = repeat_dates(rng, pop, np.flatnonzero((diabetes | hypertension) & ~ckd), 1)
    values = np.clip(
        rng.normal(82, 12, len(rows)) - 0.3 * np.clip(pop.age[rows] - 50, 0, None), 60, 120
    ).round()
    out.add(rows, days, picker.pick(rng, "egfr", len(rows)), values, EGFR)

    # BMI: every other year for about a third of adults without diabetes.
    people = np.flatnonzero(adult & ~diabetes & (rng.random(pop.n) < 0.35))
    rows, days = repeat_dates(rng, pop, people, 0.5)
    emit_bmi(rng, rows, days, levels, picker, out)

    # Smoking status, once per adult without diabetes, some time in the five years.
    people = np.flatnonzero(adult & ~diabetes)
    days = np.minimum(pop.as_of_day - rng.integers(0, HISTORY_DAYS, size=len(people)), pop.last_day[people])
    emit_smoking(rng, people, days, levels, picker, out)
