"""Finding 2 of the security review: simultaneous requests cannot make duplicate records. Four
admissions of one person sent at the same moment to a real server give one episode; four first
saves of an episode's care plan give one plan. The database guarantees it (partial unique indexes),
on SQLite and PostgreSQL; the losers get 409 with a clear message and the audit log says so."""

from __future__ import annotations

import threading

import httpx
import pytest
import sqlalchemy as sa

from nhc.care.models import CarePlan, Episode
from nhc.security.models import AuditEvent
from tests.care.web_support import NB, PASSWORD, live_server, make_app, token, worklist_patients
from tests.web.fixture_lake import write_fixture_lake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
RACERS = 4


@pytest.fixture
def live(tmp_path, db_url):
    lake = write_fixture_lake(tmp_path / "lake")
    app = make_app(lake.root, db_url, tmp_path)
    with live_server(app) as base:
        yield app, lake, base
    app.state.security.db.dispose()


def _signed_in(base: str) -> tuple[httpx.Client, dict[str, str]]:
    c = httpx.Client(base_url=base, timeout=60)
    r = c.post(
        "/sign-in",
        data={"username": "lead", "password": PASSWORD, "csrf_token": token(c.get("/sign-in").text)},
    )
    assert r.status_code == 303, r.text
    return c, {"X-CSRF-Token": c.get("/api/care/csrf").json()["csrf_token"]}


def _race(base: str, path: str, body: dict) -> list[httpx.Response]:
    """The same POST from RACERS signed-in clients, released together."""
    clients = [_signed_in(base) for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)
    out: list[httpx.Response | None] = [None] * RACERS

    def go(i: int) -> None:
        c, headers = clients[i]
        barrier.wait()
        out[i] = c.post(path, json=body, headers=headers)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for c, _ in clients:
        c.close()
    return [r for r in out if r is not None]


def _count(app, model, **where) -> int:
    with app.state.security.db.unit_of_work() as s:
        q = sa.select(sa.func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalar(q)


def test_simultaneous_admissions_of_one_person_make_one_episode(live) -> None:
    app, lake, base = live
    pid = worklist_patients(lake)[0]
    body = {"patient_id": pid, "worklist": "high_admission_risk"}
    responses = _race(base, f"/api/care/{NB}/admissions", body)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (RACERS - 1), [r.text for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert "already on the caseload" in r.json()["detail"]
    assert _count(app, Episode, patient_id=pid) == 1
    assert _count(app, AuditEvent, action="care_admit", outcome="conflict", patient_id=pid) == RACERS - 1


def test_simultaneous_first_saves_of_a_care_plan_make_one_plan(live) -> None:
    app, lake, base = live
    pid = worklist_patients(lake)[0]
    c, headers = _signed_in(base)
    ep = c.post(
        f"/api/care/{NB}/admissions",
        json={"patient_id": pid, "worklist": "high_admission_risk"},
        headers=headers,
    ).json()
    body = {"what_matters": "Staying at home", "goals": ["Walk to the shop"], "review_date": "2026-05-01"}
    responses = _race(base, f"/api/care/episodes/{ep['id']}/plan", body)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (RACERS - 1), [r.text for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert "already has" in r.json()["detail"] and "care plan" in r.json()["detail"]
    assert _count(app, CarePlan, episode_id=ep["id"]) == 1
    assert (
        _count(app, AuditEvent, action="care_plan_create", outcome="conflict", patient_id=pid) == RACERS - 1
    )
