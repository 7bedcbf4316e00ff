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

from collections.abc import Iterator

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
    slice_rows: int = 1_000_000,
) -> Iterator[pa.Table]:
    """Every contact of every person over the history, in slices of ``slice_rows`` rows sorted by
    (person, day, type). ``rise`` is (people mask, first day, factor): those people's emergency
    admissions are ``factor`` times as frequent from that day on. Person ``i`` is
    ``first_patient_id + i``; contacts are numbered from ``first_encounter_id`` (a place after the
    first continues the numbering of the one before). All the draws are made before the first
    slice is yielded."""
    rates = _capped_rates(rng, pop, ltc, deficits)
    parts = [_contacts(rng, pop, rates, kind, rise) for kind in ENCOUNTER_TYPES]
    del rates
    rows = np.concatenate([p[0] for p in parts])
    days = np.concatenate([p[1] for p in parts])
    end = np.concatenate([p[2] for p in parts])
    types = np.concatenate([np.full(len(p[0]), k, dtype=np.int8) for k, p in enumerate(parts)])
    del parts
    order = sort_order(rows, days, types)
    rows, days, end, types = rows[order], days[order], end[order], types[order]
    del order
    type_names = pa.array(ENCOUNTER_TYPES)
    # GP contacts are with the person's practice, community with Oxford Health, the rest with OUH:
    # one take from [practices..., acute, community] (no per-row Python strings).
    n = len(practice_codes)
    providers = pa.concat_arrays([practice_codes, pa.array([ACUTE_PROVIDER, COMMUNITY_PROVIDER])])
    for start in range(0, max(len(rows), 1), slice_rows):
        part = slice(start, start + slice_rows)
        r, t = rows[part], types[part]
        who = np.where(t == 0, pop.practice[r], np.where(t == 1, n + 1, n))
        yield pa.table(
            {
                "encounter_id": pa.array(
                    np.arange(start, start + len(r), dtype=np.int64) + first_encounter_id
                ),
                "patient_id": pa.array(r.astype(np.int64) + first_patient_id),
                "type": pc_take(type_names, t),
                "start_date": to_date32(days[part]),
                "end_date": pa.array(end[part], type=pa.int32(), mask=t != ADMISSION).cast(pa.date32()),
                "provider_code": pc_take(providers, who),
            }
        )


def _capped_rates(
    rng: np.random.Generator, pop: Population, ltc: np.ndarray, deficits: np.ndarray
) -> dict[str, np.ndarray]:
    """Each person's yearly rate of each contact type, times their persistent personal factor."""
    rates = annual_rates(pop, ltc, deficits)
    persistence = rng.gamma(shape=1.2, scale=1 / 1.2, size=pop.n)
    return {kind: np.minimum(rates[kind] * persistence, MAX_PER_YEAR[kind]) for kind in ENCOUNTER_TYPES}


def _contacts(
    rng: np.random.Generator,
    pop: Population,
    rates: dict[str, np.ndarray],
    kind: str,
    rise: tuple[np.ndarray, int, float] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person, first day, last day or -1) of each contact of one type, as 32-bit integers."""
    window_start = first_day(pop.as_of_day)
    alive_days = np.clip(pop.last_day - np.maximum(window_start, pop.dob_day) + 1, 0, WINDOW_DAYS)
    peak = np.full(pop.n, 1 + WINTER[kind])
    if kind == "emergency_admission" and rise is not None:
        peak = np.where(rise[0], peak * max(rise[2], 1.0), peak)
    lam = rates[kind] * alive_days / 365.25
    count = rng.poisson(lam * peak)
    rows = np.repeat(np.arange(pop.n, dtype=np.int32), count)
    first = np.maximum(window_start, pop.dob_day)[rows]
    days = first + (rng.random(len(rows)) * alive_days[rows]).astype(np.int64)
    del first
    rate = seasonal(days, WINTER[kind])
    if kind == "emergency_admission" and rise is not None:
        rate = np.where(rise[0][rows] & (days >= rise[1]), rate * rise[2], rate)
    keep = rng.random(len(rows)) * peak[rows] < rate
    del rate
    rows, days = rows[keep], days[keep].astype(np.int32)
    end = np.full(len(rows), -1, dtype=np.int32)
    if kind == "emergency_admission":
        los = rng.geometric(1 / (2 + 0.08 * np.clip(pop.age[rows] - 50, 0, None)), size=len(rows)) - 1
        end = np.minimum(days + los, pop.as_of_day).astype(np.int32)
    return rows, days, end


def pc_take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return pc.take(values, pa.array(idx))


def admissions_rise(pop: Population, practices: pa.Table) -> tuple[np.ndarray, int, float]:
    """(people mask, first day, factor) of the neighbourhood whose emergency admissions rise."""
    in_place = (
        np.asarray(practices["neighbourhood"].to_pylist(), dtype=object) == ADMISSIONS_RISE.neighbourhood
    )
    first = step_day(pop.as_of_day, ADMISSIONS_RISE.months_before_as_of)
    return in_place[pop.practice], first, ADMISSIONS_RISE.factor
