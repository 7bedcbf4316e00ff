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
    # Its Condition, named by urn:uuid, is in the lake for that person (beside its HbA1c, LOINC-coded and
    # mapped to SNOMED CT by the concept map).
    assert rows(lake, "clinical_events", "patient_id, snomed_code") == [
        (pid, "44054006"),
        (pid, "999791000000106"),
    ]


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


# --- references -------------------------------------------------------------------------------------------
def bundle(kind: str, *entries: tuple[str | None, dict]) -> dict:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [({"fullUrl": url} if url else {}) | {"resource": res} for url, res in entries],
    }


def a_patient(pid: str, **extra) -> dict:
    return {"resourceType": "Patient", "id": pid, "gender": "male", "birthDate": "1960-02-02", **extra}


def a_condition(subject: str, code: str = "44054006") -> dict:
    return {
        "resourceType": "Condition",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": code}]},
        "subject": {"reference": subject},
        "onsetDateTime": "2021-01-01",
    }


def write_json(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc))
    return path


def test_us_transaction_bundle_urn_uuid_references_and_its_organization(tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    result = ingest_fhir(US, lake, quarantine_path=tmp_path / "q.ndjson")
    assert result.quarantined == 0, read_quarantine(tmp_path / "q.ndjson")
    for rtype in ("Patient", "Encounter", "Condition", "Observation", "MedicationRequest"):
        assert result.counts[rtype].accepted == 1, rtype
    [(pid,)] = rows(lake, "patients", "patient_id")
    # The serviceProvider is a urn:uuid Organization of the same Bundle with no ODS code: its own id.
    assert rows(lake, "encounters", "patient_id, type, provider_code") == [
        (pid, "gp", "8c95253e-8ee8-9ae8-6d40-021d702dc78e")
    ]


def test_uk_collection_bundle_relative_and_absolute_references(tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    result = ingest_fhir(UK, lake, quarantine_path=tmp_path / "q.ndjson")
    assert result.quarantined == 0, read_quarantine(tmp_path / "q.ndjson")
    [(pid,)] = rows(lake, "patients", "patient_id")
    # The Organization comes after the Encounter in the Bundle; its ODS code is used, not its id.
    assert rows(lake, "encounters", "patient_id, provider_code") == [(pid, "B86001")]
    assert rows(lake, "clinical_events", "patient_id, snomed_code") == [(pid, "38341003")]
    assert rows(lake, "fhir_codings", "system, code") == [("http://hl7.org/fhir/sid/icd-10", "I10")]


def test_batch_and_searchset_bundles_resolve_within_the_bundle(tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    base = "https://ehr.example.org/fhir"
    write_json(
        src / "batch.json",
        bundle("batch", ("urn:uuid:1", a_patient("b-1")), (None, a_condition("urn:uuid:1"))),
    )
    searchset = bundle(
        "searchset",
        (f"{base}/Condition/c1", a_condition(f"{base}/Patient/s-1")),
        (f"{base}/Patient/s-1", a_patient("s-1")),
    )
    searchset["entry"][1]["search"] = {"mode": "include"}
    write_json(src / "searchset.json", searchset)
    lake = tmp_path / "data" / "lake"
    result = ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    assert result.quarantined == 0, read_quarantine(tmp_path / "q.ndjson")
    assert result.counts["Condition"].accepted == 2
    assert len(rows(lake, "clinical_events")) == 2
    assert len({p for (p,) in rows(lake, "clinical_events", "patient_id")}) == 2


def test_references_resolve_across_files_of_one_input(tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "Patient.ndjson").write_text(json.dumps(a_patient("x-9")) + "\n")
    (src / "Condition.ndjson").write_text(json.dumps(a_condition("Patient/x-9")) + "\n")
    result = ingest_fhir(src, tmp_path / "data" / "lake", quarantine_path=tmp_path / "q.ndjson")
    assert result.quarantined == 0
    assert result.counts["Condition"].accepted == 1


def test_a_dependent_names_the_upstream_record_that_failed(tmp_path: Path):
    src = write_json(
        tmp_path / "b.json",
        bundle(
            "transaction",
            ("urn:uuid:p", a_patient("p", gender="unknown")),
            ("urn:uuid:c", a_condition("urn:uuid:p")),
        ),
    )
    result = ingest_fhir(src, tmp_path / "data" / "lake", quarantine_path=tmp_path / "q.ndjson")
    assert result.counts["Condition"].quarantined == 1
    records = {r["resourceType"]: r for r in read_quarantine(tmp_path / "q.ndjson")}
    reason = records["Condition"]["reason"]
    assert reason.startswith("patient 'urn:uuid:p' was quarantined (b.json line 1 entry 0: gender:")
    assert "neither in this input" not in reason
