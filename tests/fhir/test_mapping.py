"""Bundles, references, other code systems and resource types survive ingest and come back on export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from nhc.fhir.export import export_fhir
from nhc.fhir.ingest import ingest_fhir
from nhc.fhir.quarantine import read_quarantine
from nhc.fhir.validate import validate_resource

from .test_quarantine import GOOD_NHS, patient

SCT = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"


def bundle() -> dict:
    pat = "urn:uuid:6f7c1b2e-0000-4000-8000-000000000001"
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": pat,
                "resource": patient(
                    pid="ext-1",
                    deceasedDateTime="2025-06-01T10:00:00Z",
                    generalPractitioner=[
                        {
                            "identifier": {
                                "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                                "value": "K84013",
                            }
                        }
                    ],
                    meta={"lastUpdated": "2024-01-02T00:00:00Z"},
                ),
            },
            {
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": pat},
                    "onsetDateTime": "2019-03-04",
                    "code": {
                        "coding": [
                            {"system": SCT, "code": "44054006", "display": "Diabetes type 2"},
                            {"system": ICD10, "code": "E11", "display": "Type 2 diabetes"},
                        ]
                    },
                }
            },
            {
                "resource": {
                    "resourceType": "Condition",
                    "onsetDateTime": "2018-01-01",
                    "subject": {
                        "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": GOOD_NHS}
                    },
                    "code": {
                        "coding": [{"system": ICD10, "code": "I10"}]
                    },  # no SNOMED: kept in fhir_codings only
                }
            },
            {
                "resource": {
                    "resourceType": "Procedure",
                    "status": "completed",
                    "subject": {"reference": pat},
                    "performedDateTime": "2021-07-08",
                    "code": {"coding": [{"system": SCT, "code": "80146002"}]},
                }
            },
            {
                "resource": {
                    "resourceType": "AllergyIntolerance",
                    "patient": {"reference": pat},
                    "recordedDate": "2015-01-01",
                    "code": {"coding": [{"system": SCT, "code": "91936005"}]},
                }
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "subject": {"reference": pat},
                    "effectiveDateTime": "2024-02-03T09:30:00+00:00",
                    "code": {"coding": [{"system": SCT, "code": "75367002"}]},
                    "component": [
                        {
                            "code": {"coding": [{"system": SCT, "code": "72313002"}]},
                            "valueQuantity": {"value": 142, "unit": "mm[Hg]"},
                        },
                        {
                            "code": {"coding": [{"system": SCT, "code": "1091811000000102"}]},
                            "valueQuantity": {"value": 88, "unit": "mm[Hg]"},
                        },
                    ],
                }
            },
            {
                "resource": {
                    "resourceType": "MedicationStatement",
                    "status": "active",
                    "subject": {"reference": pat},
                    "effectiveDateTime": "2023-05-05",
                    "medicationCodeableConcept": {
                        "coding": [{"system": "https://dmd.nhs.uk", "code": "39720311000001101"}]
                    },
                }
            },
            {
                "resource": {
                    "resourceType": "Encounter",
                    "id": "ext-enc-1",
                    "status": "finished",
                    "subject": {"reference": pat},
                    "class": {"code": "EMER"},
                    "period": {"start": "2024-04-04"},
                    "serviceProvider": {"identifier": {"value": "RTH"}},
                }
            },
            {"resource": {"resourceType": "Organization", "id": "RTH", "name": "OUH"}},
        ],
    }


@pytest.fixture
def ingested(county: Path, tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    shutil.copytree(county, lake)
    src = tmp_path / "bundle.json"
    src.write_text(json.dumps(bundle()))
    result = ingest_fhir(
        src, lake, quarantine_path=tmp_path / "q.ndjson", today=__import__("datetime").date(2026, 3, 31)
    )
    return lake, result, tmp_path / "q.ndjson"


def sql(lake: Path, query: str) -> list[tuple]:
    con = duckdb.connect()
    for t in (
        "patients",
        "clinical_events",
        "medications",
        "encounters",
        "fhir_codings",
        "fhir_record_types",
        "practice_registrations",
        "deaths",
    ):
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{lake}/{t}/*.parquet')")
    return con.execute(query).fetchall()


def test_bundle_with_uuid_and_identifier_references(ingested):
    lake, result, _qpath = ingested
    assert result.quarantined == 0
    assert result.counts["Organization"].stored_only == 1
    (pid,) = sql(lake, f"SELECT patient_id FROM patients WHERE nhs_number = '{GOOD_NHS}'")[0]
    assert pid == result.rows_before["patients"] + 1  # 'ext-1' is not numeric: the next free id
    events = sql(
        lake,
        f"SELECT date::VARCHAR, snomed_code, value FROM clinical_events WHERE patient_id = {pid} ORDER BY 1, 2",
    )
    assert events == [
        ("2015-01-01", "91936005", None),
        ("2019-03-04", "44054006", None),
        ("2021-07-08", "80146002", None),
        ("2024-02-03", "1091811000000102", 88.0),
        ("2024-02-03", "72313002", 142.0),
        ("2024-02-03", "75367002", None),
    ]
    codings = sql(
        lake,
        f"SELECT resource_type, lake_code, system, code FROM fhir_codings WHERE patient_id = {pid} ORDER BY 4",
    )
    assert codings == [("Condition", "44054006", ICD10, "E11"), ("Condition", None, ICD10, "I10")]
    types = sql(
        lake,
        f"SELECT lake_table, code, resource_type FROM fhir_record_types WHERE patient_id = {pid} ORDER BY 2",
    )
    assert ("clinical_events", "80146002", "Procedure") in types
    assert ("clinical_events", "91936005", "AllergyIntolerance") in types
    assert ("medications", "39720311000001101", "MedicationStatement") in types
    assert ("clinical_events", "75367002", "Observation") in types
    enc = sql(lake, f"SELECT type, provider_code FROM encounters WHERE patient_id = {pid}")
    assert enc == [("ae", "RTH")]
    regs = sql(
        lake,
        f"SELECT practice_code, start_date::VARCHAR, end_date FROM practice_registrations WHERE patient_id = {pid}",
    )
    assert regs == [("K84013", "2024-01-02", None)]


def test_death_without_place_is_a_warning(ingested):
    _lake, result, qpath = ingested
    warnings = [r for r in read_quarantine(qpath) if r["severity"] == "warning"]
    assert len(warnings) == 1 and "place of death" in warnings[0]["reason"]
    assert result.warnings == 1


def test_reingest_of_the_bundle_is_idempotent(ingested, tmp_path: Path):
    lake, _, _ = ingested
    from .conftest import lake_fingerprint

    before = lake_fingerprint(lake)
    again = ingest_fhir(
        tmp_path / "bundle.json",
        lake,
        quarantine_path=tmp_path / "q2.ndjson",
        today=__import__("datetime").date(2026, 3, 31),
    )
    assert again.changed == [] and again.patients_matched == 1
    assert lake_fingerprint(lake) == before


def test_export_gives_back_types_and_other_codings_and_is_valid_r4(ingested, tmp_path: Path):
    lake, _, _ = ingested
    seen: dict[str, dict] = {}

    by_nhs_number = {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": GOOD_NHS}

    def check(res: dict) -> None:
        # An ingested patient is given back as sent: its urn:uuid references now read Patient/ext-1.
        named = res.get("subject") or res.get("patient") or {}
        if (res["resourceType"] == "Patient" and res["id"] == "ext-1") or named in (
            {"reference": "Patient/ext-1"},
            {"identifier": by_nhs_number},
        ):
            assert validate_resource(res) is None, res
            seen.setdefault(res["resourceType"], res)
            seen[res["resourceType"] + ":" + res["id"]] = res

    export_fhir(lake, tmp_path / "out", on_resource=check)
    assert {
        "Patient",
        "Procedure",
        "AllergyIntolerance",
        "MedicationStatement",
        "Encounter",
        "Condition",
        "Observation",
    } <= set(seen)
    # The registration NHC derived from it is not exported beside it: the Patient carries it as sent.
    assert seen["Patient"]["generalPractitioner"][0]["identifier"]["value"] == "K84013"
    codes = [c["code"] for k, r in seen.items() if k.startswith("Condition:") for c in r["code"]["coding"]]
    assert {"44054006", "E11", "I10"} <= set(codes)


def test_every_resource_of_a_small_county_export_is_valid_r4(tmp_path: Path):
    from nhc.synth.county import SynthOptions, generate_to_lake

    lake = tmp_path / "lake"
    generate_to_lake(SynthOptions(patients=250, seed=5), lake)
    result = export_fhir(lake, tmp_path / "out", validate=True)  # raises on the first invalid resource
    assert result.resources > 5_000
