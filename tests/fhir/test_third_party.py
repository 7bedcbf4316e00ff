"""Third-party FHIR (US and UK flavours, hand-written in ``third_party/``): identity, references, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from nhc.fhir.ingest import ingest_fhir
from nhc.fhir.quarantine import read_quarantine

HERE = Path(__file__).parent / "third_party"
US = HERE / "us_transaction_bundle.json"
UK = HERE / "uk_collection_bundle.json"


def rows(lake: Path, table: str, cols: str = "*") -> list[tuple]:
    """The lake table's rows (none when the ingest did not write the table)."""
    if not list((lake / table).rglob("*.parquet")):
        return []
    return duckdb.sql(
        f"SELECT {cols} FROM read_parquet('{lake}/{table}/**/*.parquet') ORDER BY ALL"
    ).fetchall()


def test_patient_without_nhs_number_is_accepted_with_a_local_key(tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    result = ingest_fhir(US, lake, quarantine_path=tmp_path / "q.ndjson")
    assert result.counts["Patient"].accepted == 1
    assert result.patients_new == 1
    assert result.patients_without_nhs_number == 1
    [(pid, nhs, family)] = rows(lake, "patients", "patient_id, nhs_number, family_name")
    assert (nhs, family) == ("", "Kuhlman")
    assert rows(lake, "fhir_local_patients") == [
        (pid, "local:https://github.com/synthetichealth/synthea|b7f2c3a1-0000-4c1d-9a1e-5f9d5a1b2c3d")
    ]
    # Its Condition, named by urn:uuid, is in the lake for that person.
    assert rows(lake, "clinical_events", "patient_id, snomed_code") == [(pid, "44054006")]


def test_the_same_local_patient_sent_again_is_the_same_person(tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    ingest_fhir(US, lake, quarantine_path=tmp_path / "q1.ndjson")
    again = ingest_fhir(US, lake, quarantine_path=tmp_path / "q2.ndjson")
    assert again.patients_matched == 1 and again.patients_new == 0
    assert again.changed == []


def test_a_patient_with_only_an_id_is_keyed_by_it(tmp_path: Path):
    src = tmp_path / "p.ndjson"
    src.write_text(
        json.dumps({"resourceType": "Patient", "id": "abc", "gender": "male", "birthDate": "1970-01-01"})
        + "\n"
    )
    lake = tmp_path / "data" / "lake"
    result = ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    assert result.counts["Patient"].accepted == 1
    assert [k for _p, k in rows(lake, "fhir_local_patients")] == ["local:Patient/abc"]


def test_an_nhs_number_when_present_is_parsed_and_checked(tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    result = ingest_fhir(UK, lake, quarantine_path=tmp_path / "q.ndjson")
    assert result.patients_without_nhs_number == 0
    assert rows(lake, "patients", "nhs_number") == [("9990000026",)]  # "999 000 0026" in the input
    assert rows(lake, "fhir_local_patients") == []
    bad = tmp_path / "bad.ndjson"
    bad.write_text(
        json.dumps(
            {
                "resourceType": "Patient",
                "id": "x",
                "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000027"}],
                "gender": "male",
                "birthDate": "1970-01-01",
            }
        )
        + "\n"
    )
    result = ingest_fhir(bad, lake, quarantine_path=tmp_path / "q2.ndjson")
    [record] = read_quarantine(tmp_path / "q2.ndjson")
    assert record["field"] == "identifier.value"
    assert "modulus 11" in record["reason"]
