"""Care records as FHIR R4 resources, validated against the ``fhir.resources`` R4 models."""

from __future__ import annotations

import pytest

from nhc.care import domain as d
from nhc.care import fhir
from nhc.care.services import CareService
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
