"""The Open Referral UK read API: the level-1 shape (API info, paginated services with the metadata,
a fully nested service by id), each filter, CORS, and errors. Against the synthetic directory."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from nhc.navigation.synth import uid
from nhc.web.navigation import navigation_service, routers

PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}


@pytest.fixture(params=["sqlite"])
def db_url(request, tmp_path):  # one engine is enough here: the repository tests cover both
    return f"sqlite:///{tmp_path / 'nhc.sqlite3'}"


@pytest.fixture
def client(navigation):
    app = FastAPI()
    for router in routers:
        app.include_router(router)
    app.dependency_overrides[navigation_service] = lambda: navigation
    return TestClient(app)


def get(client, path, **params):
    response = client.get(f"/openreferral{path}", params=params)
    assert response.headers.get("access-control-allow-origin") == "*"
    return response


def test_api_information(client):
    assert get(client, "/").json()["version"] == "3.0"


def test_services_are_paginated_with_the_oruk_metadata(client):
    first = get(client, "/services", per_page=100).json()
    assert set(first) == PAGE_KEYS
    assert (first["page_number"], first["size"], first["first_page"], first["last_page"]) == (
        1,
        100,
        True,
        False,
    )
    assert first["total_items"] >= 300 and first["total_pages"] == -(-first["total_items"] // 100)
    last = get(client, "/services", per_page=100, page=first["total_pages"]).json()
    assert last["last_page"] and last["size"] == first["total_items"] - 100 * (first["total_pages"] - 1)


def test_a_service_by_id_is_fully_nested(client):
    sid = get(client, "/services", per_page=1).json()["contents"][0]["id"]
    service = get(client, f"/services/{sid}").json()
    assert service["id"] == sid and service["organization"]["name"] and "service_at_locations" in service


def test_unknown_service_is_404(client):
    assert get(client, "/services/nope").status_code == 404


def test_search_words(client):
    found = get(client, "/services", search="food bank").json()
    assert found["total_items"] == 6 and all("Food Bank" in s["name"] for s in found["contents"])


def test_taxonomy_term_filter(client):
    found = get(client, "/services", taxonomy_term_id=uid("term:pharmacy_first"), per_page=500).json()
    assert found["total_items"] == 54


def test_age_filter_excludes_services_for_older_people(client):
    everyone = get(client, "/services", search="lunch club").json()["total_items"]
    young = get(client, "/services", search="lunch club", maximum_age=30).json()["total_items"]
    assert (everyone, young) == (24, 0)


def test_day_and_time_filter(client):
    sunday = get(client, "/services", day="SU", start_time="10:30", end_time="11:30", per_page=500).json()
    names = [s["name"] for s in sunday["contents"]]
    assert any("Late Pharmacy" in n for n in names) and any("Drop-in" in n for n in names)
    assert not any(n.endswith("GP appointments") for n in names)


def test_proximity_filter(client):
    near = get(client, "/services", postcode="OX16 1AB", proximity=3000, per_page=500).json()["contents"]
    areas = {a["name"] for s in near for a in s["service_areas"]}
    assert near and areas <= {"Banbury", "Banbury West", "North Oxfordshire Rural", "North", "Oxfordshire"}
    assert "Banbury" in areas


def test_modified_after(client):
    assert get(client, "/services", modified_after="2027-01-01T00:00:00").json()["empty"] is True


def test_bad_day_is_400_naming_the_field(client):
    response = get(client, "/services", day="Funday")
    assert response.status_code == 400 and response.json()["field"] == "day"


def test_taxonomies_and_terms(client):
    assert get(client, "/taxonomies").json()["contents"][0]["id"] == "nhc-navigation"
    terms = get(client, "/taxonomy_terms", per_page=500).json()
    assert "pharmacy_first" in [t["code"] for t in terms["contents"]]


def test_service_at_locations(client):
    page = get(
        client, "/service_at_locations", taxonomy_term_id=uid("term:vcse_walking_group"), per_page=5
    ).json()
    assert page["total_items"] == 24 and page["size"] == 5
    one = page["contents"][0]
    assert get(client, f"/service_at_locations/{one['id']}").json()["location"]["x_nhc_approximate"] is True
