"""Contacts with services over the five years before as-of, with rates that rise with need.

Each person has an underlying rate per contact type (by age, long-term conditions, frailty and
latent ill-health) times a persistent personal multiplier (Gamma-distributed), so that people
who were admitted last year are more likely to be admitted this year — as in real data, and as a
risk model needs. Emergency admissions are concentrated in frail and multimorbid people.

Contacts are commoner in winter (:data:`WINTER`, peak mid-January) and emergency admissions rise
in one neighbourhood from a date (:data:`nhc.synth.history.ADMISSIONS_RISE`). Both are drawn by
thinning: a Poisson count at the highest rate, each contact kept with probability (rate on its
day / highest rate), so a year's total keeps its calibrated mean.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nhc.synth.history import ADMISSIONS_RISE, HISTORY_DAYS, first_day, seasonal, step_day
from nhc.synth.population import Population
from nhc.synth.records import sort_order, to_date32

ENCOUNTER_TYPES = ("gp", "community", "ae", "emergency_admission", "outpatient")
# Real provider codes: Oxford University Hospitals (acute) and Oxford Health (community).
ACUTE_PROVIDER, COMMUNITY_PROVIDER = "RTH", "RNU"
WINDOW_DAYS = HISTORY_DAYS
# Winter amplitude per contact type: emergency admissions +-12% (Dec-Feb about a fifth above
# Jun-Aug, as in NHS England's monthly activity), A&E and GP less, outpatients not seasonal.
WINTER = {"gp": 0.08, "community": 0.05, "ae": 0.08, "emergency_admission": 0.12, "outpatient": 0.0}
ADMISSION = ENCOUNTER_TYPES.index("emergency_admission")
# Ceilings on a person's yearly rate (after their personal factor): even the most intensive
# users rarely exceed these, and uncapped Gamma tails would make a few implausible outliers.
MAX_PER_YEAR = {"gp": 40.0, "community": 60.0, "ae": 12.0, "emergency_admission": 6.0, "outpatient": 24.0}


def annual_rates(pop: Population, ltc: np.ndarray, deficits: np.ndarray) -> dict[str, np.ndarray]:
    age = pop.age
    need = 0.22 * ltc + 0.10 * deficits + 0.25 * pop.health
    young_old = np.where(age < 5, 1.0, 0.0) + np.clip((age - 60) / 20, 0, None)
    return {
        "gp": np.exp(np.log(3.0) + 0.6 * young_old + need - 0.25),
        "community": np.exp(-4.0 + 0.05 * np.clip(age - 50, 0, None) + 0.25 * deficits + 0.1 * ltc),
        "ae": np.exp(np.log(0.22) + 0.3 * young_old + 0.8 * need),
        "emergency_admission": np.exp(
            -3.9 + 0.025 * np.clip(age - 40, 0, None) + 0.30 * ltc + 0.14 * deficits + 0.35 * pop.health
        ),
        "outpatient": np.exp(np.log(0.9) + 0.3 * young_old + 0.9 * need - 0.3),
    }


def build_encounters(
    rng: np.random.Generator,
    pop: Population,
    ltc: np.ndarray,
    deficits: np.ndarray,
    practice_codes: pa.Array,
    rise: tuple[np.ndarray, int, float] | None = None,
    *,
    first_patient_id: int = 1,
    first_encounter_id: int = 1,
) -> pa.Table:
    """Every contact of every person over the history. ``rise`` is (people mask, first day, factor):
    those people's emergency admissions are ``factor`` times as frequent from that day on. Person
    ``i`` is ``first_patient_id + i``; contacts are numbered from ``first_encounter_id`` (a place
    after the first continues the numbering of the one before)."""
    rates = annual_rates(pop, ltc, deficits)
    persistence = rng.gamma(shape=1.2, scale=1 / 1.2, size=pop.n)
    window_start = first_day(pop.as_of_day)
    alive_days = np.clip(pop.last_day - np.maximum(window_start, pop.dob_day) + 1, 0, WINDOW_DAYS)
    parts = []
    for type_index, kind in enumerate(ENCOUNTER_TYPES):
        peak = np.full(pop.n, 1 + WINTER[kind])
        if kind == "emergency_admission" and rise is not None:
            peak = np.where(rise[0], peak * max(rise[2], 1.0), peak)
        lam = np.minimum(rates[kind] * persistence, MAX_PER_YEAR[kind]) * alive_days / 365.25
        count = rng.poisson(lam * peak)
        rows = np.repeat(np.arange(pop.n), count)
        first = np.maximum(window_start, pop.dob_day)[rows]
        days = first + (rng.random(len(rows)) * alive_days[rows]).astype(np.int64)
        rate = seasonal(days, WINTER[kind])
        if kind == "emergency_admission" and rise is not None:
            rate = np.where(rise[0][rows] & (days >= rise[1]), rate * rise[2], rate)
        keep = rng.random(len(rows)) * peak[rows] < rate
        rows, days = rows[keep], days[keep]
        end = np.full(len(rows), -1, dtype=np.int64)
        if kind == "emergency_admission":
            los = rng.geometric(1 / (2 + 0.08 * np.clip(pop.age[rows] - 50, 0, None)), size=len(rows)) - 1
            end = np.minimum(days + los, pop.as_of_day)
        parts.append((rows, days, end, np.full(len(rows), type_index, dtype=np.int8)))
    rows = np.concatenate([p[0] for p in parts])
    days = np.concatenate([p[1] for p in parts])
    end = np.concatenate([p[2] for p in parts])
    types = np.concatenate([p[3] for p in parts])
    order = sort_order(rows, days, types)
    rows, days, end, types = rows[order], days[order], end[order], types[order]
    type_names = pa.array(ENCOUNTER_TYPES)
    # GP contacts are with the person's practice, community with Oxford Health, the rest with OUH:
    # one take from [practices..., acute, community] (no per-row Python strings).
    n = len(practice_codes)
    who = np.where(types == 0, pop.practice[rows], np.where(types == 1, n + 1, n))
    providers = pa.concat_arrays([practice_codes, pa.array([ACUTE_PROVIDER, COMMUNITY_PROVIDER])])
    provider_code = pc_take(providers, who)
    end_arr = pa.array(end.astype(np.int32), type=pa.int32(), mask=types != ADMISSION).cast(pa.date32())
    return pa.table(
        {
            "encounter_id": pa.array(np.arange(len(rows), dtype=np.int64) + first_encounter_id),
            "patient_id": pa.array(rows + first_patient_id),
            "type": pc_take(type_names, types),
            "start_date": to_date32(days),
            "end_date": end_arr,
            "provider_code": provider_code,
        }
    )


def pc_take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return pc.take(values, pa.array(idx))


def admissions_rise(pop: Population, practices: pa.Table) -> tuple[np.ndarray, int, float]:
    """(people mask, first day, factor) of the neighbourhood whose emergency admissions rise."""
    in_place = (
        np.asarray(practices["neighbourhood"].to_pylist(), dtype=object) == ADMISSIONS_RISE.neighbourhood
    )
    first = step_day(pop.as_of_day, ADMISSIONS_RISE.months_before_as_of)
    return in_place[pop.practice], first, ADMISSIONS_RISE.factor
