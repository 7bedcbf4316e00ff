"""Export then ingest into an empty lake gives the lake back; ingesting again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from nhc.fhir.export import export_fhir
from nhc.fhir.ingest import ingest_fhir
from nhc.fhir.quarantine import read_quarantine
from nhc.lake.store import Lake

from .conftest import lake_fingerprint

MODELLED = {
    "patients": "patient_id",
    "practice_registrations": "patient_id, start_date",
    "deaths": "patient_id",
    "clinical_events": "patient_id, date, snomed_code, value, unit",
    "medications": "patient_id, date, dmd_code, quantity",
    "encounters": "encounter_id",
    "care_home_residence": "patient_id, start_date",
}


@pytest.fixture(scope="module")
def roundtrip(exported: Path, tmp_path_factory: pytest.TempPathFactory):
    lake_dir = tmp_path_factory.mktemp("rt") / "lake"
    result = ingest_fhir(exported, lake_dir, quarantine_path=lake_dir.parent / "q.ndjson")
    return lake_dir, result


def _rows(lake: Path, table: str, where: str = "TRUE") -> list[tuple]:
    con = duckdb.connect()
    return con.execute(
        f"SELECT * FROM read_parquet('{lake}/{table}/*.parquet') WHERE {where} ORDER BY {MODELLED[table]}"
    ).fetchall()


def test_manifest_is_like_bulk_export(exported: Path):
    manifest = json.loads((exported / "manifest.json").read_text())
    assert set(manifest) == {"transactionTime", "request", "requiresAccessToken", "output", "error"}
    assert manifest["error"] == []
    for out in manifest["output"]:
        path = exported / f"{out['type']}.ndjson"
        assert out["url"].endswith(f"/{out['type']}.ndjson")
        assert sum(1 for _ in path.open()) == out["count"] > 0


def test_export_then_ingest_reproduces_every_modelled_table(county: Path, roundtrip):
    lake_dir, result = roundtrip
    # The synthetic lake has a few registrations that end before they start (people whose
    # registration began after their death): FHIR forbids such a Period, so they are quarantined.
    bad_period = "end_date IS NOT NULL AND end_date < start_date"
    quarantined = read_quarantine(lake_dir.parent / "q.ndjson")
    assert {(q["resourceType"], q["field"]) for q in quarantined} <= {("EpisodeOfCare", "period.end")}
    assert len(quarantined) == len(_rows(county, "practice_registrations", bad_period))
    for table in MODELLED:
        where = f"NOT ({bad_period})" if table == "practice_registrations" else "TRUE"
        assert _rows(lake_dir, table, where) == _rows(county, table, where), table
    assert result.patients_new == len(_rows(county, "patients"))


def test_second_ingest_changes_nothing(exported: Path, roundtrip):
    lake_dir, _ = roundtrip
    before = lake_fingerprint(lake_dir)
    again = ingest_fhir(exported, lake_dir, quarantine_path=lake_dir.parent / "q2.ndjson")
    assert again.changed == []
    assert again.patients_matched == again.patients_new + again.patients_matched
    assert lake_fingerprint(lake_dir) == before


def test_export_of_the_ingested_lake_matches_the_first_export(exported: Path, roundtrip, tmp_path: Path):
    lake_dir, _ = roundtrip
    again = export_fhir(lake_dir, tmp_path / "again")
    first = {o["type"]: o["count"] for o in json.loads((exported / "manifest.json").read_text())["output"]}
    # Only the quarantined registrations (and practices, reference data not in an ingested lake) differ.
    assert again.counts["Patient"] == first["Patient"]
    for rtype in ("Encounter", "Condition", "Observation", "MedicationRequest"):
        assert again.counts[rtype] == first[rtype]
        assert (tmp_path / "again" / f"{rtype}.ndjson").read_bytes() == (
            exported / f"{rtype}.ndjson"
        ).read_bytes()


def test_ingest_into_a_lake_with_other_tables_keeps_them(county: Path, exported: Path, tmp_path: Path):
    """Ingesting the county's own export into the county changes none of its tables and keeps the others;
    the only new thing is the resources, stored whole."""
    import shutil

    lake_dir = tmp_path / "lake"
    shutil.copytree(county, lake_dir)
    before = lake_fingerprint(lake_dir)
    result = ingest_fhir(exported, lake_dir, quarantine_path=tmp_path / "q.ndjson")
    assert result.patients_matched == len(_rows(county, "patients"))
    assert result.changed == ["fhir_resources"]
    after = lake_fingerprint(lake_dir)
    assert {k: v for k, v in after.items() if not k.startswith("fhir_resources/")} == before
    assert {"small_areas", "practices"} <= set(Lake(lake_dir).tables())
