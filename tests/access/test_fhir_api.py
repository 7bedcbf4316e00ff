"""Schedule, Slot and Appointment read on the FHIR API of the whole app (booking and cancelling are
in test_fhir_write.py): resources validate against R4, the Slot search takes FHIR's parameters, an
Appointment (it names a patient) passes the person-level decision and is audited, errors are
OperationOutcomes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from nhc.fhir.validate import validate_resource
from nhc.security.models import AuditEvent
from tests.access.web_support import access_app, signed_in, token

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
SLOT = "hub-banbury-gp-1-202603070900"


@pytest.fixture
def app(tmp_path):
    application = access_app(f"sqlite:///{tmp_path / 'nhc.sqlite3'}", tmp_path)
    yield application
    application.state.security.db.dispose()


def _booked(client) -> str:
    page = client.get(f"/access/slots/{SLOT}/book").text
    r = client.post(f"/access/slots/{SLOT}/book", data={"csrf_token": token(page), "patient_id": "1", "practice_code": "K1"})  # fmt: skip
    return r.headers["location"].rsplit("/", 1)[-1]


def test_slot_search_with_fhir_parameters_gives_valid_r4_slots(app):
    nav = signed_in(app, "nav")
    r = nav.get("/fhir/Slot", params={"status": "free", "start": "ge2026-03-07T09:00", "service-type": "gp", "_count": 3})  # fmt: skip
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    bundle = r.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset" and bundle["total"] == 3
    slots = [e["resource"] for e in bundle["entry"]]
    assert [validate_resource(s) for s in slots] == [None] * 3
    assert {s["status"] for s in slots} == {"free"}
    assert {s["serviceType"][0]["coding"][0]["code"] for s in slots} == {"gp"}
    assert slots[0]["start"] == "2026-03-07T09:00:00+00:00"


def test_slot_and_schedule_reads_validate(app):
    nav = signed_in(app, "nav")
    slot = nav.get(f"/fhir/Slot/{SLOT}").json()
    assert validate_resource(slot) is None and slot["id"] == SLOT
    schedule = nav.get("/fhir/" + slot["schedule"]["reference"]).json()
    assert validate_resource(schedule) is None and schedule["resourceType"] == "Schedule"
    assert schedule["actor"][1]["display"] == "Banbury access hub"


def test_an_appointment_is_read_after_the_decision_and_audited(app):
    nav = signed_in(app, "nav")
    appointment_id = _booked(nav)
    r = nav.get(f"/fhir/Appointment/{appointment_id}")
    assert r.status_code == 200
    resource = r.json()
    assert validate_resource(resource) is None
    assert resource["participant"][0]["actor"]["reference"] == "Patient/1"
    assert resource["slot"] == [{"reference": f"Slot/{SLOT}"}]
    far = signed_in(app, "far").get(f"/fhir/Appointment/{appointment_id}")
    assert far.status_code == 403 and far.json()["resourceType"] == "OperationOutcome"
    with app.state.security.db.unit_of_work() as s:
        rows = s.execute(
            sa.select(AuditEvent.username, AuditEvent.outcome, AuditEvent.patient_id).where(
                AuditEvent.action == "fhir_read"
            )
        ).all()
    assert ("nav", "success", 1) in rows and ("far", "denied", 1) in rows


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/fhir/Slot/no-such-slot", 404),
        ("/fhir/Schedule/no-such-schedule", 404),
        ("/fhir/Appointment/no-such-appointment", 404),
        ("/fhir/Slot?service-type=dentist", 422),
        ("/fhir/Slot?start=ge-yesterday", 400),
    ],
)
def test_errors_are_operation_outcomes(app, url, status):
    r = signed_in(app, "nav").get(url)
    assert r.status_code == status and r.json()["resourceType"] == "OperationOutcome"


def test_signed_out_is_401(app):
    r = TestClient(app).get(f"/fhir/Slot/{SLOT}")
    assert r.status_code == 401 and r.json()["resourceType"] == "OperationOutcome"
