"""Observation values are kept for every code system, and the starter concept map lets the analytics read LOINC."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from nhc.fhir.ingest import ingest_fhir
from nhc.fhir.mapping.values import CONCEPT_MAP_FILE
from nhc.reference.codelists import load_codelists

from .test_third_party import US, rows

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SCT = "http://snomed.info/sct"
CODING_VALUES = (
    "system, code, lake_code, value, unit, unit_system, unit_code, value_system, value_code, value_display, "
    "value_string"
)


def observation(code: str, **value) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": "Patient/v-1"},
        "effectiveDateTime": "2023-04-05",
        **value,
    }


def ingest(tmp_path: Path, *resources: dict) -> Path:
    src = tmp_path / "in.ndjson"
    patient = {"resourceType": "Patient", "id": "v-1", "gender": "female", "birthDate": "1950-01-01"}
    src.write_text("".join(json.dumps(r) + "\n" for r in (patient, *resources)))
    lake = tmp_path / "data" / "lake"
    result = ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    assert result.quarantined == 0
    return lake


def quantity(value: float, unit: str) -> dict:
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def test_a_loinc_hba1c_in_percent_reaches_the_analytics_in_mmol_per_mol(tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    ingest_fhir(US, lake, quarantine_path=tmp_path / "q.ndjson")
    [(pid,)] = rows(lake, "patients", "patient_id")
    # 7.4 % (NGSP) is 10.929 x (7.4 - 2.15) = 57.378 mmol/mol (IFCC), worked by hand.
    events = rows(lake, "clinical_events", "patient_id, snomed_code, value, unit")
    assert (pid, "999791000000106", 57.378, "mmol/mol") in events
    # The LOINC coding is kept as sent, with its value, beside the mapped code.
    loinc = [r for r in rows(lake, "fhir_codings", CODING_VALUES) if r[0] == LOINC]
    assert loinc == [(LOINC, "4548-4", "999791000000106", 7.4, "%", UCUM, "%", None, None, None, None)]


def test_a_loinc_blood_pressure_panel_gives_both_components(tmp_path: Path):
    panel = observation(
        "85354-9",
        component=[
            {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]}, **quantity(142, "mm[Hg]")},
            {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]}, **quantity(88, "mm[Hg]")},
        ],
    )
    lake = ingest(tmp_path, panel)
    assert rows(lake, "clinical_events", "snomed_code, value, unit") == [
        ("1091811000000102", 88.0, "mm[Hg]"),
        ("72313002", 142.0, "mm[Hg]"),
    ]
    assert rows(lake, "fhir_codings", "code, lake_code, value") == [
        ("8462-4", "1091811000000102", 88.0),
        ("8480-6", "72313002", 142.0),
        ("85354-9", None, None),
    ]


def test_a_unit_the_map_does_not_convert_is_kept_but_not_mapped(tmp_path: Path):
    lake = ingest(tmp_path, observation("2160-0", **quantity(0.09, "mmol/L")))
    assert rows(lake, "clinical_events") == []
    assert rows(lake, "fhir_codings", "code, lake_code, value, unit") == [("2160-0", None, 0.09, "mmol/L")]


def test_creatinine_in_mg_per_dl_is_converted(tmp_path: Path):
    lake = ingest(tmp_path, observation("2160-0", **quantity(1.2, "mg/dL")))
    # 1.2 mg/dL x 88.42 = 106.104 umol/L
    assert rows(lake, "clinical_events", "snomed_code, value, unit") == [
        ("1000731000000107", 106.104, "umol/L")
    ]


def test_a_coded_value_is_kept_and_a_smoking_status_gives_its_snomed_finding(tmp_path: Path):
    smoker = {"coding": [{"system": SCT, "code": "449868002", "display": "Smokes tobacco daily"}]}
    lake = ingest(tmp_path, observation("72166-2", valueCodeableConcept=smoker))
    assert rows(lake, "clinical_events", "snomed_code, value") == [("449868002", None)]
    assert rows(lake, "fhir_codings", "code, lake_code, value_system, value_code, value_display") == [
        ("72166-2", "449868002", SCT, "449868002", "Smokes tobacco daily")
    ]


def test_a_string_value_of_an_unmapped_code_is_kept(tmp_path: Path):
    lake = ingest(tmp_path, observation("8251-1", valueString="Feels well"))
    assert rows(lake, "fhir_codings", "code, lake_code, value, value_string") == [
        ("8251-1", None, None, "Feels well")
    ]


def test_every_mapped_snomed_code_is_in_an_analytics_cluster_but_weight(tmp_path: Path):
    codelists = load_codelists()
    in_clusters = set(codelists.column("code").to_pylist())
    with CONCEPT_MAP_FILE.open() as fh:
        mapped = {r["loinc_code"]: r["snomed_code"] for r in csv.DictReader(fh)}
    assert {
        "4548-4",
        "8480-6",
        "8462-4",
        "33914-3",
        "62238-1",
        "2160-0",
        "2093-3",
        "9318-7",
        "39156-5",
    } <= set(mapped)
    assert {"29463-7", "72166-2"} <= set(mapped)
    missing = {loinc for loinc, sct in mapped.items() if sct != "value" and sct not in in_clusters}
    assert missing == {"29463-7"}  # body weight: no cluster uses it yet
