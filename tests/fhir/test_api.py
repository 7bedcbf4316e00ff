"""The FHIR API, served by uvicorn on a free local port, read with a real FHIR client (fhirpy)."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import httpx
import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from nhc.fhir.validate import validate_resource
from nhc.settings import Settings
from nhc.web.fhir_app import create_fhir_app
from tests.care.web_support import live_server

SCT = "http://snomed.info/sct"


@pytest.fixture(scope="module")
def server(county: Path):
    app = create_fhir_app(Settings(data_dir=county.parent))
    with live_server(app) as base:
        yield f"{base}/fhir"


@pytest.fixture(scope="module")
def client(server: str) -> SyncFHIRClient:
    return SyncFHIRClient(server, extra_headers={"Accept": "application/fhir+json"})


@pytest.fixture(scope="module")
def sample(county: Path) -> dict:
    """A living patient with conditions, observations, medicines and encounters."""
    con = duckdb.connect()
    row = con.execute(f"""
        WITH ce AS (SELECT patient_id, count(*) FILTER (WHERE value IS NULL) AS c, count(value) AS o
                    FROM read_parquet('{county}/clinical_events/*.parquet') GROUP BY 1),
             md AS (SELECT patient_id, count(*) AS m FROM read_parquet('{county}/medications/*.parquet') GROUP BY 1)
        SELECT p.patient_id, p.nhs_number, ce.c, ce.o, md.m
        FROM read_parquet('{county}/patients/*.parquet') p JOIN ce USING (patient_id) JOIN md USING (patient_id)
        WHERE ce.c >= 3 AND ce.o >= 3 AND md.m >= 5 ORDER BY p.patient_id LIMIT 1""").fetchone()
    code = con.execute(f"""SELECT snomed_code FROM read_parquet('{county}/clinical_events/*.parquet')
                           WHERE patient_id = {row[0]} AND value IS NULL ORDER BY date LIMIT 1""").fetchone()[
        0
    ]
    return {
        "id": str(row[0]),
        "nhs": row[1],
        "conditions": row[2],
        "observations": row[3],
        "medicines": row[4],
        "code": code,
    }


def test_read_patient_and_its_fields(client: SyncFHIRClient, sample: dict):
    patient = client.reference("Patient", sample["id"]).to_resource()
    data = patient.serialize()
    assert data["identifier"][0] == {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": sample["nhs"]}
    assert validate_resource(data) is None


def test_search_by_nhs_number(client: SyncFHIRClient, sample: dict):
    found = (
        client.resources("Patient")
        .search(identifier=f"https://fhir.nhs.uk/Id/nhs-number|{sample['nhs']}")
        .fetch()
    )
    assert [p.id for p in found] == [sample["id"]]


def test_search_with_paging_follows_next_links(client: SyncFHIRClient, sample: dict):
    obs = client.resources("Observation").search(patient=sample["id"]).limit(2).fetch_all()
    assert len(obs) == sample["observations"]
    assert len({o.id for o in obs}) == len(obs)
    for o in obs:
        assert validate_resource(o.serialize()) is None
    meds = (
        client.resources("MedicationRequest").search(patient=f"Patient/{sample['id']}").limit(3).fetch_all()
    )
    assert len(meds) == sample["medicines"]


def test_search_by_code_and_date(client: SyncFHIRClient, sample: dict):
    conds = (
        client.resources("Condition").search(patient=sample["id"], code=f"{SCT}|{sample['code']}").fetch_all()
    )
    assert conds and all(c["code"]["coding"][0]["code"] == sample["code"] for c in conds)
    first = conds[0]["onsetDateTime"]
    after = client.resources("Condition").search(patient=sample["id"], date=f"ge{first}").fetch_all()
    before = client.resources("Condition").search(patient=sample["id"], date=f"lt{first}").fetch_all()
    assert len(after) + len(before) == sample["conditions"]
    assert all(c["onsetDateTime"] >= first for c in after)


def test_read_by_id_from_a_search(client: SyncFHIRClient, sample: dict):
    enc = client.resources("Encounter").search(patient=sample["id"]).limit(1).fetch()[0]
    again = client.reference("Encounter", enc.id).to_resource()
    assert again.serialize() == enc.serialize()
    cond = client.resources("Condition").search(patient=sample["id"]).limit(1).fetch()[0]
    assert client.reference("Condition", cond.id).to_resource().serialize() == cond.serialize()


def test_everything(client: SyncFHIRClient, sample: dict):
    bundle = client.execute(f"Patient/{sample['id']}/$everything", method="get")
    types = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert types[0] == "Patient"
    assert types.count("Observation") == sample["observations"]
    assert types.count("MedicationRequest") == sample["medicines"]
    assert validate_resource(bundle) is None


def test_metadata_and_errors(server: str, client: SyncFHIRClient):
    meta = httpx.get(f"{server}/metadata")
    assert meta.headers["content-type"].startswith("application/fhir+json")
    assert meta.json()["fhirVersion"] == "4.0.1"
    assert validate_resource(meta.json()) is None
    with pytest.raises(ResourceNotFound):
        client.reference("Patient", "987654321").to_resource()
    with pytest.raises(OperationOutcome):
        client.resources("Condition").search(patient="not-a-number").fetch()
    bad = httpx.get(f"{server}/Observation", params={"date": "ge2025-02-30"})
    assert bad.status_code == 400 and bad.json()["resourceType"] == "OperationOutcome"
    assert validate_resource(bad.json()) is None
    missing = httpx.get(f"{server}/Patient/987654321")
    assert missing.status_code == 404 and validate_resource(missing.json()) is None


def test_a_read_is_fast(server: str, sample: dict):
    started = time.perf_counter()
    for _ in range(10):
        assert httpx.get(f"{server}/Patient/{sample['id']}/$everything").status_code == 200
    assert (time.perf_counter() - started) / 10 < 1.0


def test_reader_sees_a_lake_swapped_in_by_an_ingest(county: Path, tmp_path: Path):
    import json
    import shutil

    from nhc.fhir.server import LakeReader
    from nhc.fhir.ingest import ingest_fhir

    from .test_quarantine import patient

    lake = tmp_path / "data" / "lake"
    shutil.copytree(county, lake)
    reader = LakeReader(lake)
    reader.RECHECK_SECONDS = 0
    assert reader.rows("SELECT count(*) AS n FROM patients WHERE patient_id = 777777")[0]["n"] == 0
    (tmp_path / "p.ndjson").write_text(json.dumps(patient(pid="777777")) + "\n")
    ingest_fhir(tmp_path / "p.ndjson", lake, quarantine_path=tmp_path / "q.ndjson")
    assert reader.rows("SELECT count(*) AS n FROM patients WHERE patient_id = 777777")[0]["n"] == 1
    reader.close()
