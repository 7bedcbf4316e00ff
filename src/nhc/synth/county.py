"""Generate a synthetic county and write it to the lake.

Deterministic: the same options (seed, size, as-of, localities) give byte-identical Parquet
files. Each step draws from its own random stream (spawned from the seed), so changing one step
does not reshuffle the others. Everything is vectorised with numpy; nothing loops over people.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nhc.errors import NhcError
from nhc.lake.store import Lake, write_lake
from nhc.reference import geography
from nhc.synth import identity
from nhc.synth.care_processes import REVIEWED, readings_and_reviews
from nhc.synth.conditions import (
    CONDITION_INDEX,
    CONDITIONS,
    condition_matrix,
    diagnosis_days,
    solve_intercept,
)
from nhc.synth.encounters import admissions_rise, build_encounters
from nhc.synth.frailty import EXTRA_DEFICITS, EXTRA_NAMES, choose_extra_deficits, target_counts
from nhc.synth.medicines import MEDICINE_CLASSES, emit_medicines, medicine_matrix
from nhc.synth.observations import UNITS
from nhc.synth.population import DISTRICTS, ETHNIC_GROUPS, Population, build_population
from nhc.synth.records import CodePicker, EventCollector, codes_array, day_number, to_date32

DEFAULT_AS_OF = date(2026, 3, 31)
MANIFEST = "_synth.json"
STEPS = (
    "population",
    "conditions",
    "medicines",
    "frailty",
    "observations",
    "care needs",
    "encounters",
    "tables",
)


@dataclass(frozen=True)
class SynthOptions:
    patients: int = 726_000
    seed: int = 1
    as_of: date | None = None
    localities: tuple[str, ...] = ()

    def checked(self) -> SynthOptions:
        if self.patients < 1:
            raise NhcError(f"--patients must be at least 1, not {self.patients}")
        if self.patients > identity.MAX_PATIENTS:
            raise NhcError(
                f"--patients {self.patients:,} is more than the {identity.MAX_PATIENTS:,} valid NHS numbers "
                "in the 999 test range",
                hint=f"use --patients {identity.MAX_PATIENTS:,} or fewer",
            )
        if self.seed < 0:
            raise NhcError(f"--seed must be zero or positive, not {self.seed}")
        as_of = self.as_of or DEFAULT_AS_OF
        if not date(1990, 1, 1) <= as_of <= date(2100, 1, 1):
            raise NhcError(f"--as-of {as_of} is outside 1990-01-01 .. 2100-01-01")
        localities = tuple(dict.fromkeys(geography.check_locality(x) for x in self.localities))
        return SynthOptions(self.patients, self.seed, as_of, localities)


@dataclass
class SynthResult:
    lake_dir: Path
    options: SynthOptions
    rows: dict[str, int]
    summary: dict[str, object]
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "lake": str(self.lake_dir),
            "options": asdict(self.options),
            "rows": self.rows,
            "summary": self.summary,
            "seconds": round(self.seconds, 2),
        }


@dataclass
class County:
    """The generated tables plus the headline figures about them."""

    tables: dict[str, pa.Table]
    summary: dict[str, object] = field(default_factory=dict)


Progress = Callable[[str], None]


def generate(options: SynthOptions, progress: Progress | None = None) -> County:
    """Build every lake table for ``options`` in memory.

    Each step draws from its own random stream, in a fixed order, so the county is the same for the
    same options on every machine."""
    options = options.checked()
    step = progress or (lambda _name: None)
    as_of_day = day_number(np.datetime64(options.as_of))
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(options.seed).spawn(11)]
    practices, areas = _geography(options)
    localities = geography.LOCALITIES

    step("population")
    pop = build_population(streams[0], options.patients, as_of_day, practices, areas, localities)
    picker = CodePicker()
    events = EventCollector()
    step("conditions")
    has, efi_present, diagnosed = _conditions(streams[1], pop, picker, events)
    step("medicines")
    takes = medicine_matrix(streams[2], pop, has)
    medications = EventCollector()
    emit_medicines(streams[2], pop, takes, picker, medications)
    step("frailty")
    polypharmacy = takes.sum(axis=1) >= 5
    deficits, housebound = _frailty(streams[3], pop, efi_present, polypharmacy, picker, events)
    step("observations")
    codes = practices["practice_code"].combine_chunks()
    on_statin = takes[:, MEDICINE_CLASSES.index("statins")]
    unreviewed = readings_and_reviews(
        (streams[5], streams[10]), pop, has, diagnosed, on_statin, codes, picker, events
    )
    step("care needs")
    needs = _care_needs(streams[4], pop, has, takes, deficits, unreviewed, picker, events)
    step("encounters")
    ltc = has.sum(axis=1)
    encounters = build_encounters(streams[6], pop, ltc, deficits, codes, admissions_rise(pop, practices))

    step("tables")
    tables = {
        "patients": _patients(streams[7], pop, areas, localities),
        "practice_registrations": _registrations(streams[8], pop, practices),
        "clinical_events": _events_table(events, picker, pop, with_units=True),
        "medications": _events_table(medications, picker, pop, with_units=False),
        "encounters": encounters,
        "care_home_residence": _care_home_table(streams[9], pop, needs.care_home),
        "deaths": _deaths_table(streams[9], pop, needs.care_home, needs.palliative),
        "small_areas": areas,
        "practices": practices,
    }
    summary = _summary(options, pop, practices.num_rows, ltc, deficits, housebound, needs)
    return County(tables=tables, summary=summary)


def _geography(options: SynthOptions) -> tuple[pa.Table, pa.Table]:
    """The practices and small areas of the county, or of the localities asked for."""
    practices = geography.practices()
    areas = geography.small_areas()
    if options.localities:
        keep = pc.is_in(practices["locality"], value_set=pa.array(options.localities))
        practices = practices.filter(keep)
        areas = areas.filter(pc.is_in(areas["locality"], value_set=pa.array(options.localities)))
    return practices, areas


def _conditions(
    rng: np.random.Generator, pop: Population, picker: CodePicker, events: EventCollector
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Who has each long-term condition (a people x conditions matrix), their diagnosis codes,
    which eFI deficits those conditions already record (cluster -> people mask), and the day each
    person was diagnosed with the conditions that have annual reviews (name -> day per person)."""
    has, _factors = condition_matrix(rng, pop)
    efi_present: dict[str, np.ndarray] = {}
    diagnosed = {name: np.full(pop.n, pop.as_of_day + 1, dtype=np.int64) for name in REVIEWED}
    condition_clusters = tuple(c.cluster for c in CONDITIONS)
    for j, spec in enumerate(CONDITIONS):
        people = np.flatnonzero(has[:, j])
        days = diagnosis_days(rng, pop, spec.onset_age, people)
        if spec.efi_cluster and not picker.shares(spec.cluster, spec.efi_cluster):
            # No code is in both lists: record the eFI deficit as its own entry, as GPs often do.
            events.add(people, days, picker.pick(rng, spec.efi_cluster, len(people)))
        code = picker.pick(rng, spec.cluster, len(people), within=spec.efi_cluster, avoid=condition_clusters)
        events.add(people, days, code)
        if spec.name in diagnosed:
            diagnosed[spec.name][people] = days
        if spec.efi_cluster:
            mask = efi_present.setdefault(spec.efi_cluster, np.zeros(pop.n, dtype=bool))
            mask |= has[:, j]
    return has, efi_present, diagnosed


def _frailty(
    rng: np.random.Generator,
    pop: Population,
    efi_present: dict[str, np.ndarray],
    polypharmacy: np.ndarray,
    picker: CodePicker,
    events: EventCollector,
) -> tuple[np.ndarray, np.ndarray]:
    """Extra eFI deficits so that frailty follows its published distribution: (deficit counts, housebound)."""
    # Codes for frailty deficits and care processes must not also put people on a register.
    register_clusters = (*(c.cluster for c in CONDITIONS), "palcare_cod")
    existing = polypharmacy.astype(np.int64) + sum(m.astype(np.int64) for m in efi_present.values())
    already = np.zeros((pop.n, len(EXTRA_DEFICITS)), dtype=bool)
    for k, name in enumerate(EXTRA_NAMES):
        if name in efi_present:
            already[:, k] = efi_present[name]
    target = target_counts(rng, pop, existing)
    extra = choose_extra_deficits(rng, target - existing, already)
    for k, name in enumerate(EXTRA_NAMES):
        people = np.flatnonzero(extra[:, k])
        # Deficits are recorded over the last five years, most in the last two.
        back = np.where(
            rng.random(len(people)) < 0.7,
            rng.integers(0, 730, len(people)),
            rng.integers(0, 1826, len(people)),
        )
        days = np.maximum(pop.last_day[people] - back, pop.dob_day[people])
        events.add(people, days, picker.pick(rng, name, len(people), avoid=register_clusters))
    k = EXTRA_NAMES.index("efi-housebound")
    return target, extra[:, k] | already[:, k]


@dataclass(frozen=True)
class _Needs:
    care_home: np.ndarray
    palliative: np.ndarray
    pregnant: np.ndarray


def _care_needs(
    rng: np.random.Generator,
    pop: Population,
    has: np.ndarray,
    takes: np.ndarray,
    deficits: np.ndarray,
    unreviewed: np.ndarray,
    picker: CodePicker,
    events: EventCollector,
) -> _Needs:
    """Care homes, palliative care, pregnancies and the care processes of people with conditions."""
    care_home = _care_home(rng, pop, deficits)
    palliative = _palliative(rng, pop, has, deficits)
    events.add(
        palliative,
        pop.last_day[palliative] - rng.integers(0, 365, len(palliative)),
        picker.pick(rng, "palcare_cod", len(palliative)),
    )
    pregnant, complex_pregnancy = _pregnancies(rng, pop)
    conception = pop.as_of_day - rng.integers(30, 260, len(pregnant))
    events.add(pregnant, conception + 56, picker.pick(rng, "pregnancy-antenatal", len(pregnant)))
    half = len(complex_pregnancy) // 2
    events.add(
        complex_pregnancy[:half],
        np.full(half, pop.as_of_day - 10),
        picker.pick(rng, "gestational-diabetes", half),
    )
    events.add(
        complex_pregnancy[half:],
        np.full(len(complex_pregnancy) - half, pop.as_of_day - 5),
        picker.pick(rng, "pre-eclampsia", len(complex_pregnancy) - half),
    )
    _care_processes(rng, pop, takes, deficits, has, unreviewed, picker, events)
    return _Needs(care_home, palliative, pregnant)


def _summary(
    options: SynthOptions,
    pop: Population,
    practices: int,
    ltc: np.ndarray,
    deficits: np.ndarray,
    housebound: np.ndarray,
    needs: _Needs,
) -> dict[str, object]:
    """The figures ``nhc synth`` prints, to compare with the published ones."""
    alive = pop.alive
    older = alive & (pop.age >= 65)
    living = max(alive.sum(), 1)
    return {
        "people generated (incl. deaths)": pop.n,
        "alive and registered at as-of": int(alive.sum()),
        "deaths in the five years": int((~alive).sum()),
        "practices": practices,
        "as-of date": str(options.as_of),
        "aged 65+ (%)": f"{100 * older.sum() / living:.1f}",
        "aged 75+ (%)": f"{100 * (alive & (pop.age >= 75)).sum() / living:.1f}",
        "2+ long-term conditions (%)": f"{100 * (alive & (ltc >= 2)).sum() / living:.1f}",
        "65+ with moderate or severe frailty (%)": f"{100 * (older & (deficits >= 9)).sum() / max(older.sum(), 1):.1f}",
        "care home residents": int((alive & needs.care_home).sum()),
        "housebound": int((alive & housebound).sum()),
        "on palliative care register": int(alive[needs.palliative].sum()),
        "pregnant": len(needs.pregnant),
    }


def _care_home(rng: np.random.Generator, pop: Population, deficits: np.ndarray) -> np.ndarray:
    """About 0.6% of the living live in care homes, and about 18% of those who died in the history
    had (ONS: about a fifth of deaths in England are of care home residents): the frailest 75+."""
    key = np.where(pop.age >= 75, deficits + 0.05 * (pop.age - 75) + rng.normal(0, 1.5, pop.n), -np.inf)
    out = np.zeros(pop.n, dtype=bool)
    for group, share in ((pop.alive, 0.006), (~pop.alive, 0.18)):
        people = np.flatnonzero(group)
        chosen = people[np.argsort(-key[people], kind="stable")[: round(share * len(people))]]
        out[chosen[np.isfinite(key[chosen])]] = True
    return out


def _palliative(
    rng: np.random.Generator, pop: Population, has: np.ndarray, deficits: np.ndarray
) -> np.ndarray:
    """People on the palliative care register: 0.32% of the living (QOF 2019/20 Oxfordshire)."""
    x = (
        0.45 * (pop.age - 50) / 10
        + 2.6 * has[:, CONDITION_INDEX["cancer"]]
        + 1.0 * has[:, CONDITION_INDEX["heart_failure"]]
        + 1.1 * has[:, CONDITION_INDEX["dementia"]]
        + 0.6 * has[:, CONDITION_INDEX["copd"]]
        + 0.2 * deficits
    )
    x = np.where(pop.age >= 18, x, -50.0)
    a = solve_intercept(x, 0.0032, pop.alive.astype(np.float64))
    p = 1 / (1 + np.exp(-(a + x)))
    return np.flatnonzero(rng.random(pop.n) < p)


def _pregnancies(rng: np.random.Generator, pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Currently pregnant women (~0.85% of the population), 12% with a complication."""
    fertile = pop.alive & pop.female & (pop.age >= 15) & (pop.age <= 46)
    rate = np.exp(-(((pop.age - 31) / 7.0) ** 2))
    p = np.where(fertile, rate, 0)
    p = p * (0.0085 * pop.n / max(p.sum(), 1e-9))
    pregnant = np.flatnonzero(rng.random(pop.n) < np.clip(p, 0, 0.5))
    complex_ = pregnant[rng.random(len(pregnant)) < 0.12]
    return pregnant, complex_


def _care_processes(
    rng: np.random.Generator,
    pop: Population,
    takes: np.ndarray,
    deficits: np.ndarray,
    has: np.ndarray,
    unreviewed: np.ndarray,
    picker: CodePicker,
    events: EventCollector,
) -> None:
    """Medication reviews, MDT discussions and social prescribing referrals (imperfect coverage).
    People with diabetes who missed their annual review in the last year (``unreviewed``) had no
    medication review either: it is done at the annual review."""
    n_meds = takes.sum(axis=1)
    reviewed = np.flatnonzero((n_meds >= 4) & (rng.random(pop.n) < 0.6) & ~unreviewed)
    events.add(
        reviewed,
        pop.last_day[reviewed] - rng.integers(0, 365, len(reviewed)),
        picker.pick(rng, "medication-review-basic", len(reviewed)),
    )
    mdt = np.flatnonzero((deficits >= 9) & (rng.random(pop.n) < 0.25))
    events.add(
        mdt,
        pop.last_day[mdt] - rng.integers(0, 365, len(mdt)),
        picker.pick(rng, "multidisciplinary-team", len(mdt)),
    )
    lonely = has[:, CONDITION_INDEX["depression"]] | has[:, CONDITION_INDEX["anxiety"]] | (deficits >= 5)
    deprivation = (5.5 - pop.imd_decile) / 2.87
    p = np.where(pop.age >= 18, 0.004 + 0.02 * lonely + 0.004 * deprivation, 0)
    referred = np.flatnonzero(rng.random(pop.n) < np.clip(p, 0, 1))
    events.add(
        referred,
        pop.last_day[referred] - rng.integers(0, 700, len(referred)),
        picker.pick(rng, "social-care-prescribing-referral", len(referred)),
    )


def _patients(
    rng: np.random.Generator, pop: Population, areas: pa.Table, localities: tuple[str, ...]
) -> pa.Table:
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
            "patient_id": pa.array(np.arange(1, pop.n + 1, dtype=np.int64)),
            "nhs_number": identity.nhs_numbers(rng, pop.n),
            "given_name": given,
            "family_name": family,
            "sex": pa.array(np.where(pop.female, "F", "M")),
            "date_of_birth": to_date32(pop.dob_day),
            "ethnicity": pc.take(pa.array(ETHNIC_GROUPS), pa.array(pop.ethnicity)),
            "small_area_code": pc.take(areas["small_area_code"].combine_chunks(), pa.array(pop.area)),
            "address_line": line,
            "postcode": postcode,
        }
    )


def _registrations(rng: np.random.Generator, pop: Population, practices: pa.Table) -> pa.Table:
    """Current registrations (ended at death), plus an earlier practice for about one in ten."""
    years_registered = rng.exponential(9.0, pop.n)
    start = pop.as_of_day - (years_registered * 365.25).astype(np.int64)
    # Registered since birth at the earliest, and before death for those who died.
    start = np.maximum(np.minimum(start, pop.last_day - 1), pop.dob_day)
    end = pop.death_day.copy()
    moved = np.flatnonzero((rng.random(pop.n) < 0.1) & (start - pop.dob_day > 400))
    previous = (pop.practice[moved] + rng.integers(1, practices.num_rows, len(moved))) % practices.num_rows
    prev_start = np.maximum(start[moved] - rng.integers(200, 4000, len(moved)), pop.dob_day[moved])
    prev_end = start[moved] - 1
    patient = np.concatenate([np.arange(pop.n), moved])
    practice = np.concatenate([pop.practice, previous])
    starts = np.concatenate([start, prev_start])
    ends = np.concatenate([end, prev_end])
    still_open = np.concatenate([pop.alive, np.zeros(len(moved), dtype=bool)])
    order = np.lexsort((starts, patient))
    codes = practices["practice_code"].combine_chunks()
    return pa.table(
        {
            "patient_id": pa.array(patient[order] + 1),
            "practice_code": pc.take(codes, pa.array(practice[order])),
            "start_date": to_date32(starts[order]),
            "end_date": _dates_or_null(ends[order], still_open[order]),
        }
    )


def _dates_or_null(days: np.ndarray, empty: np.ndarray) -> pa.Array:
    """Dates from day numbers, empty where ``empty`` is true (day numbers can be negative: pre-1970)."""
    return pa.array(days.astype(np.int32), type=pa.int32(), mask=empty).cast(pa.date32())


def _events_table(
    collector: EventCollector, picker: CodePicker, pop: Population, *, with_units: bool
) -> pa.Table:
    arr = collector.arrays(keep_before=pop.last_day)
    dictionary = picker.dictionary()
    value = pa.array(arr["value"], mask=np.isnan(arr["value"]))
    if with_units:
        unit_names = pa.array([*UNITS, None], type=pa.string())
        unit = pc.take(unit_names, pa.array(np.where(arr["unit"] < 0, len(UNITS), arr["unit"])))
        return pa.table(
            {
                "patient_id": pa.array(arr["patient"] + 1),
                "date": to_date32(arr["day"]),
                "snomed_code": codes_array(dictionary, arr["code"]),
                "value": value,
                "unit": unit,
            }
        )
    return pa.table(
        {
            "patient_id": pa.array(arr["patient"] + 1),
            "date": to_date32(arr["day"]),
            "dmd_code": codes_array(dictionary, arr["code"]),
            "quantity": value,
        }
    )


def _care_home_table(rng: np.random.Generator, pop: Population, care_home: np.ndarray) -> pa.Table:
    people = np.flatnonzero(care_home)
    start = np.maximum(pop.last_day[people] - rng.integers(30, 1500, len(people)), pop.dob_day[people])
    homes = np.char.add("VCH", np.char.zfill((pop.area[people] % 120 + 1).astype(str), 3))
    return pa.table(
        {
            "patient_id": pa.array(people + 1),
            "care_home_code": pa.array(homes.astype(object), type=pa.string()),
            "start_date": to_date32(start),
            "end_date": _dates_or_null(pop.death_day[people], pop.alive[people]),
        }
    )


def _deaths_table(
    rng: np.random.Generator, pop: Population, care_home: np.ndarray, palliative: np.ndarray
) -> pa.Table:
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
            "patient_id": pa.array(people + 1),
            "date_of_death": to_date32(pop.death_day[people]),
            "place_of_death": pc.take(
                pa.array(["home", "care_home", "hospital", "hospice"]), pa.array(place)
            ),
        }
    )


def generate_to_lake(options: SynthOptions, lake_dir: Path | str, *, progress: bool = False) -> SynthResult:
    """Generate and write the county as one unit (the old lake stays until the new one is complete)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    started = time.perf_counter()
    lake_dir = Path(lake_dir)
    options = options.checked()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        disable=not progress,
        transient=True,
    ) as bar:
        task = bar.add_task("synthetic county", total=len(STEPS) + 1)

        def step(name: str) -> None:
            bar.update(task, description=f"synth: {name}", advance=1)

        county = generate(options, progress=step)
        step("writing the lake")
        manifest = json.dumps({"options": asdict(options), "summary": county.summary}, default=str, indent=2)
        write_lake(lake_dir, county.tables, extra_files={MANIFEST: manifest})
    return SynthResult(
        lake_dir=lake_dir,
        options=options,
        rows={name: t.num_rows for name, t in county.tables.items()},
        summary=county.summary,
        seconds=time.perf_counter() - started,
    )


def lake_matches(lake_dir: Path | str, options: SynthOptions) -> bool:
    """True if the lake was generated with exactly these options (so ``demo`` can reuse it)."""
    path = Path(lake_dir) / MANIFEST
    if not path.exists() or not Lake(lake_dir).tables():
        return False
    try:
        saved = json.loads(path.read_text())["options"]
    except (ValueError, KeyError):
        return False
    return saved == json.loads(json.dumps(asdict(options.checked()), default=str))
