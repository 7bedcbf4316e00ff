"""``POST /api/navigate`` and friends through FastAPI's TestClient, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from nhc.web.navigation import navigation_service, routers

REQUEST = {
    "age": 55,
    "sex": "male",
    "reason": "chest_pain",
    "red_flags": ["crushing_chest_pain"],
    "when": "2026-03-02T10:15:00",
    "practice_code": "K84013",
}


@pytest.fixture
def client(navigation):
    app = FastAPI()
    for router in routers:
        app.include_router(router)
    app.dependency_overrides[navigation_service] = lambda: navigation
    return TestClient(app)


def test_navigate_answers_the_contract(client, navigation):
    response = client.post("/api/navigate", json=REQUEST)
    assert response.status_code == 200
    answer = response.json()
    assert answer["disposition"] == "emergency_999"
    assert answer["services"][0]["name"] == "John Radcliffe Hospital emergency department"
    assert navigation.decisions(1)[0]["asked_by"] == "anonymous"


def test_same_body_same_answer_as_the_service(client, navigation):
    body = {**REQUEST, "reason": "sore_throat", "red_flags": [], "age": 30}
    assert client.post("/api/navigate", json=body).json() == navigation.navigate(body)


@pytest.mark.parametrize(
    ("change", "field", "allowed"),
    [
        ({"reason": "toothache"}, "reason", "chest_pain"),
        ({"age": -3}, "age", "0 to 120"),
        ({"practice_code": "Z99999"}, "practice_code", "K84013"),
    ],
)
def test_bad_request_is_400_naming_field_and_allowed_values(client, change, field, allowed):
    response = client.post("/api/navigate", json={**REQUEST, **change})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["field"] == field and allowed in problem["allowed"] and field in problem["detail"]


def test_not_json_is_400(client):
    response = client.post("/api/navigate", content=b"{oops", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["field"] == "request"


def test_reasons_and_dispositions(client):
    reasons = client.get("/api/navigate/reasons").json()["reasons"]
    assert "suicidal_thoughts" in [r["id"] for r in reasons]
    assert len(client.get("/api/navigate/dispositions").json()["dispositions"]) == 14
