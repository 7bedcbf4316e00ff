"""``_revinclude`` and ``_lastUpdated`` under an access token: an include never reaches a type the
token's scopes leave out, nor a person the token's account has no relationship with."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from nhc.fhir.validate import validate_resource
from tests.fhir.smart_support import ROOT, make_app, register_backend

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")


@pytest.fixture(scope="module")
def world(county, tmp_path_factory):
    app, ids = make_app(county, tmp_path_factory.mktemp("smart-revinclude") / "nhc.sqlite3")
    yield {"app": app, "ids": ids, "client": TestClient(app, base_url=ROOT, follow_redirects=False)}
    app.state.security.db.dispose()


def _token(world, scope: str) -> str:
    backend = register_backend(world["app"], scope=scope)
    r = world["client"].post("/oauth/token", data=backend.form(scope=scope))
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _search(world, token: str, rtype: str, **params):
    return world["client"].get(f"/fhir/{rtype}", params=params, headers={"Authorization": f"Bearer {token}"})


def _included(bundle: dict) -> set[str]:
    return {e["resource"]["resourceType"] for e in bundle["entry"] if e["search"]["mode"] == "include"}


def test_revinclude_leaves_out_types_the_scopes_do_not_cover(world):
    mine = world["ids"][0]
    token = _token(world, "system/Patient.read system/Encounter.read")
    r = _search(world, token, "Patient", _id=mine, _revinclude="Observation:patient,Encounter:patient")
    assert r.status_code == 200, r.text
    bundle = r.json()
    assert validate_resource(bundle) is None
    assert _included(bundle) == {"Encounter"}  # Observation is not in the token's scopes


def test_revinclude_about_someone_the_account_does_not_look_after_is_refused(world):
    token = _token(world, "system/*.read")
    other = world["ids"][2]
    r = _search(world, token, "Patient", _id=other, _revinclude="Observation:patient")
    assert r.status_code == 403 and r.json()["resourceType"] == "OperationOutcome"
    # a population-wide search with a reverse include is refused as population-wide searches are
    assert _search(world, token, "Patient", _revinclude="Observation:patient").status_code == 403


def test_last_updated_under_a_token(world):
    mine = world["ids"][0]
    token = _token(world, "system/*.read")
    bundle = _search(world, token, "Observation", patient=mine, _count=1).json()
    stamp = bundle["entry"][0]["resource"]["meta"]["lastUpdated"]
    assert (
        _search(world, token, "Observation", patient=mine, _lastUpdated=f"le{stamp}").json()["total"]
        == (bundle["total"])
    )
    assert _search(world, token, "Observation", patient=mine, _lastUpdated=f"gt{stamp}").json()["total"] == 0
