"""Care records as FHIR R4 resources, validated against the ``fhir.resources`` R4 models."""

from __future__ import annotations

import pytest

from nhc.care import domain as d
from nhc.care import fhir
from nhc.care.services import CareService
from nhc.fhir.server import FhirError, FhirServer, Sources, User
from nhc.fhir.validate import validate_resource
from tests.care.conftest import NB, Team

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def valid(resource: dict) -> dict:
    problem = validate_resource(resource)
    assert problem is None, f"{resource['resourceType']}: {problem}"
    return resource


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_care_records_map_to_valid_fhir_r4(care: CareService, team: Team) -> None:
    ref = care.create_task(
        team.lead,
        NB,
        "Please admit",
        "2026-04-03",
        kind="referral",
        patient_id=101,
        from_service="gp_practice",
        to_service="virtual_ward",
        detail="breathless",
    )
    ep = care.admit(team.lead, 101, source="referral", referral_id=ref.id, reason="GP referral")
    care.accept_allocation(team.lead, care.propose_allocation(team.lead, NB).id)
    ep = care.episode(team.lead, ep.id).episode
    eoc = valid(fhir.episode_of_care(ep))
    assert eoc["status"] == "active" and eoc["patient"] == {"reference": "Patient/101"}
    assert eoc["careManager"]["reference"].startswith("Practitioner/staff-")
    assert eoc["referralRequest"] == [{"reference": f"ServiceRequest/care-referral-{ref.id}"}]

    team_res = valid(fhir.care_team(NB, care.list_staff(NB)))
    assert len(team_res["participant"]) == 5 and team_res["id"] == "team-headington"
    valid(fhir.care_team(NB, care.list_staff(NB)[:2], episode=ep))

    plan = care.create_care_plan(
        team.lead,
        ep.id,
        what_matters="Home",
        goals=["Walk"],
        review_date="2026-05-01",
        actions=[{"action": "Physio", "owner": "Phil", "due": "2026-04-20"}],
    )
    plan = care.update_care_plan(
        team.lead,
        plan.id,
        1,
        what_matters="Home, with my cat",
        goals=["Walk", "Cook"],
        review_date="2026-05-01",
    )
    cp = valid(fhir.care_plan(plan))
    assert cp["meta"]["versionId"] == "2" and [g["description"]["text"] for g in cp["contained"]] == [
        "Walk",
        "Cook",
    ]

    t = care.create_task(
        team.lead, NB, "Medicines review", "2026-04-05", owner_staff_id=team.pharmacist, episode_id=ep.id
    )
    tr = valid(fhir.task(t))
    assert tr["status"] == "ready" and tr["owner"]["display"] == "Phil Pharmacist"
    board = care.board(team.lead, NB, kind="referral")
    referral = board["accepted"][0]
    sr = valid(fhir.service_request(referral))
    assert sr["status"] == "active" and sr["performerType"]["coding"][0]["code"] == "virtual_ward"
    valid(fhir.task(referral))
    done = care.change_status(team.lead, ep.id, "discharged", outcome="self_care")
    assert valid(fhir.episode_of_care(done))["status"] == "finished"
    with pytest.raises(d.InvalidCareInput, match="not a referral"):
        fhir.service_request(t)


# --- care resources through the FHIR server (the dispatcher), with no lake -------------------------------
def _care_server(care: CareService) -> tuple[FhirServer, User, list]:
    """The FHIR server over the care record only, and a user whose access decision records what it
    was asked about (the resolved patient ids) and allows it."""
    asked: list = []
    return FhirServer(Sources(care=care)), User("tester", guard=asked.append), asked


def _ids(server: FhirServer, user: User, rtype: str, **params: str) -> list[str]:
    resources, total, _ = server.search(user, rtype, list(params.items()))
    assert total == len(resources)
    return [r["id"] for r in resources]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_care_resources_are_searchable_by_patient(care: CareService, team: Team) -> None:
    ep = care.admit(team.lead, 101, worklist="high_risk")
    plan = care.create_care_plan(
        team.lead, ep.id, what_matters="Home", goals=["Walk"], review_date="2026-05-01"
    )
    task = care.create_task(
        team.lead,
        NB,
        "Medicines review",
        "2026-04-05",
        owner_staff_id=team.pharmacist,
        patient_id=101,
        episode_id=ep.id,
    )
    ref = care.create_task(
        team.lead, NB, "Please see", "2026-04-06", kind="referral", patient_id=101, to_service="virtual_ward"
    )
    care.create_task(
        team.lead, NB, "Team huddle", "2026-04-07", owner_staff_id=team.nurse_a
    )  # about no one: not person-level
    care.admit(team.lead, 102, worklist="care_home")
    server, user, asked = _care_server(care)

    assert _ids(server, user, "CarePlan", patient="101") == [f"care-plan-{plan.id}"]
    assert _ids(server, user, "EpisodeOfCare", patient="Patient/101") == [f"care-episode-{ep.id}"]
    assert _ids(server, user, "CareTeam", subject="101") == [f"care-episode-{ep.id}-team"]
    assert _ids(server, user, "Task", patient="101") == [f"care-task-{task.id}", f"care-task-{ref.id}"]
    assert _ids(server, user, "ServiceRequest", patient="101") == [f"care-referral-{ref.id}"]
    assert asked == [frozenset({101})] * 5  # one decision per request, on the patient named
    assert _ids(server, user, "CarePlan", patient="102") == []  # 102 has an episode but no plan
    # EpisodeOfCare's code is the episode type, its date the admission (the clock says 2026-04-01).
    assert _ids(server, user, "EpisodeOfCare", patient="101", code="virtual-ward") == [
        f"care-episode-{ep.id}"
    ]
    assert _ids(server, user, "EpisodeOfCare", patient="101", code="care-home") == []
    assert _ids(server, user, "EpisodeOfCare", patient="101", date="2026-04") == [f"care-episode-{ep.id}"]
    assert _ids(server, user, "EpisodeOfCare", patient="101", date="lt2026-04-01") == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_care_id_a_search_returns_reads_back(care: CareService, team: Team) -> None:
    ep = care.admit(team.lead, 101, worklist="high_risk")
    plan = care.create_care_plan(
        team.lead, ep.id, what_matters="Home", goals=["Walk"], review_date="2026-05-01"
    )
    care.create_task(
        team.lead, NB, "Referral", "2026-04-06", kind="referral", patient_id=101, to_service="gp_practice"
    )
    server, user, asked = _care_server(care)
    for rtype in ("EpisodeOfCare", "CarePlan", "CareTeam", "Task", "ServiceRequest"):
        found, _, _ = server.search(user, rtype, [("patient", "101")])
        assert found, rtype
        for resource in found:
            valid(resource)
            asked.clear()
            assert server.read(user, rtype, resource["id"]) == resource
            assert asked == [frozenset({101})]  # decided on the owner the id resolves to
    asked.clear()  # _id resolves to the record's owner before the decision
    assert _ids(server, user, "CarePlan", _id=f"care-plan-{plan.id}") == [f"care-plan-{plan.id}"]
    assert asked == [frozenset({101})]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_care_ids_malformed_unknown_or_past_32_bits(care: CareService, team: Team) -> None:
    server, user, asked = _care_server(care)
    for rtype, bad in (
        ("CarePlan", "not-a-number"),
        ("CarePlan", str(2**31)),
        ("EpisodeOfCare", "care-episode-１２"),
        ("CareTeam", "team-headington"),
    ):
        with pytest.raises(FhirError) as err:
            server.read(user, rtype, bad)
        assert err.value.status == 422 and bad[:20] in err.value.message
    assert asked == []  # refused before any lookup or decision
    with pytest.raises(FhirError) as err:
        server.read(user, "CarePlan", "care-plan-4242")
    assert err.value.status == 404 and asked == [frozenset()]  # decided (and audited) as a miss
    with pytest.raises(FhirError) as err:
        server.search(user, "Condition", [("patient", "101")])
    assert err.value.status == 404  # without the lake, lake types are not served


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_care_record_operation_through_the_server(care: CareService, team: Team) -> None:
    ep = care.admit(team.lead, 101, worklist="high_risk")
    care.create_care_plan(team.lead, ep.id, what_matters="Home", goals=["Walk"], review_date="2026-05-01")
    care.create_task(
        team.lead, NB, "Call", "2026-04-06", owner_staff_id=team.nurse_a, patient_id=101, episode_id=ep.id
    )
    server, user, asked = _care_server(care)
    record = server.care_record(user, f"care-episode-{ep.id}")
    assert [r["resourceType"] for r in record] == ["EpisodeOfCare", "CareTeam", "CarePlan", "Task"]
    assert asked == [frozenset({101})]
    types = {t["type"]: t for t in server.capability("http://x/fhir")["rest"][0]["resource"]}
    assert set(types) == {"EpisodeOfCare", "CarePlan", "CareTeam", "Task", "ServiceRequest"}
    assert {p["name"] for p in types["CarePlan"]["searchParam"]} == {
        "patient",
        "subject",
        "_id",
        "_lastUpdated",
    }
    assert types["EpisodeOfCare"]["operation"][0]["name"] == "care-record"
