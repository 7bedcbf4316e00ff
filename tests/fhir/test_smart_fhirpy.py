"""A real FHIR client (fhirpy) against a real server (uvicorn) with a Backend Services token:
the CapabilityStatement without a token, then searches, paging and ``$everything`` with one."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError

from nhc.fhir.validate import validate_resource
from tests.care.web_support import live_server
from tests.fhir.smart_support import ASSERTION_TYPE, make_app, register_backend


@pytest.fixture(scope="module")
def served(county, tmp_path_factory):
    app, ids = make_app(county, tmp_path_factory.mktemp("smart-live") / "nhc.sqlite3")
    backend = register_backend(app)
    with live_server(app) as root:
        yield {"root": root, "ids": ids, "backend": backend}
    app.state.security.db.dispose()


def _backend_token(served) -> str:
    """What a backend does: discover the token URL, sign an assertion for it, ask for a token."""
    conf = httpx.get(f"{served['root']}/.well-known/smart-configuration").json()
    backend = served["backend"]
    form = {
        "grant_type": "client_credentials",
        "scope": "system/*.read",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": backend.assertion(aud=conf["token_endpoint"]),
    }
    r = httpx.post(conf["token_endpoint"], data=form)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def test_fhirpy_reads_metadata_then_searches_pages_and_runs_everything_with_a_token(served):
    base = f"{served['root']}/fhir"
    anonymous = SyncFHIRClient(base, extra_headers={"Accept": "application/fhir+json"})
    capability = anonymous.execute("metadata", method="get")
    assert capability["resourceType"] == "CapabilityStatement"
    assert capability["rest"][0]["security"]["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    with pytest.raises(AuthorizationError):  # 401: no token
        anonymous.resources("Observation").search(patient=str(served["ids"][0])).fetch()

    client = SyncFHIRClient(
        base,
        authorization=f"Bearer {_backend_token(served)}",
        extra_headers={"Accept": "application/fhir+json"},
    )
    pid = str(served["ids"][0])
    patient = client.reference("Patient", pid).to_resource()
    assert patient.id == pid and validate_resource(patient.serialize()) is None
    total = client.execute("Observation", method="get", params={"patient": pid, "_summary": "count"})["total"]
    pages = (
        client.resources("Observation").search(patient=pid).limit(2).fetch_all()
    )  # next links, 2 at a time
    assert total >= 3 and len(pages) == total and len({o.id for o in pages}) == total
    raw = (
        client.resources("Observation")
        .search(patient=pid)
        .include("Observation", "patient")
        .limit(2)
        .fetch_raw()
    )
    included = [e["resource"]["id"] for e in raw["entry"] if e["search"]["mode"] == "include"]
    assert included == [pid]
    everything = client.reference("Patient", pid).execute("$everything", method="get")
    types = {e["resource"]["resourceType"] for e in everything["entry"]}
    assert {"Patient", "Observation"} <= types
    for entry in everything["entry"]:
        assert validate_resource(entry["resource"]) is None


def test_a_backend_runs_a_bulk_export_to_completion(served):
    """Kick-off, poll as the status URL says (``Retry-After``), fetch every file in the manifest."""

    headers = {"Authorization": f"Bearer {_backend_token(served)}", "Accept": "application/fhir+json"}
    # A generous timeout: under a loaded CI machine a poll can wait seconds behind the export thread.
    with httpx.Client(base_url=f"{served['root']}/fhir", headers=headers, timeout=120) as http:
        kick = http.get("/$export", headers={"Prefer": "respond-async"})
        assert kick.status_code == 202
        status = kick.headers["content-location"]
        deadline = time.monotonic() + 300
        while True:
            poll = http.get(status)
            if poll.status_code == 200 or time.monotonic() > deadline:
                break
            assert poll.status_code == 202
            time.sleep(min(float(poll.headers["retry-after"]), 0.1))
        assert poll.status_code == 200, "the export did not finish in 5 minutes"
        manifest = poll.json()
        assert manifest["output"] and {o["type"] for o in manifest["output"]} >= {"Patient", "Observation"}
        for output in manifest["output"]:
            lines = http.get(output["url"]).text.splitlines()
            assert len(lines) == output["count"]
            assert validate_resource(json.loads(lines[0])) is None
