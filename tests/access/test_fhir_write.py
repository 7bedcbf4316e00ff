"""Booking and cancelling hub appointments over FHIR: ``POST /fhir/Appointment``, ``PUT`` and
``PATCH /fhir/Appointment/{id}``, with the signed-in session (and its CSRF token) and with a SMART
access token (a write scope needed, a read-only token refused), the slot race over real concurrent
requests (one 201, the rest 409), a past slot refused, and bodies that are not what is accepted
refused with an OperationOutcome naming the field. Every resource in or out validates against R4."""

from __future__ import annotations

import threading

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from nhc.access.fhir import BOOKING_ORGANISATION_URL
from nhc.access.services import AccessService
from nhc.access.unit_of_work import AccessUnitOfWork
from nhc.fhir.validate import validate_resource
from nhc.security.models import AuditEvent
from tests.access.conftest import NOW
from tests.access.web_support import HOME, access_app, signed_in, token
from tests.care.web_support import live_server
from tests.fhir.smart_support import ROOT, Backend, authorize, oauth, pkce, register_backend, sign_in

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
SLOT = "hub-banbury-gp-1-202603070900"  # Saturday 7 March 2026, 09:00 (the clock says 2 March, noon)
FHIR_JSON = {"content-type": "application/fhir+json"}
RACERS = 5


@pytest.fixture
def app(tmp_path):
    application = access_app(f"sqlite:///{tmp_path / 'nhc.sqlite3'}", tmp_path)
    yield application
    application.state.security.db.dispose()


def _appointment(slot: str = SLOT, patient: str = "Patient/1", status: str = "booked", **extra) -> dict:
    return {
        "resourceType": "Appointment",
        "status": status,
        "slot": [{"reference": f"Slot/{slot}"}],
        "participant": [{"actor": {"reference": patient}, "status": "needs-action"}],
        **extra,
    }


def _session(app, username: str = "nav") -> tuple[TestClient, dict[str, str]]:
    """A signed-in client and the headers of a FHIR write with its session's CSRF token."""
    client = signed_in(app, username)
    csrf = token(client.get(f"/access/slots/{SLOT}/book").text)
    return client, {**FHIR_JSON, "x-csrf-token": csrf}


def _bearer(app, scope: str) -> tuple[TestClient, dict[str, str]]:
    """A client with a SMART backend token for ``nav`` with ``scope``."""
    backend = register_backend(app, scope, user="nav")
    client = TestClient(app, base_url=ROOT, follow_redirects=False)
    r = client.post("/oauth/token", data=backend.form(scope=scope))
    assert r.status_code == 200, r.text
    return client, {"authorization": f"Bearer {r.json()['access_token']}"}


def _audit(app, action: str) -> list[tuple]:
    with app.state.security.db.unit_of_work() as s:
        return s.execute(
            sa.select(AuditEvent.username, AuditEvent.outcome, AuditEvent.patient_id).where(
                AuditEvent.action == action
            )
        ).all()


def _slot_status(client: TestClient, headers: dict[str, str], slot: str = SLOT) -> str:
    return client.get(f"/fhir/Slot/{slot}", headers=headers).json()["status"]


def test_book_with_the_session_gives_201_location_and_a_valid_r4_appointment(app):
    nav, headers = _session(app)
    booking_org = {"url": BOOKING_ORGANISATION_URL, "valueReference": {"display": "Banbury Health Centre"}}
    r = nav.post("/fhir/Appointment", json=_appointment(extension=[booking_org]), headers=headers)
    assert r.status_code == 201, r.text
    resource = r.json()
    assert validate_resource(resource) is None
    assert r.headers["location"] == f"http://testserver/fhir/Appointment/{resource['id']}"
    assert resource["status"] == "booked" and resource["slot"] == [{"reference": f"Slot/{SLOT}"}]
    assert resource["participant"][0]["actor"]["reference"] == "Patient/1"
    assert resource["extension"][0]["valueReference"]["display"] == "Banbury Health Centre"
    assert nav.get(r.headers["location"]).json() == resource  # stored as returned
    assert _slot_status(nav, headers) == "busy"
    assert ("nav", "success", 1) in _audit(app, "access_book")


def test_a_proposed_appointment_is_a_request_to_book_and_is_booked_at_the_hub(app):
    nav, headers = _session(app)
    r = nav.post("/fhir/Appointment", json=_appointment(status="proposed"), headers=headers)
    assert r.status_code == 201 and r.json()["status"] == "booked"
    assert r.json()["extension"][0]["valueReference"]["display"] == "Banbury access hub"


def test_a_session_write_without_the_csrf_token_is_refused(app):
    nav = signed_in(app, "nav")
    r = nav.post("/fhir/Appointment", json=_appointment(), headers=FHIR_JSON)
    assert r.status_code == 403 and r.json()["resourceType"] == "OperationOutcome"
    assert "X-CSRF-Token" in r.json()["issue"][0]["diagnostics"]
    assert _slot_status(nav, FHIR_JSON) == "free"


def test_someone_without_a_relationship_with_the_patient_is_refused_and_audited(app):
    far, headers = _session(app, "far")
    r = far.post("/fhir/Appointment", json=_appointment(), headers=headers)
    assert r.status_code == 403 and r.json()["issue"][0]["code"] == "forbidden"
    assert ("far", "denied", 1) in _audit(app, "access_find")
    assert _slot_status(far, headers) == "free"


def test_cancel_with_put_frees_the_slot_and_keeps_the_reason(app):
    nav, headers = _session(app)
    booked = nav.post("/fhir/Appointment", json=_appointment(), headers=headers).json()
    changed = {**booked, "status": "cancelled", "cancelationReason": {"text": "feeling better"}}
    r = nav.put(f"/fhir/Appointment/{booked['id']}", json=changed, headers=headers)
    assert r.status_code == 200, r.text
    assert validate_resource(r.json()) is None
    assert r.json()["status"] == "cancelled" and r.json()["cancelationReason"]["text"] == "feeling better"
    assert _slot_status(nav, headers) == "free"
    assert ("nav", "success", 1) in _audit(app, "access_cancel")


def test_cancel_with_json_patch(app):
    nav, headers = _session(app)
    booked = nav.post("/fhir/Appointment", json=_appointment(), headers=headers).json()
    patch = [{"op": "replace", "path": "/status", "value": "cancelled"}]
    r = nav.patch(
        f"/fhir/Appointment/{booked['id']}",
        json=patch,
        headers={**headers, "content-type": "application/json-patch+json"},
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert _slot_status(nav, headers) == "free"


@pytest.mark.parametrize(
    ("patch", "named"),
    [
        ([{"op": "replace", "path": "/status", "value": "arrived"}], "status"),
        ([{"op": "replace", "path": "/slot/0/reference", "value": "Slot/x"}], "status"),
        (
            [
                {"op": "replace", "path": "/status", "value": "cancelled"},
                {"op": "replace", "path": "/minutesDuration", "value": 60},
            ],
            "minutesDuration",
        ),
    ],
)
def test_any_change_but_cancelling_is_refused_naming_it(app, patch, named):
    nav, headers = _session(app)
    booked = nav.post("/fhir/Appointment", json=_appointment(), headers=headers).json()
    r = nav.patch(
        f"/fhir/Appointment/{booked['id']}",
        json=patch,
        headers={**headers, "content-type": "application/json-patch+json"},
    )
    assert r.status_code == 422 and r.json()["resourceType"] == "OperationOutcome"
    assert r.json()["issue"][0]["diagnostics"].startswith(named)
    assert nav.get(f"/fhir/Appointment/{booked['id']}").json()["status"] == "booked"


def test_a_put_that_changes_the_patient_is_refused(app):
    nav, headers = _session(app)
    booked = nav.post("/fhir/Appointment", json=_appointment(), headers=headers).json()
    changed = {**booked, "status": "cancelled", "participant": [{"actor": {"reference": "Patient/2"}, "status": "accepted"}]}  # fmt: skip
    r = nav.put(f"/fhir/Appointment/{booked['id']}", json=changed, headers=headers)
    assert r.status_code == 422 and r.json()["issue"][0]["diagnostics"].startswith("participant")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**_appointment(), "status": "sometime"}, "status"),
        ({**_appointment(), "participant": []}, "participant"),
        ({**_appointment(), "slot": "Slot/x"}, "slot: Input should be a valid list"),
        ({**_appointment(), "start": "next tuesday"}, "start:"),
        (_appointment(status="fulfilled"), "status"),
        (_appointment(patient="Practitioner/7"), "participant"),
        ({**_appointment(), "slot": []}, "slot"),
        ({**_appointment(), "resourceType": "Slot"}, "resourceType"),
    ],
)
def test_a_bad_body_is_400_naming_the_field(app, body, field):
    nav, headers = _session(app)
    r = nav.post("/fhir/Appointment", json=body, headers=headers)
    assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome", r.text
    assert r.json()["issue"][0]["diagnostics"].startswith(field), r.json()
    assert _slot_status(nav, headers) == "free"


def test_a_body_that_is_not_fhir_json_is_refused(app):
    nav, headers = _session(app)
    form = nav.post(
        "/fhir/Appointment", data={"slot": SLOT}, headers={"x-csrf-token": headers["x-csrf-token"]}
    )
    assert form.status_code == 415 and form.json()["resourceType"] == "OperationOutcome"
    broken = nav.post("/fhir/Appointment", content=b"{not json", headers=headers)
    assert broken.status_code == 400


def test_a_slot_that_has_started_is_refused(app):
    nav, headers = _session(app)
    later = NOW.replace(day=7, hour=9, minute=5)  # the slot started at 09:00
    sec = app.state.security
    app.state.access = AccessService(sec.db, clock=lambda: later, security=sec, neighbourhood_of=HOME.get)
    booked = nav.post("/fhir/Appointment", json=_appointment(), headers=headers)
    assert booked.status_code == 422 and "already started" in booked.json()["issue"][0]["diagnostics"]
    assert booked.json()["resourceType"] == "OperationOutcome"
    assert _slot_status(nav, headers) == "free"


def test_a_booked_slot_is_409(app):
    nav, headers = _session(app)
    assert nav.post("/fhir/Appointment", json=_appointment(), headers=headers).status_code == 201
    again = nav.post("/fhir/Appointment", json=_appointment(), headers=headers)
    assert again.status_code == 409 and again.json()["issue"][0]["code"] == "conflict"


def test_a_token_with_a_write_scope_books_and_cancels(app):
    client, headers = _bearer(app, "system/Appointment.write system/Slot.read system/Appointment.read")
    r = client.post("/fhir/Appointment", json=_appointment(), headers={**headers, **FHIR_JSON})
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"{ROOT}/fhir/Appointment/{r.json()['id']}"
    patch = [{"op": "replace", "path": "/status", "value": "cancelled"}]
    cancelled = client.patch(
        r.headers["location"], json=patch, headers={**headers, "content-type": "application/json-patch+json"}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _slot_status(client, headers) == "free"


def test_a_read_only_token_cannot_book_or_cancel(app):
    client, headers = _bearer(app, "system/Appointment.read system/Slot.read")
    r = client.post("/fhir/Appointment", json=_appointment(), headers={**headers, **FHIR_JSON})
    assert r.status_code == 403 and 'error="insufficient_scope"' in r.headers["www-authenticate"]
    assert r.json()["resourceType"] == "OperationOutcome"
    assert _slot_status(client, headers) == "free"
    assert ("nav", "denied", None) in _audit(app, "fhir_write")  # refused before the body names anyone
    junk = client.post("/fhir/Appointment", content=b"{not json", headers={**headers, **FHIR_JSON})
    assert junk.status_code == 403  # refused before the body is read
    nav, session = _session(app)
    booked = nav.post("/fhir/Appointment", json=_appointment(), headers=session).json()
    changed = {**booked, "status": "cancelled"}
    refused = client.put(f"/fhir/Appointment/{booked['id']}", json=changed, headers={**headers, **FHIR_JSON})
    assert refused.status_code == 403
    assert _slot_status(client, headers) == "busy"
    assert ("nav", "success", 1) not in _audit(app, "access_view")  # refused before the appointment is read


def test_a_create_only_token_cannot_cancel(app):
    client, headers = _bearer(app, "system/Appointment.cr")
    r = client.post("/fhir/Appointment", json=_appointment(), headers={**headers, **FHIR_JSON})
    assert r.status_code == 201
    changed = {**r.json(), "status": "cancelled"}
    refused = client.put(
        f"/fhir/Appointment/{r.json()['id']}", json=changed, headers={**headers, **FHIR_JSON}
    )
    assert refused.status_code == 403


def test_the_capability_statement_lists_what_the_routes_serve(app):
    meta = TestClient(app).get("/fhir/metadata").json()
    assert validate_resource(meta) is None
    types = {t["type"]: t for t in meta["rest"][0]["resource"]}
    paths = app.openapi()["paths"]  # what the app serves, as FastAPI routes it
    codes = {("get", True): "read", ("get", False): "search-type", ("post", False): "create", ("put", True): "update", ("patch", True): "patch"}  # fmt: skip
    served = {
        rtype: {
            codes[(method, one)]
            for one, path in ((False, f"/fhir/{rtype}"), (True, f"/fhir/{rtype}/{{rid}}"))
            for method in paths.get(path, {})
        }
        for rtype in ("Schedule", "Slot", "Appointment")
    }
    assert served == {
        "Schedule": {"read"},
        "Slot": {"read", "search-type"},
        "Appointment": {"read", "create", "update", "patch"},
    }
    for rtype, codes in served.items():
        assert {i["code"] for i in types[rtype]["interaction"]} == codes
    assert {p["name"] for p in types["Slot"]["searchParam"]} >= {
        "status",
        "start",
        "service-type",
        "schedule.actor",
    }


def test_a_booking_race_over_fhir_books_the_slot_once(app):
    backend: Backend = register_backend(app, "system/Appointment.write system/Slot.read", user="nav")
    with live_server(app) as base:
        form = backend.form(scope="system/Appointment.write system/Slot.read", aud=f"{base}/oauth/token")
        access_token = httpx.post(f"{base}/oauth/token", data=form).json()["access_token"]
        headers = {"authorization": f"Bearer {access_token}", **FHIR_JSON}
        barrier = threading.Barrier(RACERS)
        out: list[httpx.Response | None] = [None] * RACERS

        def go(i: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as c:
                barrier.wait()
                out[i] = c.post("/fhir/Appointment", json=_appointment(), headers=headers)

        threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    statuses = sorted(r.status_code for r in out if r is not None)
    assert statuses == [201] + [409] * (RACERS - 1), [r.text for r in out if r is not None]
    refused = [r.json() for r in out if r is not None and r.status_code == 409]
    assert all(o["resourceType"] == "OperationOutcome" for o in refused)
    assert all("that slot was just taken" in o["issue"][0]["diagnostics"] for o in refused)
    with AccessUnitOfWork(app.state.access.db) as uow:
        assert uow.repo.count_holding(SLOT) == 1


def test_a_patient_token_books_only_for_its_own_patient(app):
    redirect = "https://app.example.org/callback"
    scope = "launch/patient patient/Appointment.write patient/Slot.read"
    client_id = oauth(app).create_client("Booking app", "app", scope, redirect_uris=(redirect,)).client_id
    browser = TestClient(app, base_url=ROOT, follow_redirects=False)
    sign_in(browser, "nav")
    verifier, challenge = pkce()
    code = authorize(browser, client_id, redirect, scope, 1, challenge)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "client_id": client_id, "code_verifier": verifier}  # fmt: skip
    client = TestClient(app, base_url=ROOT, follow_redirects=False)
    headers = {
        "authorization": f"Bearer {client.post('/oauth/token', data=form).json()['access_token']}",
        **FHIR_JSON,
    }
    other = client.post("/fhir/Appointment", json=_appointment(patient="Patient/2"), headers=headers)
    assert other.status_code == 403 and "its own patient" in other.json()["issue"][0]["diagnostics"]
    assert ("nav", "denied", 2) in _audit(app, "fhir_write")
    own = client.post("/fhir/Appointment", json=_appointment(), headers=headers)
    assert own.status_code == 201 and own.json()["participant"][0]["actor"]["reference"] == "Patient/1"
