"""Location (the access hubs Schedules name) and Immunization (kept whole in the lake by an ingest)
over HTTP: reads and searches resolve, validate against R4, are listed in the CapabilityStatement,
and an Immunization (it names a person) passes the one access decision and is audited."""

from __future__ import annotations

import duckdb
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from nhc.fhir.ingest import ingest_fhir
from nhc.fhir.validate import validate_resource
from nhc.security import passwords
from nhc.security.models import AuditEvent
from nhc.settings import Settings
from nhc.web.app import create_app
from tests.access.web_support import access_app, signed_in
from tests.fhir.smart_support import PASSWORD, ROOT, sign_in
from tests.fhir.test_third_party import HERE, UK, US

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
OTHER = HERE / "us_batch_other_types.json"
IMMUNISATION = "aa000000-0000-4000-8000-000000000004"  # written in us_batch_other_types.json


@pytest.fixture(autouse=True, scope="module")
def _cheap_password_hashing():
    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords.configure()


# --- Location: the access hubs -------------------------------------------------------------------
@pytest.fixture
def hubs_app(tmp_path):
    application = access_app(f"sqlite:///{tmp_path / 'nhc.sqlite3'}", tmp_path)
    yield application
    application.state.security.db.dispose()


def test_the_location_a_schedule_names_resolves_and_validates(hubs_app):
    nav = signed_in(hubs_app, "nav")
    slot = nav.get("/fhir/Slot", params={"status": "free", "_count": 1}).json()["entry"][0]["resource"]
    schedule = nav.get("/fhir/" + slot["schedule"]["reference"]).json()
    reference = schedule["actor"][1]["reference"]
    assert reference.startswith("Location/")
    r = nav.get(f"/fhir/{reference}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    location = r.json()
    assert validate_resource(location) is None
    assert location["resourceType"] == "Location" and location["name"] == "Banbury access hub"
    assert location["managingOrganization"]["reference"].startswith("Organization/")


def test_locations_are_searched_by_name_and_an_unknown_one_is_404(hubs_app):
    nav = signed_in(hubs_app, "nav")
    every = nav.get("/fhir/Location").json()
    assert every["resourceType"] == "Bundle" and every["type"] == "searchset"
    assert every["total"] == len(every["entry"]) >= 2
    assert all(validate_resource(e["resource"]) is None for e in every["entry"])
    banbury = nav.get("/fhir/Location", params={"name": "banbury"}).json()
    assert [e["resource"]["name"] for e in banbury["entry"]] == ["Banbury access hub"]
    missing = nav.get("/fhir/Location/no-such-hub")
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"


def test_the_capability_statement_lists_location_and_immunization(hubs_app):
    statement = TestClient(hubs_app).get("/fhir/metadata").json()
    entries = {e["type"]: e for e in statement["rest"][0]["resource"]}
    assert {i["code"] for i in entries["Location"]["interaction"]} == {"read", "search-type"}
    assert {"name": "name", "type": "string"} in entries["Location"]["searchParam"]
    immunization = {p["name"] for p in entries["Immunization"]["searchParam"]}
    assert {"patient", "code", "date", "_id"} <= immunization


# --- Immunization: stored whole by an ingest -----------------------------------------------------
@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """A lake made by ingest alone from the US/UK inputs; ``cli`` may see the immunised person,
    ``other`` may see no one."""
    root = tmp_path_factory.mktemp("immunisation")
    src = root / "in"
    src.mkdir()
    for f in (US, UK, OTHER):
        (src / f.name).write_bytes(f.read_bytes())
    lake = root / "data" / "lake"
    ingest_fhir(src, lake, quarantine_path=root / "q.ndjson")
    pid = duckdb.sql(
        f"SELECT patient_id FROM read_parquet('{lake}/fhir_resources/*.parquet') WHERE id = '{IMMUNISATION}'"
    ).fetchone()[0]
    app = create_app(Settings(data_dir=lake.parent, database_url=f"sqlite:///{root / 'nhc.sqlite3'}"))
    sec = app.state.security
    cli = sec.create_user("cli", "Cli", "clinician", password=PASSWORD)
    sec.create_user("other", "Other", "clinician", password=PASSWORD)
    sec.add_relationship(cli.id, int(pid))
    yield app, int(pid)
    app.state.security.db.dispose()


def _as(app, username: str) -> TestClient:
    client = TestClient(app, base_url=ROOT, follow_redirects=False)
    sign_in(client, username)
    return client


def test_an_ingested_immunization_is_read_with_its_patient_resolvable(ingested):
    app, pid = ingested
    cli = _as(app, "cli")
    r = cli.get(f"/fhir/Immunization/{IMMUNISATION}")
    assert r.status_code == 200, r.text
    resource = r.json()
    assert validate_resource(resource) is None
    assert resource["vaccineCode"]["coding"][0]["code"] == "140"  # CVX, as sent
    assert resource["occurrenceDateTime"] == "2020-10-01T10:00:00-04:00"
    assert resource["patient"]["reference"] == f"Patient/{pid}"
    assert cli.get(f"/fhir/Patient/{pid}").status_code == 200


def test_immunizations_are_searched_by_patient_code_and_date(ingested):
    app, pid = ingested
    cli = _as(app, "cli")

    def ids(**params) -> list[str]:
        bundle = cli.get("/fhir/Immunization", params={"patient": pid, **params}).json()
        assert all(validate_resource(e["resource"]) is None for e in bundle.get("entry", []))
        return [e["resource"]["id"] for e in bundle.get("entry", [])]

    assert ids() == [IMMUNISATION]
    assert ids(code="http://hl7.org/fhir/sid/cvx|140") == [IMMUNISATION]
    assert ids(code="http://hl7.org/fhir/sid/cvx|08") == []
    assert ids(date="ge2020-10-01") == [IMMUNISATION]
    assert ids(date="lt2020-01-01") == []
    everything = cli.get(f"/fhir/Patient/{pid}/$everything").json()
    assert IMMUNISATION in {e["resource"]["id"] for e in everything["entry"]}


def test_an_immunization_of_someone_else_is_403_and_audited(ingested):
    app, pid = ingested
    other = _as(app, "other")
    assert other.get(f"/fhir/Immunization/{IMMUNISATION}").status_code == 403
    assert other.get("/fhir/Immunization", params={"patient": pid}).status_code == 403
    assert other.get("/fhir/Immunization").status_code == 403  # population-wide
    with app.state.security.db.unit_of_work() as s:
        rows = s.execute(
            sa.select(AuditEvent.username, AuditEvent.outcome, AuditEvent.patient_id).where(
                AuditEvent.action == "fhir_read"
            )
        ).all()
    assert ("other", "denied", pid) in rows
