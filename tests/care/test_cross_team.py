"""Finding 4 of the security review: every care write checks the user's relationship to the patient
(where the patient is registered, not which team's board the record sits on) AND membership of the
team whose records change, and is audited."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from nhc.care import domain as d
from nhc.care.models import Task
from nhc.care.services import CareService
from nhc.security.service import AccessDenied
from tests.care.conftest import NB, OTHER_NB, Team
from tests.care.test_services import audit as _audit

DUE = dt.date(2026, 4, 10)


def _task(care: CareService, task_id: int) -> Task:
    with care.db.unit_of_work() as s:
        return s.get(Task, task_id)


def test_a_clinician_cannot_file_a_task_on_another_teams_board(care: CareService, team: Team) -> None:
    with pytest.raises(AccessDenied, match=f"not a member of the {OTHER_NB}"):
        care.create_task(
            team.lead, OTHER_NB, "Check inhalers", DUE, owner_staff_id=team.nurse_a, patient_id=101
        )
    refused = _audit(care, action="care_task_create", outcome="denied")
    assert [(e.username, e.patient_id) for e in refused] == [("lead", 101)]
    with care.db.unit_of_work() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Task)) == 0


def test_another_team_cannot_update_a_task_about_a_patient_it_has_no_relationship_with(
    care: CareService, team: Team
) -> None:
    # A task as the old code let a Headington clinician file it: on East Oxford's board, about a
    # Headington patient. East Oxford's clinician is refused the patient, so is refused the task.
    with care.db.unit_of_work() as s:
        t = Task(
            kind="task",
            neighbourhood=OTHER_NB,
            patient_id=101,
            title="Check inhalers",
            owner_staff_id=team.nurse_a,
            due_on=DUE,
            status="todo",
            created_by="lead",
            created_at=dt.datetime(2026, 4, 1),
            updated_at=dt.datetime(2026, 4, 1),
        )
        s.add(t)
        s.flush()
        task_id = t.id
    with pytest.raises(AccessDenied, match="legitimate relationship"):
        care.update_task(team.outsider, task_id, "done")
    assert _task(care, task_id).status == "todo"
    assert [(e.username, e.outcome) for e in _audit(care, action="care_task_update")] == [
        ("outsider", "denied")
    ]


def test_admitting_from_another_teams_referral_is_refused_and_leaves_it_unchanged(
    care: CareService, team: Team
) -> None:
    ref = care.create_task(
        team.outsider, OTHER_NB, "Please assess", DUE, kind="referral", to_service="virtual_ward"
    )
    with pytest.raises(d.InvalidCareInput, match="held by another team"):
        care.admit(team.lead, 101, source="referral", reason="referred", referral_id=ref.id)
    assert _task(care, ref.id).status == "requested"
    assert _audit(care, action="care_admitted") == []


def test_admitting_from_the_teams_own_referral_accepts_it_in_the_same_audited_transaction(
    care: CareService, team: Team
) -> None:
    ref = care.create_task(team.lead, NB, "Please assess", DUE, kind="referral", to_service="virtual_ward")
    ep = care.admit(team.lead, 101, source="referral", reason="referred", referral_id=ref.id)
    assert _task(care, ref.id).status == "accepted"
    accepted = _audit(care, action="care_referral_updated")
    assert [(e.username, e.patient_id, e.resource) for e in accepted] == [
        ("lead", 101, f"care_task:{ref.id}")
    ]
    admitted = _audit(care, action="care_admitted")[0]
    assert admitted.resource == f"care_episode:{ep.id}"


def test_a_clinician_with_break_glass_on_a_patient_still_cannot_write_into_another_teams_records(
    care: CareService, team: Team, security
) -> None:
    ep = care.admit(team.lead, 101, worklist="high_risk")
    security.break_glass(team.outsider, 101, "Emergency department asked for the plan")
    care.episode(team.outsider, ep.id)  # break-glass lets them read it
    with pytest.raises(AccessDenied, match=f"not a member of the {NB}"):
        care.set_review(team.outsider, ep.id, "2026-04-20")
    with pytest.raises(AccessDenied, match=f"not a member of the {NB}"):
        care.create_care_plan(
            team.outsider, ep.id, what_matters="Home", goals=["Walk"], review_date="2026-05-01"
        )


def test_named_staff_loads_are_for_the_team_only(care: CareService, team: Team) -> None:
    names = [s.name for s in care.list_staff(NB, principal=team.lead)]
    assert "Nina Nurse" in names
    with pytest.raises(AccessDenied, match=f"not a member of the {NB}"):
        care.list_staff(NB, principal=team.outsider)
    with pytest.raises(AccessDenied, match="cannot work with"):
        care.list_staff(NB, principal=team.analyst)


def test_full_width_or_superscript_digits_are_not_a_patient_id(care: CareService, team: Team) -> None:
    for spelling in ("１０１", "10¹", "²"):
        with pytest.raises(d.InvalidCareInput, match="whole number"):
            care.admit(team.lead, spelling, worklist="high_risk")
