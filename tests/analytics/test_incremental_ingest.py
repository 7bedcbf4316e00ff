"""The FHIR ingest records in the lake's change log whose rows each input touched, so a nightly
refresh knows the day's work; a write that records nothing leaves the log unable to say."""

from __future__ import annotations

import json
from pathlib import Path

from nhc.fhir.ingest import ingest_fhir
from nhc.lake import changes
from nhc.lake.store import Lake, update_lake

SCT = "http://snomed.info/sct"


def _ingest(tmp_path: Path, name: str, *resources: dict) -> Path:
    src = tmp_path / f"{name}.ndjson"
    src.write_text("".join(json.dumps(r) + "\n" for r in resources))
    lake = tmp_path / "data" / "lake"
    result = ingest_fhir(src, lake, quarantine_path=tmp_path / f"{name}-q.ndjson")
    assert result.quarantined == 0
    return lake


def _patient(key: str, nhs_number: str) -> dict:
    return {
        "resourceType": "Patient",
        "id": key,
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs_number}],
        "gender": "female",
        "birthDate": "1950-01-01",
    }


def _condition(key: str, code: str) -> dict:
    return {
        "resourceType": "Condition",
        "code": {"coding": [{"system": SCT, "code": code}]},
        "subject": {"reference": f"Patient/{key}"},
        "onsetDateTime": "2024-01-01",
    }


def _ids(lake: Path) -> dict[str, int]:
    patients = Lake(lake).read("patients").to_pylist()
    return {p["nhs_number"]: p["patient_id"] for p in patients}


def test_an_ingest_records_the_patients_it_names_and_only_them(tmp_path: Path):
    lake = _ingest(tmp_path, "first", _patient("a", "9990000018"), _patient("b", "9990000026"))
    after_first = changes.sources_version(lake)
    ids = _ids(lake)

    _ingest(tmp_path, "second", _patient("b", "9990000026"), _condition("b", "44054006"))

    assert changes.changed_since(lake, after_first) == {ids["9990000026"]}
    assert changes.changed_since(lake, changes.sources_version(lake)) == set()


def test_an_unrecorded_write_breaks_the_chain(tmp_path: Path):
    lake = _ingest(tmp_path, "first", _patient("a", "9990000018"))
    after_first = changes.sources_version(lake)
    update_lake(lake, {"patients": Lake(lake).read("patients")})  # rewritten, not recorded

    assert changes.changed_since(lake, after_first) is None


def _rows_of(lake: Path, table: str, patient_id: int) -> list[dict]:
    rows = Lake(lake).read(table).to_pylist()
    return sorted((r for r in rows if r["patient_id"] == patient_id), key=repr)


def test_an_ingest_records_every_row_of_the_people_it_touched_as_merged(tmp_path: Path):
    lake = _ingest(tmp_path, "first", _patient("a", "9990000018"), _condition("a", "73211009"))
    after_first = changes.sources_version(lake)
    second = (_patient("a", "9990000018"), _condition("a", "44054006"), _patient("b", "9990000026"))
    _ingest(tmp_path, "second", *second)
    a = _ids(lake)["9990000018"]

    rows = changes.rows_since(lake, after_first)

    # a's rows now: both conditions, and a's patient row; b is new, so b's patient row too
    assert sorted(r["snomed_code"] for r in rows["clinical_events"].to_pylist()) == ["44054006", "73211009"]
    assert sorted(r["nhs_number"] for r in rows["patients"].to_pylist()) == ["9990000018", "9990000026"]
    for table in changes.PERSON_TABLES:
        assert sorted((r for r in rows[table].to_pylist() if r["patient_id"] == a), key=repr) == _rows_of(
            lake, table, a
        ), table


def test_a_person_touched_twice_has_the_rows_of_the_later_batch_once(tmp_path: Path):
    lake = _ingest(tmp_path, "first", _patient("a", "9990000018"))
    start = changes.sources_version(lake)
    _ingest(tmp_path, "second", _patient("a", "9990000018"), _condition("a", "73211009"))
    _ingest(tmp_path, "third", _patient("a", "9990000018"), _condition("a", "44054006"))

    rows = changes.rows_since(lake, start)

    assert rows["patients"].num_rows == 1
    assert sorted(rows["clinical_events"].column("snomed_code").to_pylist()) == ["44054006", "73211009"]


def test_nothing_changed_gives_empty_tables_and_a_batch_without_rows_gives_none(tmp_path: Path):
    lake = _ingest(tmp_path, "first", _patient("a", "9990000018"))
    now = changes.sources_version(lake)
    assert {t.num_rows for t in changes.rows_since(lake, now).values()} == {0}

    version = changes.sources_version(lake)
    update_lake(lake, {"deaths": Lake(lake).read("deaths")})
    update_lake(lake, {"patients": Lake(lake).read("patients").slice(0, 0)})
    changes.record(lake, version, [1])  # a writer that records who, but not their rows

    assert changes.changed_since(lake, version) == {1}
    assert changes.rows_since(lake, version) is None


def test_a_batch_of_most_people_gets_no_after_image_and_a_day_always_does():
    # after a batch of most people a refresh runs in full: an after-image would be the lake again
    assert not changes.wants_after_image(touched=726_000, people_before=0)  # a first load
    assert not changes.wants_after_image(touched=200_000, people_before=726_000)
    assert changes.wants_after_image(touched=1_511, people_before=726_000)  # a day
    assert changes.wants_after_image(touched=2, people_before=2)  # small: costs nothing


def test_pruning_removes_the_batches_read_and_keeps_those_after(tmp_path: Path):
    lake = _ingest(tmp_path, "first", _patient("a", "9990000018"))
    start = changes.sources_version(lake)
    _ingest(tmp_path, "second", _patient("a", "9990000018"), _condition("a", "73211009"))
    read = changes.sources_version(lake)  # a refresh read the sources here
    _ingest(tmp_path, "third", _patient("a", "9990000018"), _condition("a", "44054006"))

    # the second batch (the first load's record leads to no later batch: the load then wrote the
    # reference tables, unrecorded, so a refresh after it runs in full)
    assert changes.prune(lake, read) == 1

    assert changes.changed_since(lake, start) is None  # those batches are gone
    assert changes.changed_since(lake, read) == {_ids(lake)["9990000018"]}
    assert changes.rows_since(lake, read)["clinical_events"].num_rows == 2
    now = changes.sources_version(lake)
    assert {now, f"{now}.parquet"} <= {p.name for p in (lake / changes.CHANGES).iterdir()}
    assert read not in {p.name for p in (lake / changes.CHANGES).iterdir()}  # its after-image went
