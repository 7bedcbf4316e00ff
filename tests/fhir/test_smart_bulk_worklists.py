"""Bulk Data ``Group/<neighbourhood>.<worklist>/$export``: a worklist of one of the account's
neighbourhoods exports exactly that worklist's people there, each decided and audited; a worklist
of another neighbourhood is refused and an unknown worklist is not found."""

from __future__ import annotations

import json
import re
import shutil
import time

import duckdb
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from nhc.analytics.pipeline import run
from nhc.fhir.validate import validate_resource
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from nhc.security.models import AuditEvent
from tests.fhir.smart_support import PASSWORD, ROOT, make_app, register_backend

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
ASYNC = {"Prefer": "respond-async"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@pytest.fixture(scope="module")
def world(county, tmp_path_factory):
    """The county with the analytics run (its worklists), an account ``wl`` in the neighbourhood
    with the longest worklist, and a backend token acting as that account."""
    lake = tmp_path_factory.mktemp("wl-data") / "lake"
    shutil.copytree(county, lake)  # the shared county stays as it is
    run(DuckDBEngine.open(Lake(lake)))
    lists = (
        duckdb.connect()
        .execute(
            f"SELECT neighbourhood, worklist, list(patient_id ORDER BY patient_id) "
            f"FROM read_parquet('{lake}/worklists/*.parquet') GROUP BY ALL "
            f"ORDER BY len(list(patient_id)) DESC, neighbourhood, worklist"
        )
        .fetchall()
    )
    home, key, people = lists[0]
    assert len(people) >= 2  # a list worth exporting
    other = next((nb, w) for nb, w, _ in lists if nb != home)
    app, _ = make_app(lake, tmp_path_factory.mktemp("wldb") / "nhc.sqlite3")
    app.state.security.create_user("wl", "Team", "team_member", password=PASSWORD, neighbourhoods=[home])
    backend = register_backend(app, user="wl")
    client = TestClient(app, base_url=ROOT, follow_redirects=False)
    token = client.post("/oauth/token", data=backend.form()).json()["access_token"]
    yield {
        "app": app,
        "client": client,
        "auth": {"Authorization": f"Bearer {token}"},
        "home": home,
        "key": key,
        "people": {int(p) for p in people},
        "other": other,
    }
    app.state.security.db.dispose()


def _export(world, gid: str, types: str) -> dict:
    client, auth = world["client"], world["auth"]
    r = client.get(f"/fhir/Group/{gid}/$export", params={"_type": types}, headers={**ASYNC, **auth})
    assert r.status_code == 202, r.text
    for _ in range(200):
        s = client.get(r.headers["content-location"], headers=auth)
        if s.status_code == 200:
            return s.json()
        assert s.status_code == 202
        time.sleep(0.05)
    raise AssertionError("the export did not finish")


def _resources(world, manifest: dict) -> list[dict]:
    out = []
    for output in manifest["output"]:
        r = world["client"].get(output["url"], headers=world["auth"])
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+ndjson")
        out += [json.loads(line) for line in r.text.splitlines()]
    return out


def test_a_worklist_group_exports_exactly_that_worklists_people_audited_one_by_one(world):
    gid = f"{_slug(world['home'])}.{world['key'].replace('_', '-')}"
    resources = _resources(world, _export(world, gid, "Patient,Condition"))
    patients = {int(r["id"]) for r in resources if r["resourceType"] == "Patient"}
    assert patients == world["people"]
    for res in resources:
        assert validate_resource(res) is None
        if res["resourceType"] == "Condition":
            assert int(res["subject"]["reference"].removeprefix("Patient/")) in world["people"]
    with world["app"].state.security.db.unit_of_work() as s:
        audited = s.execute(
            sa.select(AuditEvent.patient_id, AuditEvent.outcome).where(
                AuditEvent.action == "fhir_bulk_export", AuditEvent.resource.contains(f"/{gid}/")
            )
        ).all()
    assert sorted(p for p, _ in audited) == sorted(world["people"])  # one line a person
    assert {o for _, o in audited} == {"success"}


def test_the_worklist_key_as_the_pages_write_it_names_the_same_group(world):
    gid = f"{_slug(world['home'])}.{world['key']}"
    resources = _resources(world, _export(world, gid, "Patient"))
    assert {int(r["id"]) for r in resources} == world["people"]


def test_a_worklist_of_another_neighbourhood_is_refused_naming_what_is_allowed(world):
    nb, key = world["other"]
    gid = f"{_slug(nb)}.{key.replace('_', '-')}"
    r = world["client"].get(f"/fhir/Group/{gid}/$export", headers={**ASYNC, **world["auth"]})
    assert r.status_code == 403
    outcome = r.json()
    assert validate_resource(outcome) is None and outcome["resourceType"] == "OperationOutcome"
    message = outcome["issue"][0]["diagnostics"]
    named = set(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", message))
    # Whole slugs, not substrings: "east-oxford" is inside "south-east-oxford".
    assert _slug(world["home"]) in named and "caseload" in named and _slug(nb) not in named
    with world["app"].state.security.db.unit_of_work() as s:
        exported = s.scalars(
            sa.select(AuditEvent.patient_id).where(
                AuditEvent.action == "fhir_bulk_export", AuditEvent.resource.contains(f"/{gid}/")
            )
        ).all()
    assert exported == []  # nobody was decided on, let alone exported


def test_an_unknown_worklist_is_not_found_naming_the_worklists(world):
    home = _slug(world["home"])
    r = world["client"].get(f"/fhir/Group/{home}.no-such-list/$export", headers={**ASYNC, **world["auth"]})
    assert r.status_code == 404
    outcome = r.json()
    assert validate_resource(outcome) is None
    message = outcome["issue"][0]["diagnostics"]
    assert "no-such-list" in message and f"{home}.high-admission-risk" in message
