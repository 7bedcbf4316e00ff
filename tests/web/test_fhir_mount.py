"""The FHIR router mounted in the web app: our sign-in, clinical roles only, relationship checks and
audit on every person-level read; population-wide searches refused."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from nhc.security.models import AuditEvent
from nhc.settings import Settings
from nhc.web.app import create_app
from nhc.web.care.deps import care

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def fhir(county, tmp_path_factory):
    from fastapi.testclient import TestClient

    db = tmp_path_factory.mktemp("fhirdb") / "nhc.sqlite3"
    app = create_app(Settings(data_dir=county, database_url=f"sqlite:///{db}"))
    # The FHIR API is part of the app, mounted directly: it answers in FHIR, never 404.
    answer = TestClient(app).get("/fhir/metadata")
    assert answer.status_code == 200 and answer.json()["resourceType"] == "CapabilityStatement"
    svc = app.state.insights
    home = svc._rows("SELECT neighbourhood FROM pi GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0][0]
    mine = svc._rows("SELECT patient_id FROM pi WHERE neighbourhood = ? ORDER BY 1 LIMIT 1", [home])[0][0]
    other = svc._rows("SELECT patient_id FROM pi WHERE neighbourhood <> ? ORDER BY 1 LIMIT 1", [home])[0][0]
    nhs = svc._rows("SELECT nhs_number FROM people WHERE patient_id = ?", [mine])[0][0]
    app.state.security.create_user("cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=[home])
    app.state.security.create_user("ana", "Ana", "analyst", password=PASSWORD)

    def client(user=None):
        c = TestClient(app, follow_redirects=False)
        if user:
            tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
            assert (
                c.post(
                    "/sign-in", data={"username": user, "password": PASSWORD, "csrf_token": tok}
                ).status_code
                == 303
            )
        return c

    yield {
        "app": app,
        "client": client,
        "mine": mine,
        "other": other,
        "nhs": nhs,
        "care": _care_records(app, {"mine": mine, "other": other}),
    }
    app.state.security.db.dispose()


def _care_records(app, people: dict[str, int]) -> dict[str, dict[str, int]]:
    """A referral, an episode, a plan and a task for the test's patients (recorded by the system, as the CLI does)."""

    class _Req:  # care() only needs request.app
        pass

    req = _Req()
    req.app = app  # type: ignore[attr-defined]
    svc = care(req)  # type: ignore[arg-type]
    out: dict[str, dict[str, int]] = {}
    for who, pid in people.items():
        nb = app.state.insights.patient_neighbourhood(pid)
        staff = svc.add_staff(None, f"Nurse {who}", "community_nurse", nb, capacity=5)
        ref = svc.create_task(
            None, nb, "Please admit", "2030-01-01", kind="referral", patient_id=pid, to_service="virtual_ward"
        )
        ep = svc.admit(None, pid, source="referral", referral_id=ref.id, reason="GP referral")
        plan = svc.create_care_plan(
            None, ep.id, what_matters="Home", goals=["Walk"], review_date="2030-01-01"
        )
        task = svc.create_task(
            None, nb, "Visit", "2030-01-02", owner_staff_id=staff.id, patient_id=pid, episode_id=ep.id
        )
        out[who] = {"episode": ep.id, "plan": plan.id, "task": task.id, "referral": ref.id}
    return out


def _audit(app) -> list[tuple]:
    with app.state.security.db.unit_of_work() as s:
        rows = s.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "fhir_read").order_by(AuditEvent.id)
        )
        return [(e.username, e.patient_id, e.outcome) for e in rows]


def test_fhir_needs_sign_in_and_a_clinical_role(fhir) -> None:
    # issue 15: the CapabilityStatement is public (SMART clients read it before they have a token);
    # everything person-level needs a sign-in or a token: 401 with a Bearer challenge
    assert fhir["client"]().get("/fhir/metadata").status_code == 200
    r = fhir["client"]().get(f"/fhir/Patient/{fhir['mine']}")
    assert r.status_code == 401 and r.json()["resourceType"] == "OperationOutcome"
    assert r.headers["www-authenticate"].startswith("Bearer")
    ana = fhir["client"]("ana")
    assert ana.get("/fhir/metadata").status_code == 200
    r = ana.get(f"/fhir/Patient/{fhir['mine']}")
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/fhir+json")


def test_fhir_relationship_checks_and_audit(fhir) -> None:
    cli = fhir["client"]("cli")
    mine, other = fhir["mine"], fhir["other"]
    r = cli.get(f"/fhir/Patient/{mine}")
    assert r.status_code == 200 and r.json()["id"] == str(mine)
    r = cli.get(f"/fhir/Condition?patient={mine}")
    assert r.status_code == 200
    conditions = [e["resource"] for e in r.json()["entry"]]
    assert conditions and r.json()["total"] >= len(conditions)
    assert {(c["resourceType"], c["subject"]["reference"]) for c in conditions} == {
        ("Condition", f"Patient/{mine}")
    }
    r = cli.get(f"/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{fhir['nhs']}")
    assert r.status_code == 200
    assert r.json()["total"] == 1 and [e["resource"]["id"] for e in r.json()["entry"]] == [str(mine)]
    assert cli.get(f"/fhir/Patient/{other}").status_code == 403
    assert cli.get(f"/fhir/Patient/{other}/$everything").status_code == 403
    r = cli.get("/fhir/Condition?code=44054006")
    assert r.status_code == 403 and "one person" in r.json()["issue"][0]["diagnostics"]
    assert cli.get("/fhir/Patient/999999999").status_code == 403  # no relationship with an unknown id
    assert cli.get("/fhir/Patient/not-a-number").status_code == 404  # the router's own answer
    # Self-contained (tests may run on different workers): an analyst's refused read is audited too.
    assert fhir["client"]("ana").get(f"/fhir/Patient/{mine}").status_code == 403
    log = _audit(fhir["app"])
    assert ("cli", mine, "success") in log and ("cli", other, "denied") in log
    # The population-wide search names no one; the analyst's refused read names the person asked about
    # (audit rows carry the resolved patient id, so the read shows in that person's audit trail).
    assert ("cli", None, "denied") in log and ("ana", mine, "denied") in log


def _entries(r) -> list[dict]:
    assert r.status_code == 200, r.text
    return [e["resource"] for e in r.json().get("entry", [])]


def test_episodes_from_the_lake_and_the_care_record_are_searched_and_read_together(fhir) -> None:
    cli, mine = fhir["client"]("cli"), fhir["mine"]
    episodes = _entries(cli.get(f"/fhir/EpisodeOfCare?patient={mine}"))
    ids = [e["id"] for e in episodes]
    assert any(i.startswith("reg-") for i in ids)  # the GP registration, from the lake
    assert f"care-episode-{fhir['care']['mine']['episode']}" in ids  # the virtual-ward stay, from care
    assert all(e["patient"]["reference"] == f"Patient/{mine}" for e in episodes)
    for episode in episodes:  # every id a search returns reads back (lake ids answered 422 before)
        r = cli.get(f"/fhir/EpisodeOfCare/{episode['id']}")
        assert r.status_code == 200 and r.json() == episode


def test_care_resources_are_searchable_and_refused_to_outsiders(fhir) -> None:
    cli, mine, other, care = fhir["client"]("cli"), fhir["mine"], fhir["other"], fhir["care"]
    plans = _entries(cli.get(f"/fhir/CarePlan?patient={mine}"))
    assert [p["id"] for p in plans] == [f"care-plan-{care['mine']['plan']}"]
    assert plans[0]["subject"] == {"reference": f"Patient/{mine}"}
    tasks = _entries(cli.get(f"/fhir/Task?subject=Patient/{mine}"))
    assert [t["id"] for t in tasks] == [
        f"care-task-{care['mine']['referral']}",
        f"care-task-{care['mine']['task']}",
    ]
    referrals = _entries(cli.get(f"/fhir/ServiceRequest?patient={mine}"))
    assert [r["id"] for r in referrals] == [f"care-referral-{care['mine']['referral']}"]
    teams = _entries(cli.get(f"/fhir/CareTeam?patient={mine}"))
    assert [t["id"] for t in teams] == [f"care-episode-{care['mine']['episode']}-team"]
    # The one access decision: another neighbourhood's patient is refused, on search and read alike.
    assert cli.get(f"/fhir/CarePlan?patient={other}").status_code == 403
    assert cli.get(f"/fhir/CarePlan/care-plan-{care['other']['plan']}").status_code == 403
    assert cli.get(f"/fhir/CarePlan?_id=care-plan-{care['other']['plan']}").status_code == 403
    assert cli.get("/fhir/CarePlan").status_code == 403  # population-wide
    log = _audit(fhir["app"])
    assert ("cli", other, "denied") in log and ("cli", mine, "success") in log


def test_everything_includes_the_care_record(fhir) -> None:
    cli, mine, care = fhir["client"]("cli"), fhir["mine"], fhir["care"]
    resources = _entries(cli.get(f"/fhir/Patient/{mine}/$everything"))
    ids = {(r["resourceType"], r["id"]) for r in resources}
    assert resources[0] == {**resources[0], "resourceType": "Patient", "id": str(mine)}
    assert ("CarePlan", f"care-plan-{care['mine']['plan']}") in ids
    assert ("EpisodeOfCare", f"care-episode-{care['mine']['episode']}") in ids
    assert ("Task", f"care-task-{care['mine']['task']}") in ids
    assert not any(r["id"] == f"care-plan-{care['other']['plan']}" for r in resources)


def test_capability_statement_lists_lake_and_care_types_with_their_parameters(fhir) -> None:
    meta = fhir["client"]("cli").get("/fhir/metadata").json()
    types = {t["type"]: t for t in meta["rest"][0]["resource"]}
    for rtype in ("Patient", "Condition", "EpisodeOfCare", "CarePlan", "CareTeam", "Task", "ServiceRequest"):
        assert rtype in types
    assert {p["name"] for p in types["CarePlan"]["searchParam"]} == {
        "patient",
        "subject",
        "_id",
        "_lastUpdated",
    }
    assert {p["name"] for p in types["EpisodeOfCare"]["searchParam"]} == {
        "patient",
        "subject",
        "code",
        "date",
        "_id",
        "_lastUpdated",
    }
    assert {p["name"] for p in types["Patient"]["searchParam"]} == {"identifier", "_id", "_lastUpdated"}
    assert [o["name"] for o in types["Patient"]["operation"]] == ["everything"]
    assert [o["name"] for o in types["EpisodeOfCare"]["operation"]] == ["care-record"]


def test_every_fhir_error_is_an_operation_outcome_with_severity_error(fhir) -> None:
    cli, other = fhir["client"]("cli"), fhir["other"]
    answers = {
        401: fhir["client"]().get(f"/fhir/Patient/{other}"),  # no credentials (metadata is public: issue 15)
        403: cli.get(f"/fhir/Patient/{other}"),  # the app's handler (access refused)
        400: cli.get("/fhir/Observation?patient=1&date=ge2025-02-30"),  # the router
        404: cli.get("/fhir/Patient/not-a-number"),  # the router
        422: cli.get("/fhir/EpisodeOfCare/not-an-id"),  # the router (a care id that cannot be one)
    }
    codes = {401: "login", 403: "forbidden", 400: "invalid", 404: "not-found", 422: "invalid"}
    for status, r in answers.items():
        assert r.status_code == status and r.headers["content-type"].startswith("application/fhir+json")
        [issue] = r.json()["issue"]
        assert (r.json()["resourceType"], issue["severity"], issue["code"]) == (
            "OperationOutcome",
            "error",
            codes[status],
        )
