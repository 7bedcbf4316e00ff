"""A system of several places: unique people, valid NHS numbers, place 1 is the county itself, the
same bytes however the tables are cut into pieces, and clear refusals of impossible splits."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from nhc.errors import NhcError
from nhc.lake import store
from nhc.lake.store import Lake, write_lake
from nhc.nhs_number import is_valid
from nhc.synth import tables as synth_tables
from nhc.synth.county import SynthOptions, generate, generate_to_lake

PERSON_TABLES = (
    "patients",
    "practice_registrations",
    "clinical_events",
    "medications",
    "encounters",
    "care_home_residence",
    "deaths",
)


def _digest(lake: Path) -> dict[str, str]:
    return {
        str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rglob("*.parquet"))
    }


@pytest.fixture(scope="module")
def three_places(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    lake = tmp_path_factory.mktemp("places") / "lake"
    generate_to_lake(SynthOptions(patients=2400, seed=4, places=3), lake)
    return Lake(lake)


def test_patient_ids_are_unique_across_places_and_every_row_belongs_to_a_person(three_places):
    patients = three_places.read("patients")
    ids = patients["patient_id"].to_pylist()
    assert ids == list(range(1, len(ids) + 1))
    known = pa.array(ids)
    for name in PERSON_TABLES[1:]:
        table = three_places.read(name)
        assert pc.all(pc.is_in(table["patient_id"], value_set=known)).as_py(), name
    encounter_ids = three_places.read("encounters")["encounter_id"]
    assert pc.count_distinct(encounter_ids).as_py() == len(encounter_ids)


def test_nhs_numbers_are_valid_test_numbers_and_unique_within_each_place(three_places):
    patients = three_places.read("patients").to_pylist()
    areas = {a["small_area_code"]: a["locality"] for a in three_places.read("small_areas").to_pylist()}
    by_place: dict[str, list[str]] = {}
    for p in patients:
        assert p["nhs_number"].startswith("999") and is_valid(p["nhs_number"]), p["nhs_number"]
        place = areas[p["small_area_code"]].partition(" (place ")[2] or "1)"
        by_place.setdefault(place, []).append(p["nhs_number"])
    assert sorted(by_place) == ["1)", "2)", "3)"]
    for numbers in by_place.values():
        assert len(set(numbers)) == len(numbers)


def test_each_place_has_its_own_practices_areas_and_localities(three_places):
    practices = three_places.read("practices")
    areas = three_places.read("small_areas")
    assert practices.num_rows == 3 * 70 and areas.num_rows == 3 * 407
    assert pc.count_distinct(practices["practice_code"]).as_py() == practices.num_rows
    assert pc.count_distinct(areas["small_area_code"]).as_py() == areas.num_rows
    localities = set(practices["locality"].to_pylist())
    assert {"North", "North (place 2)", "West (place 3)"} <= localities and len(localities) == 18
    codes = set(practices["practice_code"].to_pylist())
    assert {"K84225", "Y02225", "Y03225"} <= codes
    registered = set(three_places.read("practice_registrations")["practice_code"].to_pylist())
    assert registered <= codes
    assert set(three_places.read("patients")["small_area_code"].to_pylist()) <= set(
        areas["small_area_code"].to_pylist()
    )
    # People are split evenly: 800 alive at as-of in each place.
    alive = three_places.read("practice_registrations").filter(pc.is_null(pc.field("end_date")))
    place_of = {p["practice_code"]: p["locality"] for p in practices.to_pylist()}
    counts: dict[bool, int] = {}
    for code in alive["practice_code"].to_pylist():
        second = "(place 2)" in place_of[code]
        counts[second] = counts.get(second, 0) + 1
    assert counts[True] == 800


def test_place_one_is_the_one_place_county_of_the_same_size_and_seed(three_places, tmp_path):
    alone = Lake(generate_to_lake(SynthOptions(patients=800, seed=4), tmp_path / "alone").lake_dir)
    last_id = alone.read("patients").num_rows
    for name in PERSON_TABLES:
        system = three_places.read(name).filter(pc.less_equal(pc.field("patient_id"), last_id))
        assert system.equals(alone.read(name)), name
    assert three_places.read("practices").slice(0, 70).equals(alone.read("practices"))


def test_same_seed_same_bytes_whatever_the_piece_sizes(tmp_path, monkeypatch):
    options = SynthOptions(patients=1500, seed=9, places=2)
    # Small row groups so the regrouping of pieces into row groups is exercised.
    monkeypatch.setattr(store, "ROW_GROUP_SIZE", 7_000)
    digests = []
    for rows in (1_000, 4_567, 1_000_000):
        monkeypatch.setattr(synth_tables, "SLICE_ROWS", rows)
        digests.append(_digest(generate_to_lake(options, tmp_path / f"lake-{rows}").lake_dir))
    assert digests[0] == digests[1] == digests[2]
    assert len(digests[0]) == 9
    # And the same bytes as the whole tables built in memory and written at once.
    county = generate(options)
    whole = tmp_path / "whole"
    write_lake(whole, county.tables)
    assert _digest(whole) == digests[0]


def test_a_system_of_places_is_deterministic_for_its_seed(tmp_path):
    a = _digest(generate_to_lake(SynthOptions(patients=900, seed=2, places=2), tmp_path / "a").lake_dir)
    b = _digest(generate_to_lake(SynthOptions(patients=900, seed=2, places=2), tmp_path / "b").lake_dir)
    c = _digest(generate_to_lake(SynthOptions(patients=900, seed=3, places=2), tmp_path / "c").lake_dir)
    assert a == b
    assert a["patients/part-00000.parquet"] != c["patients/part-00000.parquet"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (SynthOptions(patients=100, places=0), "--places must be between 1 and 99"),
        (SynthOptions(patients=100, places=100), "--places must be between 1 and 99"),
        (SynthOptions(patients=3, places=4), "--places 4 is more than --patients 3"),
        (SynthOptions(patients=2_000_000, places=2), "1,000,000 people in a place"),
    ],
)
def test_impossible_splits_are_refused_before_any_work(tmp_path, options, message):
    with pytest.raises(NhcError, match=message):
        generate_to_lake(options, tmp_path / "lake")
    assert not (tmp_path / "lake").exists()


def test_too_many_people_for_one_place_says_how_many_places(tmp_path):
    with pytest.raises(NhcError) as caught:
        SynthOptions(patients=3_200_000).checked()
    assert "999 test range" in str(caught.value)
    assert "--places 4 or more" in caught.value.hint


def test_cli_refuses_bad_places_in_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "nhc.cli", "synth", "--places", "0", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert "--places must be between 1 and 99" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_places_of_one_person_each_still_make_a_whole_lake(tmp_path):
    result = generate_to_lake(SynthOptions(patients=3, seed=0, places=3), tmp_path / "lake")
    lake = Lake(result.lake_dir)
    assert result.rows["patients"] == lake.read("patients").num_rows >= 3
    assert result.summary["alive and registered at as-of"] == 3
    assert lake.read("practices").num_rows == 210
    assert lake.read("care_home_residence").num_rows == result.rows["care_home_residence"]
