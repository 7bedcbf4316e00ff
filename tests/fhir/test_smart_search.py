"""Search as real clients use it: ``_summary=count``, ``_sort``, ``_count``, ``_include``; every
reference in a served resource resolves (or is contained); the CapabilityStatement says exactly
what the server does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nhc.analytics.pipeline import run
from nhc.fhir.server import TABLE
from nhc.fhir.validate import validate_resource
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from nhc.settings import Settings
from nhc.synth.county import SynthOptions, generate_to_lake
from nhc.web.app import create_app
from nhc.web.care.deps import care
from tests.fhir.smart_support import PASSWORD, ROOT, sign_in

#: Hub appointment types, served by their own routes (nhc.web.appointments.fhir_routes).
HUB_TYPES = ("Location", "Schedule", "Slot", "Appointment")
HUB_ROUTES = {
    "read": ("/fhir/{}/{{rid}}", "get"),
    "search-type": ("/fhir/{}", "get"),
    "create": ("/fhir/{}", "post"),
    "update": ("/fhir/{}/{{rid}}", "put"),
    "patch": ("/fhir/{}/{{rid}}", "patch"),
}

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    data: Path = tmp_path_factory.mktemp("smart-search")
    generate_to_lake(SynthOptions(patients=800, seed=5), data / "lake")
    run(DuckDBEngine.open(Lake(data / "lake")))
    app = create_app(Settings(data_dir=data, database_url=f"sqlite:///{data / 'nhc.sqlite3'}"))
    svc = app.state.insights
    home = svc._rows("SELECT neighbourhood FROM pi GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0][0]
    mine = svc._rows(
        "SELECT pi.patient_id FROM pi JOIN people USING (patient_id) WHERE neighbourhood = ? ORDER BY 1 LIMIT 1",
        [home],
    )[0][0]
    app.state.security.create_user("cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=[home])
    records = _care_record(app, mine)
    browser = TestClient(app, base_url=ROOT, follow_redirects=False)
    sign_in(browser)
    yield {"app": app, "client": browser, "mine": mine, **records}
    app.state.security.db.dispose()


def _care_record(app, pid: int) -> dict[str, int]:
    class _Req:  # care() only needs request.app
        pass

    req = _Req()
    req.app = app  # type: ignore[attr-defined]
    svc = care(req)  # type: ignore[arg-type]
    nb = app.state.insights.patient_neighbourhood(pid)
    staff = svc.add_staff(None, "Nurse Ada", "community_nurse", nb, capacity=5)
    ref = svc.create_task(
        None, nb, "Please admit", "2030-01-01", kind="referral", patient_id=pid, to_service="virtual_ward"
    )
    ep = svc.admit(None, pid, source="referral", referral_id=ref.id, reason="GP referral")
    plan = svc.create_care_plan(None, ep.id, what_matters="Home", goals=["Walk"], review_date="2030-01-01")
    svc.create_task(
        None, nb, "Visit", "2030-01-02", owner_staff_id=staff.id, patient_id=pid, episode_id=ep.id
    )
    return {"episode": ep.id, "plan": plan.id}


def _search(world, rtype: str, **params) -> dict[str, Any]:
    r = world["client"].get(f"/fhir/{rtype}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_summary_count_gives_the_total_and_no_entries(world):
    full = _search(world, "Observation", patient=world["mine"], _count=1000)
    counted = _search(world, "Observation", patient=world["mine"], _summary="count")
    assert counted["total"] == full["total"] == len(full["entry"]) > 0
    assert not counted.get("entry")
    assert (
        _search(world, "Observation", patient=world["mine"], _count=0, _total="accurate")["total"]
        == full["total"]
    )


@pytest.mark.parametrize("rtype", ["Patient", "Observation", "Encounter", "MedicationRequest"])
def test_every_page_and_a_page_past_the_end_give_the_same_total(world, rtype):
    key = "_id" if rtype == "Patient" else "patient"
    everything = _search(world, rtype, **{key: world["mine"]}, _count=1000)
    total = everything["total"]
    assert total == len(everything["entry"]) > 0
    first = _search(world, rtype, **{key: world["mine"]}, _count=1)
    assert first["total"] == total and len(first["entry"]) == 1
    last = _search(world, rtype, **{key: world["mine"]}, _count=1, _offset=total - 1)
    assert last["total"] == total and len(last["entry"]) == 1
    past = _search(world, rtype, **{key: world["mine"]}, _count=5, _offset=total + 10)
    assert past["total"] == total and not past.get("entry")
    for resource in (e["resource"] for e in first["entry"] + last["entry"]):
        assert "nhc_total_matches" not in json.dumps(resource)


@pytest.mark.parametrize("rtype", ["Observation", "Encounter", "EpisodeOfCare"])
def test_sort_by_date_both_ways_across_pages(world, rtype):
    def dates(order: str) -> list[str]:
        out, offset = [], 0
        while True:
            page = _search(world, rtype, patient=world["mine"], _sort=order, _count=3, _offset=offset)
            out += [_date(e["resource"]) for e in page.get("entry", [])]
            offset += 3
            if offset >= page["total"]:
                return out

    up, down = dates("date"), dates("-date")
    assert len(up) >= 2 and up == sorted(up) and down == sorted(down, reverse=True)


def _date(r: dict) -> str:
    return (r.get("period") or {}).get("start") or r.get("effectiveDateTime") or ""


def test_sort_and_include_are_refused_where_they_mean_nothing(world):
    for rtype, params in [
        ("Patient", {"_id": world["mine"], "_sort": "date"}),
        ("Observation", {"patient": world["mine"], "_sort": "status"}),
        ("Observation", {"patient": world["mine"], "_include": "CarePlan:care-team"}),
        ("Observation", {"patient": world["mine"], "_summary": "text"}),
    ]:
        r = world["client"].get(f"/fhir/{rtype}", params=params)
        assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome", params


def test_include_care_team_brings_the_team_around_the_episode(world):
    bundle = _search(world, "CarePlan", patient=world["mine"], _include="CarePlan:care-team")
    modes = {(e["resource"]["resourceType"], e["search"]["mode"]) for e in bundle["entry"]}
    assert modes == {("CarePlan", "match"), ("CareTeam", "include")}
    team = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CareTeam")
    assert team["id"] == f"care-episode-{world['episode']}-team"
    assert team["subject"] == {"reference": f"Patient/{world['mine']}"}
    assert bundle["total"] == 1  # the total counts matches only
    tasks = _search(world, "Task", patient=world["mine"], _include="Task:patient")
    assert [e["resource"]["id"] for e in tasks["entry"] if e["search"]["mode"] == "include"] == [
        str(world["mine"])
    ]
    with_patient = _search(
        world, "Observation", patient=world["mine"], _include="Observation:patient", _count=2
    )
    assert [e["resource"]["id"] for e in with_patient["entry"] if e["search"]["mode"] == "include"] == [
        str(world["mine"])
    ]


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return own + [r for k, v in node.items() if k != "contained" for r in _references(v)]
    if isinstance(node, list):
        return [r for v in node for r in _references(v)]
    return []


def test_every_reference_in_the_record_resolves_or_is_contained(world):
    everything = world["client"].get(f"/fhir/Patient/{world['mine']}/$everything").json()
    resources = [e["resource"] for e in everything["entry"]]
    assert {"EpisodeOfCare", "CarePlan", "Task"} <= {r["resourceType"] for r in resources}
    checked = set()
    for res in resources:
        assert validate_resource(res) is None, res["resourceType"]
        for ref in _references(res):
            if ref.startswith("#"):
                assert ref[1:] in {c["id"] for c in res.get("contained", [])}, (res["id"], ref)
            elif ref not in checked:
                checked.add(ref)
                r = world["client"].get(f"/fhir/{ref}")
                assert r.status_code == 200, (res["resourceType"], res["id"], ref, r.text)
    assert any(ref.startswith("CareTeam/") for ref in checked)


def test_the_capability_statement_is_what_the_server_does(world):
    statement = world["client"].get("/fhir/metadata").json()
    types = {t["type"]: t for t in statement["rest"][0]["resource"]}
    # the app serves the lake and the care record (the table), and hub appointments (their own routes)
    assert set(types) == set(TABLE.all_types) | set(HUB_TYPES)
    openapi = world["app"].openapi()["paths"]
    paths = set(openapi)  # the routes the app serves
    for name in HUB_TYPES:  # each interaction listed is a route (and searched in tests/access)
        for code in (i["code"] for i in types[name]["interaction"]):
            path, method = HUB_ROUTES[code]
            assert method in openapi.get(path.format(name), {}), (name, code)
    values = {"reference": str(world["mine"]), "token": "http://snomed.info/sct|1", "date": "ge2000"}
    for name, entry in ((n, e) for n, e in types.items() if n not in HUB_TYPES):
        about = {} if name in ("Patient", "Organization") else {"patient": str(world["mine"])}
        if name == "Patient":
            about = {"_id": str(world["mine"])}
        for param in entry["searchParam"]:
            value = values[param["type"]] if param["name"] != "_id" else about.get("_id", "x")
            r = world["client"].get(f"/fhir/{name}", params={**about, param["name"]: value})
            assert r.status_code in (200, 403), (name, param, r.text)  # accepted (403: person-level refusal)
        for include in entry.get("searchInclude", []):
            assert (
                world["client"].get(f"/fhir/{name}", params={**about, "_include": include}).status_code == 200
            )
        assert world["client"].get(f"/fhir/{name}", params={**about, "unlisted": "1"}).status_code == 400
        for op in entry.get("operation", []):
            assert any(p.endswith(f"/${op['name']}") and f"/{name}/" in p for p in paths), op
    assert statement["rest"][0]["security"]["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    system_ops = {op["name"] for op in statement["rest"][0]["operation"]}
    assert system_ops == {"export", "patient-export", "group-export"}
    assert {"/fhir/$export", "/fhir/Patient/$export", "/fhir/Group/{gid}/$export"} <= paths
