"""Generate a synthetic county, or a system of several places, and write it to the lake.

Deterministic: the same options (seed, size, places, as-of, localities) give byte-identical
Parquet files. Each step draws from its own random stream (spawned from the place's seed), so
changing one step does not reshuffle the others. Everything is vectorised with numpy; nothing
loops over people.

Bounded memory: a system is generated one place at a time (:mod:`nhc.synth.places`; a place is at
most :data:`nhc.synth.identity.MAX_PATIENTS` people, the valid NHS numbers of the 999 test range)
and each place's tables are streamed into the lake's Parquet files as they are made, so memory
holds one place, however many places there are. A place is also the unit of randomness and
calibration, so place 1 of a system is the one-place county of the same size and seed, byte for
byte, and no place depends on how many others are generated with it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nhc.errors import NhcError
from nhc.lake.store import Lake, write_lake_by_pieces
from nhc.lake.tables.sources import SOURCES
from nhc.reference import geography
from nhc.synth import needs as needs_
from nhc.synth import tables as build
from nhc.synth.care_processes import readings_and_reviews
from nhc.synth.encounters import admissions_rise, build_encounters
from nhc.synth.medicines import MEDICINE_CLASSES, emit_medicines, medicine_matrix
from nhc.synth.places import Place, check_places, place_entropy, place_sizes
from nhc.synth.population import Population, build_population
from nhc.synth.records import CodePicker, EventCollector, day_number
from nhc.synth.summary import Counts

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
#: The tables ``nhc synth`` writes, in the order it reports them: the lake's source tables.
TABLES = tuple(t.name for t in SOURCES)


@dataclass(frozen=True)
class SynthOptions:
    """What to generate. ``patients`` is the number of people alive at the as-of date in the
    whole system, split as evenly as possible over ``places`` (see :mod:`nhc.synth.places`)."""

    patients: int = 726_000
    seed: int = 1
    as_of: date | None = None
    localities: tuple[str, ...] = ()
    places: int = 1

    def checked(self) -> SynthOptions:
        """These options with defaults filled in; NhcError (one line, with what to do) if impossible."""
        if self.patients < 1:
            raise NhcError(f"--patients must be at least 1, not {self.patients}")
        if self.seed < 0:
            raise NhcError(f"--seed must be zero or positive, not {self.seed}")
        check_places(self.patients, self.places)
        as_of = self.as_of or DEFAULT_AS_OF
        if not date(1990, 1, 1) <= as_of <= date(2100, 1, 1):
            raise NhcError(f"--as-of {as_of} is outside 1990-01-01 .. 2100-01-01")
        localities = tuple(dict.fromkeys(geography.check_locality(x) for x in self.localities))
        return SynthOptions(self.patients, self.seed, as_of, localities, self.places)


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
Append = Callable[[str, pa.Table], None]


@dataclass
class _Drawn:
    """Everything drawn for one place before its tables are made (freed as they are made)."""

    options: SynthOptions
    place: Place
    first_id: int
    streams: list[np.random.Generator]
    pop: Population
    picker: CodePicker
    events: EventCollector
    medications: EventCollector
    encounters: Callable[[], Iterator[pa.Table]]
    needs: needs_.Needs
    practices: pa.Table
    areas: pa.Table
    counts: Counts


def _draw(
    options: SynthOptions, place: Place, size: int, first_ids: tuple[int, int], step: Progress
) -> _Drawn:
    """Draw one place of ``size`` living people; ``first_ids`` are its first patient and encounter ids.

    Each step draws from its own random stream, in a fixed order, so the place is the same for the
    same options on every machine."""
    as_of_day = day_number(np.datetime64(options.as_of))
    entropy = place_entropy(options.seed, place.number)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(entropy).spawn(11)]
    practices, areas = _geography(options)
    named_practices = place.practices(practices)

    step("population")
    pop = build_population(streams[0], size, as_of_day, practices, areas, geography.LOCALITIES)
    picker = CodePicker()
    events = EventCollector()
    step("conditions")
    has, efi_present, diagnosed = needs_.conditions(streams[1], pop, picker, events)
    step("medicines")
    takes = medicine_matrix(streams[2], pop, has)
    medications = EventCollector()
    emit_medicines(streams[2], pop, takes, picker, medications)
    step("frailty")
    polypharmacy = takes.sum(axis=1) >= 5
    deficits, housebound = needs_.frailty(streams[3], pop, efi_present, polypharmacy, picker, events)
    step("observations")
    codes = practices["practice_code"].combine_chunks()
    on_statin = takes[:, MEDICINE_CLASSES.index("statins")]
    unreviewed = readings_and_reviews(
        (streams[5], streams[10]), pop, has, diagnosed, on_statin, codes, picker, events
    )
    step("care needs")
    needs = needs_.care_needs(streams[4], pop, has, takes, deficits, unreviewed, picker, events)
    step("encounters")
    ltc = has.sum(axis=1)
    # The contacts are drawn (from their own stream) when their table is made, after the events
    # tables have freed their rows: the two largest sets of arrays are never held together.
    encounters = partial(
        build_encounters,
        streams[6],
        pop,
        ltc,
        deficits,
        named_practices["practice_code"].combine_chunks(),
        admissions_rise(pop, practices),
        first_patient_id=first_ids[0],
        first_encounter_id=first_ids[1],
        slice_rows=build.SLICE_ROWS,
    )
    counts = Counts.of(pop, practices.num_rows, ltc, deficits, housebound, needs)
    return _Drawn(
        options, place, first_ids[0], streams, pop, picker, events, medications, encounters, needs,
        named_practices, place.small_areas(areas), counts,
    )  # fmt: skip


def _place_tables(drawn: _Drawn) -> Iterator[tuple[str, pa.Table]]:
    """The place's lake tables, piece by piece; what each piece came from is let go once it is made."""
    streams, pop, first_id = drawn.streams, drawn.pop, drawn.first_id
    area_codes = drawn.areas["small_area_code"].combine_chunks()
    yield "patients", build.patients(streams[7], pop, area_codes, geography.LOCALITIES, first_id)
    codes = drawn.practices["practice_code"].combine_chunks()
    yield "practice_registrations", build.registrations(streams[8], pop, codes, first_id)
    for piece in build.events(drawn.events, drawn.picker, pop, with_units=True, first_id=first_id):
        yield "clinical_events", piece
    for piece in build.events(drawn.medications, drawn.picker, pop, with_units=False, first_id=first_id):
        yield "medications", piece
    for piece in drawn.encounters():
        yield "encounters", piece
    needs, prefix = drawn.needs, drawn.place.care_home_prefix
    yield "care_home_residence", build.care_home_residence(streams[9], pop, needs.care_home, prefix, first_id)
    yield "deaths", build.deaths(streams[9], pop, needs.care_home, needs.palliative, first_id)
    yield "small_areas", drawn.areas
    yield "practices", drawn.practices


def _generate(options: SynthOptions, append: Append, progress: Progress | None = None) -> Counts:
    """Generate every place of ``options`` (checked) in turn, handing each table piece to ``append``
    as it is made; returns the counts of the whole system."""
    step = progress or (lambda _name: None)
    total = Counts()
    first_ids = (1, 1)
    for number, size in enumerate(place_sizes(options.patients, options.places), start=1):
        label = "" if options.places == 1 else f"place {number} of {options.places}: "
        drawn = _draw(options, Place(number), size, first_ids, lambda name, label=label: step(label + name))
        step(label + "tables")
        contacts = 0
        for name, table in _place_tables(drawn):
            contacts += table.num_rows if name == "encounters" else 0
            append(name, table)
        total = total + drawn.counts
        # The next place's ids follow on from this one's: unique across the system.
        first_ids = (first_ids[0] + drawn.pop.n, first_ids[1] + contacts)
        del drawn
    return total


def generate(options: SynthOptions, progress: Progress | None = None) -> County:
    """Build every lake table for ``options`` in memory (small systems and tests; the lake is
    written by :func:`generate_to_lake`, which holds one place at a time)."""
    options = options.checked()
    pieces: dict[str, list[pa.Table]] = {name: [] for name in TABLES}
    counts = _generate(options, lambda name, table: pieces[name].append(table), progress)
    tables = {name: pa.concat_tables(parts).combine_chunks() for name, parts in pieces.items()}
    return County(tables=tables, summary=counts.summary(options.as_of, options.places))


def _geography(options: SynthOptions) -> tuple[pa.Table, pa.Table]:
    """The practices and small areas of the county, or of the localities asked for."""
    practices = geography.practices()
    areas = geography.small_areas()
    if options.localities:
        keep = pc.is_in(practices["locality"], value_set=pa.array(options.localities))
        practices = practices.filter(keep)
        areas = areas.filter(pc.is_in(areas["locality"], value_set=pa.array(options.localities)))
    return practices, areas


def generate_to_lake(options: SynthOptions, lake_dir: Path | str, *, progress: bool = False) -> SynthResult:
    """Generate and write the system as one unit (the old lake stays until the new one is complete),
    one place at a time, each table streamed into its Parquet file as it is made."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    started = time.perf_counter()
    lake_dir = Path(lake_dir)
    options = options.checked()
    rows = dict.fromkeys(TABLES, 0)
    summary: dict[str, object] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        disable=not progress,
        transient=True,
    ) as bar:
        task = bar.add_task("synthetic county", total=len(STEPS) * options.places)

        def step(name: str) -> None:
            bar.update(task, description=f"synth: {name}", advance=1)

        def fill(append: Append) -> None:
            def counted(name: str, table: pa.Table) -> None:
                rows[name] += table.num_rows
                append(name, table)

            summary.update(_generate(options, counted, step).summary(options.as_of, options.places))

        def manifest() -> dict[str, str]:
            text = json.dumps({"options": asdict(options), "summary": summary}, default=str, indent=2)
            return {MANIFEST: text}

        write_lake_by_pieces(lake_dir, TABLES, fill, extra_files=manifest)
    return SynthResult(
        lake_dir=lake_dir,
        options=options,
        rows=rows,
        summary=summary,
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
