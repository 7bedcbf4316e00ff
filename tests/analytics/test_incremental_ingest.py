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
