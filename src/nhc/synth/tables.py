"""The person-level lake tables of one place, built from what the generator drew.

Person ``i`` of a place (an index into its :class:`~nhc.synth.population.Population`) is
``patient_id = first_id + i``: the first place starts at 1 and each later place after the last id
of the one before, so ids are unique across a system of several places. The large event tables
are built in slices of :data:`SLICE_ROWS` rows, so their strings never exist all at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nhc.synth import identity
from nhc.synth.observations import UNITS
from nhc.synth.population import DISTRICTS, ETHNIC_GROUPS, Population
from nhc.synth.records import CodePicker, EventCollector, codes_array, to_date32

#: Rows per piece of the clinical events and medications tables (the lake's row-group size).
SLICE_ROWS = 1_000_000


def patients(
    rng: np.random.Generator,
    pop: Population,
    area_codes: pa.Array,
    localities: tuple[str, ...],
    first_id: int = 1,
) -> pa.Table:
    """One row per person: NHS number (unique within the place), name, sex, birth, address."""
    given, family = identity.names(rng, pop.female)
    district_choice = rng.integers(0, 4, size=pop.n)
    district_names = []
    for loc in localities:
        d = DISTRICTS[loc]
        district_names.append([d[k % len(d)] for k in range(4)])
    district = np.asarray(district_names, dtype=object)[pop.locality, district_choice]
    line, postcode = identity.addresses(rng, pa.array(district, type=pa.string()))
    return pa.table(
        {
            "patient_id": pa.array(np.arange(first_id, first_id + pop.n, dtype=np.int64)),
            "nhs_number": identity.nhs_numbers(rng, pop.n),
            "given_name": given,
            "family_name": family,
            "sex": pa.array(np.where(pop.female, "F", "M")),
            "date_of_birth": to_date32(pop.dob_day),
            "ethnicity": pc.take(pa.array(ETHNIC_GROUPS), pa.array(pop.ethnicity)),
            "small_area_code": pc.take(area_codes, pa.array(pop.area)),
            "address_line": line,
            "postcode": postcode,
        }
    )


def registrations(
    rng: np.random.Generator, pop: Population, practice_codes: pa.Array, first_id: int = 1
) -> pa.Table:
    """Current registrations (ended at death), plus an earlier practice for about one in ten."""
    n_practices = len(practice_codes)
    years_registered = rng.exponential(9.0, pop.n)
    start = pop.as_of_day - (years_registered * 365.25).astype(np.int64)
    # Registered since birth at the earliest, and before death for those who died.
    start = np.maximum(np.minimum(start, pop.last_day - 1), pop.dob_day)
    end = pop.death_day.copy()
    moved = np.flatnonzero((rng.random(pop.n) < 0.1) & (start - pop.dob_day > 400))
    previous = (pop.practice[moved] + rng.integers(1, n_practices, len(moved))) % n_practices
    prev_start = np.maximum(start[moved] - rng.integers(200, 4000, len(moved)), pop.dob_day[moved])
    prev_end = start[moved] - 1
    patient = np.concatenate([np.arange(pop.n), moved])
    practice = np.concatenate([pop.practice, previous])
    starts = np.concatenate([start, prev_start])
    ends = np.concatenate([end, prev_end])
    still_open = np.concatenate([pop.alive, np.zeros(len(moved), dtype=bool)])
    order = np.lexsort((starts, patient))
    return pa.table(
        {
            "patient_id": pa.array(patient[order] + first_id),
            "practice_code": pc.take(practice_codes, pa.array(practice[order])),
            "start_date": to_date32(starts[order]),
            "end_date": dates_or_null(ends[order], still_open[order]),
        }
    )


def dates_or_null(days: np.ndarray, empty: np.ndarray) -> pa.Array:
    """Dates from day numbers, empty where ``empty`` is true (day numbers can be negative: pre-1970)."""
    return pa.array(days.astype(np.int32), type=pa.int32(), mask=empty).cast(pa.date32())


def events(
    collector: EventCollector,
    picker: CodePicker,
    pop: Population,
    *,
    with_units: bool,
    first_id: int = 1,
) -> Iterator[pa.Table]:
    """The clinical events (``with_units``) or medications table in slices of :data:`SLICE_ROWS`
    rows, sorted by (patient, date, code). The collector is emptied first (its arrays are copied
    into one sorted set), so its memory is freed as the slices are made."""
    arr = collector.arrays(keep_before=pop.last_day, consume=True)
    dictionary = picker.dictionary()
    unit_names = pa.array([*UNITS, None], type=pa.string())
    total = len(arr["patient"])
    for start in range(0, max(total, 1), SLICE_ROWS):
        part = {k: v[start : start + SLICE_ROWS] for k, v in arr.items()}
        value = pa.array(part["value"], mask=np.isnan(part["value"]))
        columns = {
            "patient_id": pa.array(part["patient"].astype(np.int64) + first_id),
            "date": to_date32(part["day"]),
        }
        if with_units:
            unit = pc.take(unit_names, pa.array(np.where(part["unit"] < 0, len(UNITS), part["unit"])))
            columns |= {"snomed_code": codes_array(dictionary, part["code"]), "value": value, "unit": unit}
        else:
            columns |= {"dmd_code": codes_array(dictionary, part["code"]), "quantity": value}
        yield pa.table(columns)


def care_home_residence(
    rng: np.random.Generator, pop: Population, care_home: np.ndarray, prefix: str = "VCH", first_id: int = 1
) -> pa.Table:
    """Stays in care homes (codes ``prefix`` + a number by small area), ended at death."""
    people = np.flatnonzero(care_home)
    start = np.maximum(pop.last_day[people] - rng.integers(30, 1500, len(people)), pop.dob_day[people])
    # (np.char.zfill cannot size an empty array: a small place can have no care home residents.)
    numbers = (pop.area[people] % 120 + 1).astype(str)
    homes = np.char.add(prefix, np.char.zfill(numbers, 3)) if len(people) else numbers
    return pa.table(
        {
            "patient_id": pa.array(people + first_id),
            "care_home_code": pa.array(homes.astype(object), type=pa.string()),
            "start_date": to_date32(start),
            "end_date": dates_or_null(pop.death_day[people], pop.alive[people]),
        }
    )


def deaths(
    rng: np.random.Generator,
    pop: Population,
    care_home: np.ndarray,
    palliative: np.ndarray,
    first_id: int = 1,
) -> pa.Table:
    """Deaths in the history, with the place of death (care home residents mostly die there)."""
    people = np.flatnonzero(~pop.alive)
    on_palliative = np.zeros(pop.n, dtype=bool)
    on_palliative[palliative] = True
    u = rng.random(len(people))
    place = np.where(
        care_home[people],
        np.where(u < 0.8, 1, 2),
        np.where(
            on_palliative[people], np.where(u < 0.45, 0, np.where(u < 0.75, 3, 2)), np.where(u < 0.3, 0, 2)
        ),
    )
    return pa.table(
        {
            "patient_id": pa.array(people + first_id),
            "date_of_death": to_date32(pop.death_day[people]),
            "place_of_death": pc.take(
                pa.array(["home", "care_home", "hospital", "hospice"]), pa.array(place)
            ),
        }
    )
