"""The FHIR API, served by uvicorn on a free local port, read with a real FHIR client (fhirpy)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import httpx
import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from nhc.fhir.ingest import ingest_fhir
from nhc.fhir.server import LakeReader, operation_outcome
from nhc.fhir.validate import validate_resource
from nhc.settings import Settings
from nhc.web.fhir_app import create_fhir_app
from tests.care.web_support import live_server
from tests.fhir.test_quarantine import patient

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


def test_lake_episodes_from_a_search_read_back(client: SyncFHIRClient, sample: dict):
    episodes = client.resources("EpisodeOfCare").search(patient=sample["id"]).fetch_all()
    assert episodes and all(e.id.startswith(("reg-", "ch-")) for e in episodes)
    for episode in episodes:
        assert client.reference("EpisodeOfCare", episode.id).to_resource().serialize() == episode.serialize()


def test_metadata_lists_what_the_bare_server_serves(server: str):
    types = {t["type"]: t for t in httpx.get(f"{server}/metadata").json()["rest"][0]["resource"]}
    # The bare app serves the lake only: no care record, so no CarePlan (and no $care-record).
    assert "CarePlan" not in types and "Task" not in types
    assert {"Patient", "Condition", "MedicationRequest", "Encounter", "EpisodeOfCare", "Organization"} <= set(
        types
    )
    assert {p["name"] for p in types["Condition"]["searchParam"]} == {
        "patient",
        "subject",
        "code",
        "date",
        "_id",
        "_lastUpdated",
    }
    assert {p["name"] for p in types["Organization"]["searchParam"]} == {"_id", "_lastUpdated"}
    assert "operation" not in types["EpisodeOfCare"]
    assert httpx.get(f"{server}/CarePlan", params={"patient": "1"}).status_code == 404
    # A parameter the type does not declare is refused, so the statement is the truth.
    bad = httpx.get(f"{server}/Condition", params={"identifier": "x"})
    assert bad.status_code == 400 and bad.json()["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 429, 500, 503])
def test_one_operation_outcome_severity_for_every_error(status: int):
    outcome = operation_outcome(status, "why")
    assert outcome["issue"][0]["severity"] == "error"
    assert validate_resource(outcome) is None
    assert operation_outcome(status, "why", "not-supported")["issue"][0]["code"] == "not-supported"


def test_reader_sees_a_lake_swapped_in_by_an_ingest(county: Path, tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    shutil.copytree(county, lake)
    reader = LakeReader(lake)
    reader.RECHECK_SECONDS = 0
    assert reader.rows("SELECT count(*) AS n FROM patients WHERE patient_id = 777777")[0]["n"] == 0
    (tmp_path / "p.ndjson").write_text(json.dumps(patient(pid="777777")) + "\n")
    ingest_fhir(tmp_path / "p.ndjson", lake, quarantine_path=tmp_path / "q.ndjson")
    assert reader.rows("SELECT count(*) AS n FROM patients WHERE patient_id = 777777")[0]["n"] == 1
    reader.close()
