"""``_lastUpdated`` and ``_revinclude`` as a client uses them: the filter agrees with the
``meta.lastUpdated`` the client reads, a reverse include brings only the searched people's
resources (a refusal is audited), every response is valid R4, and the CapabilityStatement lists both."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from nhc.analytics.pipeline import run
from nhc.fhir.server.outcome import FhirError
from nhc.fhir.server.params import instant_matches
from nhc.fhir.validate import validate_resource
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from nhc.security.models import AuditEvent
from nhc.settings import Settings
from nhc.synth.county import SynthOptions, generate_to_lake
from nhc.web.app import create_app
from tests.fhir.smart_support import PASSWORD, ROOT, sign_in
from tests.fhir.test_smart_search import _care_record

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    data: Path = tmp_path_factory.mktemp("search-updated")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    generate_to_lake(SynthOptions(patients=300, seed=11), data / "lake")
    run(DuckDBEngine.open(Lake(data / "lake")))
    app = create_app(Settings(data_dir=data, database_url=f"sqlite:///{data / 'nhc.sqlite3'}"))
    svc = app.state.insights
    home = svc._rows("SELECT neighbourhood FROM pi GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0][0]
    people = svc._rows("SELECT patient_id, neighbourhood FROM pi JOIN people USING (patient_id) ORDER BY 1")
    mine = next(p for p, nb in people if nb == home)
    other = next(p for p, nb in people if nb != home)
    app.state.security.create_user("cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=[home])
    records = _care_record(app, mine)
    browser = TestClient(app, base_url=ROOT, follow_redirects=False)
    sign_in(browser)
    yield {"app": app, "client": browser, "mine": mine, "other": other, "before": before, **records}
    app.state.security.db.dispose()


def _get(world, rtype: str, **params) -> Any:
    return world["client"].get(f"/fhir/{rtype}", params=params)


def _bundle(world, rtype: str, **params) -> dict[str, Any]:
    r = _get(world, rtype, **params)
    assert r.status_code == 200, r.text
    bundle = r.json()
    assert validate_resource(bundle) is None, validate_resource(bundle)
    return bundle


def _ids(bundle: dict[str, Any], mode: str = "match") -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == mode]


def _stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- _lastUpdated: spec tests of the comparison ---------------------------------------------------------------
NOON = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01", True),
        ("eq2026-03", True),
        ("ge2026-03-01", True),
        ("gt2026-03-01", False),  # after the whole day
        ("gt2026-02-28", True),
        ("le2026-03-01", True),
        ("lt2026-03-01", False),  # before the day starts
        ("ge2026-03-01T12:00:00Z", True),
        ("gt2026-03-01T12:00:00Z", False),
        ("lt2026-03-01T12:00:01Z", True),
        ("ge2026-03-01T13:00:00+01:00", True),  # the same instant, written in another zone
        ("gt2026-03-01T12:59:59+01:00", True),
        ("eq2026-03-01T12:00Z", True),  # minute precision covers the minute
        ("9999-12", False),  # a span that ends past the last representable instant
        ("le9999-12-31T23:59:59Z", True),
    ],
)
def test_last_updated_compares_an_instant_with_a_date_or_instant(value, expected):
    assert instant_matches((value,), NOON) is expected


def test_last_updated_matches_nothing_without_a_recorded_time():
    assert instant_matches((), None) is True
    assert instant_matches(("ge2000",), None) is False


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "ge2026-13-01",
        "ge2026-02-30",
        "ge2026-03-01T12:00:00",
        "ge2026-03-01T25:00:00Z",
        "ne2026",
        "ge0001-01-01T00:00:00+01:00",
        "ge2026-03-01T12:00:00.1234567Z",
    ],
)
def test_a_malformed_last_updated_is_a_400_outcome(world, value):
    r = _get(world, "Observation", patient=world["mine"], _lastUpdated=value)
    assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome"
    with pytest.raises(FhirError):
        instant_matches((value,), NOON)


# --- _lastUpdated: what a client reads is what it filters --------------------------------------------------------
def test_lake_resources_carry_the_lake_generation_and_the_filter_agrees(world):
    bundle = _bundle(world, "Observation", patient=world["mine"], _count=1000)
    stamps = {e["resource"]["meta"]["lastUpdated"] for e in bundle["entry"]}
    assert len(stamps) == 1  # one lake generation
    stamp = stamps.pop()
    assert world["before"] <= _stamp(stamp) <= dt.datetime.now(dt.UTC)
    total = bundle["total"]
    assert total > 0
    for value, expected in [
        (f"ge{stamp}", total),
        (f"le{stamp}", total),
        (f"gt{stamp}", 0),
        (f"lt{stamp}", 0),
        (stamp[:10], total),
        ("lt2000-01-01", 0),
    ]:
        found = _bundle(world, "Observation", patient=world["mine"], _lastUpdated=value, _count=1000)
        assert found["total"] == len(_ids(found)) == expected, value
    patient = _bundle(world, "Patient", _id=world["mine"], _lastUpdated=f"ge{stamp}")
    assert _ids(patient) == [str(world["mine"])]
    assert patient["entry"][0]["resource"]["meta"]["lastUpdated"] == stamp
    read = world["client"].get(f"/fhir/Observation/{_ids(bundle)[0]}").json()
    assert read["meta"]["lastUpdated"] == stamp


def test_care_records_carry_their_own_change_time_and_the_filter_agrees(world):
    plans = _bundle(world, "CarePlan", patient=world["mine"])
    stamp = plans["entry"][0]["resource"]["meta"]["lastUpdated"]
    assert world["before"] <= _stamp(stamp) <= dt.datetime.now(dt.UTC)
    assert _ids(_bundle(world, "CarePlan", patient=world["mine"], _lastUpdated=f"ge{stamp}")) == [
        f"care-plan-{world['plan']}"
    ]
    assert _ids(_bundle(world, "CarePlan", patient=world["mine"], _lastUpdated=f"lt{stamp}")) == []
    tasks = _bundle(world, "Task", patient=world["mine"])
    assert tasks["entry"] and all(e["resource"]["meta"]["lastUpdated"] for e in tasks["entry"])
    assert _bundle(world, "Task", patient=world["mine"], _lastUpdated="gt2999-01-01")["total"] == 0
    record = world["client"].get(f"/fhir/EpisodeOfCare/care-episode-{world['episode']}/$care-record").json()
    in_record = {
        e["resource"]["id"]: e["resource"]["meta"]["lastUpdated"]
        for e in record["entry"]
        if e["resource"]["resourceType"] in ("Task", "ServiceRequest", "CarePlan")
    }
    referrals = _bundle(world, "ServiceRequest", patient=world["mine"])
    searched = {
        e["resource"]["id"]: e["resource"]["meta"]["lastUpdated"]
        for b in (plans, tasks, referrals)
        for e in b["entry"]
    }
    assert in_record == searched and len(searched) >= 3  # the plan, the visit, the referral and its task


def test_care_episodes_record_no_change_time_so_a_last_updated_search_leaves_them_out(world):
    everything = _bundle(world, "EpisodeOfCare", patient=world["mine"], _count=1000)
    care = [i for i in _ids(everything) if i.startswith("care-episode-")]
    assert care == [f"care-episode-{world['episode']}"]
    filtered = _ids(
        _bundle(world, "EpisodeOfCare", patient=world["mine"], _lastUpdated="ge2000", _count=1000)
    )
    assert sorted(filtered) == sorted(i for i in _ids(everything) if not i.startswith("care-episode-"))


# --- _revinclude ---------------------------------------------------------------------------------------------
def test_revinclude_brings_the_resources_that_refer_to_the_patient(world):
    bundle = _bundle(world, "Patient", _id=world["mine"], _revinclude="Observation:patient")
    assert _ids(bundle) == [str(world["mine"])] and bundle["total"] == 1
    observations = _bundle(world, "Observation", patient=world["mine"], _count=1000)
    included = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert sorted(r["id"] for r in included) == sorted(_ids(observations))
    assert {r["subject"]["reference"] for r in included} == {f"Patient/{world['mine']}"}


def test_revinclude_of_a_care_plan_on_its_team(world):
    bundle = _bundle(world, "CareTeam", patient=world["mine"], _revinclude="CarePlan:care-team")
    assert _ids(bundle) == [f"care-episode-{world['episode']}-team"]
    assert _ids(bundle, "include") == [f"care-plan-{world['plan']}"]
    both = _bundle(world, "Patient", _id=world["mine"], _revinclude="CarePlan:patient,Task:patient", _count=1)
    kinds = {e["resource"]["resourceType"] for e in both["entry"] if e["search"]["mode"] == "include"}
    assert kinds == {"CarePlan", "Task"}


def test_revinclude_not_aimed_at_the_type_is_a_400(world):
    for rtype, params in [
        ("Observation", {"patient": world["mine"], "_revinclude": "CarePlan:care-team"}),
        ("Patient", {"_id": world["mine"], "_revinclude": "Observation:encounter"}),
        ("Organization", {"_revinclude": "Patient:general-practitioner"}),
    ]:
        r = _get(world, rtype, **params)
        assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome", params


def _denials(world, pid: int) -> int:
    with world["app"].state.security.db.unit_of_work() as s:
        return s.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "fhir_read", AuditEvent.outcome == "denied")
            .where(AuditEvent.patient_id == pid)
        )


def test_revinclude_on_someone_outside_the_users_reach_is_refused_and_audited(world):
    before = _denials(world, world["other"])
    r = _get(world, "Patient", _id=world["other"], _revinclude="Observation:patient")
    assert r.status_code == 403 and r.json()["resourceType"] == "OperationOutcome"
    assert _denials(world, world["other"]) == before + 1
    # named alongside someone the user may see, the search is about both, and refused whole
    r = _get(world, "Patient", _id=f"{world['mine']},{world['other']}", _revinclude="Observation:patient")
    assert r.status_code == 403
    assert _denials(world, world["other"]) == before + 2


def test_the_capability_statement_lists_last_updated_and_revincludes_and_each_works(world):
    statement = world["client"].get("/fhir/metadata").json()
    types = {t["type"]: t for t in statement["rest"][0]["resource"]}
    # every type of the table (hub Location, Schedule, Slot and Appointment have their own routes, no
    # _lastUpdated)
    table = {n: t for n, t in types.items() if n not in ("Location", "Schedule", "Slot", "Appointment")}
    assert all("_lastUpdated" in {p["name"] for p in t["searchParam"]} for t in table.values())
    assert {"Observation:patient", "CarePlan:patient", "Encounter:subject"} <= set(
        types["Patient"]["searchRevInclude"]
    )
    assert types["CareTeam"]["searchRevInclude"] == ["CarePlan:care-team"]
    for name, entry in types.items():
        about = {"_id": str(world["mine"])} if name == "Patient" else {"patient": str(world["mine"])}
        for value in entry.get("searchRevInclude", []):
            assert _get(world, name, **about, _revinclude=value).status_code == 200, (name, value)
