"""The access JSON API on SQLite and PostgreSQL: search, book, cancel, problem documents, and a
booking race of real concurrent HTTP requests to a real server (exactly one 201, the rest 409)."""

from __future__ import annotations

import threading

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from nhc.access.services import AccessService
from nhc.access.unit_of_work import AccessUnitOfWork
from nhc.security.roles import Principal, Role
from nhc.web.appointments import access_service, booker, routers
from tests.care.web_support import live_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
RACERS = 6
NAVIGATOR = Principal(1, "navigator", "Navigator", Role.TEAM_MEMBER, frozenset({"North Town"}))


def _app(access: AccessService) -> FastAPI:
    app = FastAPI()
    for router in routers:
        app.include_router(router)
    app.dependency_overrides[access_service] = lambda: access
    app.dependency_overrides[booker] = lambda: NAVIGATOR
    return app


@pytest.fixture
def client(access: AccessService) -> TestClient:
    return TestClient(_app(access))


def _first(client: TestClient, **params) -> dict:
    params = {"service-type": "gp", "hub": "hub-north-town", "_count": 1, **params}
    return client.get("/api/access/slots", params=params).json()["slots"][0]


def _booking(slot: str, patient: int = 1, practice: str = "K1") -> dict:
    return {"slot": slot, "patient_id": patient, "practice_code": practice, "booking_organisation": practice}


def test_search_uses_fhir_parameter_names(client: TestClient) -> None:
    r = client.get(
        "/api/access/slots",
        params={
            "status": "free",
            "start": "ge2026-03-07T00:00",
            "service-type": "gp",
            "_count": 5,
        },
    )
    assert r.status_code == 200
    slots = r.json()["slots"]
    assert len(slots) == 5 and all(s["service_type"] == "gp" for s in slots)
    assert slots[0]["start"] == "2026-03-07T09:00:00"  # the first Saturday session


def test_a_bad_search_value_is_a_problem_naming_the_field(client: TestClient) -> None:
    r = client.get("/api/access/slots", params={"service-type": "dentist"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"].startswith("service-type: unknown value")


def test_book_then_cancel(client: TestClient) -> None:
    slot = _first(client)
    r = client.post("/api/access/appointments", json=_booking(slot["id"]))
    assert r.status_code == 201 and r.json()["status"] == "booked"
    again = client.post("/api/access/appointments", json=_booking(slot["id"], patient=2))
    assert again.status_code == 409 and "that slot was just taken" in again.json()["detail"]
    cancelled = client.post(f"/api/access/appointments/{r.json()['id']}/cancel", json={"reason": "better"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _first(client)["id"] == slot["id"]  # free again


def test_a_patient_from_another_neighbourhood_is_refused(client: TestClient) -> None:
    r = client.post("/api/access/appointments", json=_booking(_first(client)["id"], practice="K3"))
    assert r.status_code == 403


def test_a_booking_race_over_http_books_the_slot_once(access: AccessService) -> None:
    with live_server(_app(access)) as base:
        slot = httpx.get(f"{base}/api/access/slots", params={"service-type": "gp", "_count": 1}).json()[
            "slots"
        ][0]
        barrier = threading.Barrier(RACERS)
        out: list[httpx.Response | None] = [None] * RACERS

        def go(i: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as c:
                barrier.wait()
                out[i] = c.post("/api/access/appointments", json=_booking(slot["id"], patient=100 + i))

        threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    statuses = sorted(r.status_code for r in out if r is not None)
    assert statuses == [201] + [409] * (RACERS - 1), [r.text for r in out if r is not None]
    assert all("that slot was just taken" in r.json()["detail"] for r in out if r and r.status_code == 409)
    with AccessUnitOfWork(access.db) as uow:
        assert uow.repo.count_holding(slot["id"]) == 1
