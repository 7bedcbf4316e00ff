"""Bulk Data ``$export`` over HTTP: kick-off with ``Prefer: respond-async``, polling with
``Retry-After``, the manifest and NDJSON files, ``_type`` / ``_since`` / groups, expiry — for
``system/*.read`` tokens only, audited with row counts."""

from __future__ import annotations

import json
import time

import duckdb
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from nhc.fhir.validate import validate_resource
from nhc.security.models import AuditEvent
from tests.fhir.smart_support import ROOT, make_app, register_backend, sign_in

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
ASYNC = {"Prefer": "respond-async"}


@pytest.fixture(scope="module")
def world(county, tmp_path_factory):
    app, ids = make_app(county, tmp_path_factory.mktemp("bulkdb") / "nhc.sqlite3")
    backend = register_backend(app)
    client = TestClient(app, base_url=ROOT, follow_redirects=False)
    token = client.post("/oauth/token", data=backend.form()).json()["access_token"]
    observations = (
        duckdb.connect()
        .execute(
            f"SELECT count(*) FROM read_parquet('{county}/clinical_events/*.parquet') "
            f"WHERE patient_id = {ids[0]} AND value IS NOT NULL"
        )
        .fetchone()[0]
    )
    yield {"app": app, "ids": ids, "token": token, "client": client, "observations": observations}
    app.state.security.db.dispose()


def _auth(world, token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or world['token']}"}


def _run(world, path: str, **params) -> tuple[dict, dict]:
    """Kick off, poll to completion; (manifest, status response headers while running)."""
    r = world["client"].get(path, params=params, headers={**ASYNC, **_auth(world)})
    assert r.status_code == 202, r.text
    status_url = r.headers["content-location"]
    assert status_url.startswith(f"{ROOT}/fhir/$export-status/")
    waiting: dict = {}
    for _ in range(200):
        s = world["client"].get(status_url, headers=_auth(world))
        if s.status_code == 200:
            return s.json() | {"_status": status_url}, waiting
        assert s.status_code == 202 and int(s.headers["retry-after"]) > 0
        waiting = dict(s.headers)
        time.sleep(0.05)
    raise AssertionError("the export did not finish")


def _lines(world, url: str) -> list[dict]:
    r = world["client"].get(url, headers=_auth(world))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+ndjson")
    return [json.loads(line) for line in r.text.splitlines()]


def test_a_system_export_writes_ndjson_of_the_people_the_account_may_see(world):
    manifest, _ = _run(world, "/fhir/$export", _type="Patient,Observation")
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    counts = {o["type"]: o["count"] for o in manifest["output"]}
    assert counts == {"Patient": 1, "Observation": world["observations"]}  # svc's caseload: one person
    mine = world["ids"][0]
    for output in manifest["output"]:
        rows = _lines(world, output["url"])
        assert len(rows) == output["count"]
        for res in rows:
            assert res["resourceType"] == output["type"] and validate_resource(res) is None
            assert res.get("id") == str(mine) or res["subject"]["reference"] == f"Patient/{mine}"
    with world["app"].state.security.db.unit_of_work() as s:
        rows = s.execute(sa.select(AuditEvent.action, AuditEvent.patient_id, AuditEvent.detail)).all()
    assert ("fhir_bulk_export", mine) in {(a, p) for a, p, _ in rows}
    done = [d for a, _, d in rows if a == "fhir_bulk_export_done"]
    assert done and f"Observation={world['observations']}" in done[-1]


def test_group_exports_and_refusals(world):
    manifest, _ = _run(world, "/fhir/Group/caseload/$export", _type="Patient")
    assert [o["count"] for o in manifest["output"]] == [1]
    client = world["client"]
    refused = {
        "no Prefer": client.get("/fhir/$export", headers=_auth(world)),
        "unknown type": client.get(
            "/fhir/$export", params={"_type": "Spaceship"}, headers={**ASYNC, **_auth(world)}
        ),
        "bad _since": client.get(
            "/fhir/$export", params={"_since": "yesterday"}, headers={**ASYNC, **_auth(world)}
        ),
        "someone else's group": client.get(
            "/fhir/Group/elsewhere/$export", headers={**ASYNC, **_auth(world)}
        ),
        "no token": client.get("/fhir/$export", headers=ASYNC),
    }
    assert {k: r.status_code for k, r in refused.items()} == {
        "no Prefer": 400,
        "unknown type": 400,
        "bad _since": 400,
        "someone else's group": 403,
        "no token": 401,
    }


def test_only_system_read_tokens_export(world):
    narrow = register_backend(world["app"], scope="system/Observation.read")
    token = world["client"].post("/oauth/token", data=narrow.form(scope="system/Observation.read")).json()
    r = world["client"].get("/fhir/$export", headers={**ASYNC, **_auth(world, token["access_token"])})
    assert r.status_code == 403
    browser = TestClient(world["app"], base_url=ROOT, follow_redirects=False)
    sign_in(browser)  # a signed-in clinician is not a bulk client either
    assert browser.get("/fhir/$export", headers=ASYNC).status_code == 403


def test_files_belong_to_the_client_that_asked_and_expire(world):
    manifest, _ = _run(world, "/fhir/Patient/$export", _type="Patient")
    url = manifest["output"][0]["url"]
    other = register_backend(world["app"])
    other_token = world["client"].post("/oauth/token", data=other.form()).json()["access_token"]
    assert world["client"].get(url, headers=_auth(world, other_token)).status_code == 404
    assert world["client"].get(url).status_code == 401
    exports = world["app"].state.fhir_bulk
    real = exports.clock
    exports.clock = lambda: real() + 2 * 3600  # two hours later
    try:
        assert world["client"].get(manifest["_status"], headers=_auth(world)).status_code == 404
        assert world["client"].get(url, headers=_auth(world)).status_code == 404
    finally:
        exports.clock = real


def test_since_leaves_out_care_plans_not_changed_since_and_delete_cancels(world):
    manifest, _ = _run(world, "/fhir/$export", _type="Patient", _since="2999-01-01T00:00:00Z")
    # the lake records no change times: its resources are always included
    assert [o["count"] for o in manifest["output"]] == [1]
    status = manifest["_status"]
    assert world["client"].delete(status, headers=_auth(world)).status_code == 202
    assert world["client"].get(status, headers=_auth(world)).status_code == 404
