"""The care service on SQLite and PostgreSQL: caseload, allocation, MDT, care plans, tasks, and the
security layer (permission checks and audit) around all of them."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from nhc.care import domain as d
from nhc.care.models import Assignment, CarePlanVersion
from nhc.care.services import CareService
from nhc.security.models import AuditEvent, CareRelationship
from nhc.security.service import AccessDenied
from tests.care.conftest import NB, OTHER_NB, Team


def audit(care: CareService, **where) -> list[AuditEvent]:
    with care.db.unit_of_work() as s:
        q = sa.select(AuditEvent).order_by(AuditEvent.id)
        for k, v in where.items():
            q = q.where(getattr(AuditEvent, k) == v)
        return list(s.scalars(q))


# ------------------------------------------------------------------------------------------ staff


def test_staff_need_a_known_role_neighbourhood_and_sane_capacity(care: CareService) -> None:
    with pytest.raises(d.InvalidCareInput, match="unknown team role 'wizard'"):
        care.add_staff(None, "X", "wizard", NB)
    with pytest.raises(d.NotFoundError, match="no neighbourhood called 'Atlantis'"):
        care.add_staff(None, "X", "gp", "Atlantis")
    with pytest.raises(d.InvalidCareInput, match="capacity must be 0-200"):
        care.add_staff(None, "X", "gp", NB, capacity=-1)
    with pytest.raises(d.InvalidCareInput, match="unknown skill"):
        care.add_staff(None, "X", "gp", NB, skills="flying")
    gp = care.add_staff(None, "Dr G", "gp", NB, capacity=12)
    assert gp.skills == ("medical", "prescribing") and gp.locality == "Oxford City" and gp.room == 12


def test_absence_dates_are_checked(care: CareService, team: Team) -> None:
    with pytest.raises(d.InvalidCareInput, match="cannot end"):
        care.add_absence(team.lead, team.nurse_a, "2026-04-10", "2026-04-01")
    with pytest.raises(AccessDenied):
        care.add_absence(team.outsider, team.nurse_a, "2026-04-01", "2026-04-10")
    care.add_absence(team.lead, team.nurse_a, "2026-04-01", "2026-04-10", "annual leave")
    nina = next(s for s in care.list_staff(NB) if s.id == team.nurse_a)
    assert nina.absent and nina.absent_until == dt.date(2026, 4, 10)


# --------------------------------------------------------------------------------------- caseload


def test_admit_from_worklist_takes_reason_and_risk_from_the_insights(care: CareService, team: Team) -> None:
    ep = care.admit(team.lead, 101, worklist="high_risk")
    assert ep.reason == "risk 62%; 3 emergency admissions"
    assert ep.risk_at_admission == pytest.approx(0.62) and ep.band_at_admission == "high"
    assert ep.points == 3 and ep.needs == ("nursing",) and ep.status == "active"
    assert ep.review_due == dt.date(2026, 4, 8) and ep.length_of_stay == 0
    home = care.admit(team.lead, 102, worklist="care_home", reason="  ")
    assert set(home.needs) == {"care_home", "nursing"} and home.reason.startswith("care home resident")
    events = audit(care, patient_id=101)
    assert [(e.action, e.outcome) for e in events] == [
        ("care_admit", "success"),
        ("care_admitted", "success"),
    ]
    assert events[0].username == "lead"


def test_admission_refusals_are_clear(care: CareService, team: Team) -> None:
    with pytest.raises(d.UnknownPatient, match="no person with id 999"):
        care.admit(team.lead, 999, worklist="high_risk")
    assert audit(care, patient_id=999)[0].outcome == "not_found"
    with pytest.raises(d.InvalidCareInput, match="whole number"):
        care.admit(team.lead, "abc", worklist="high_risk")
    with pytest.raises(d.InvalidCareInput, match="not on the 'care_home' worklist"):
        care.admit(team.lead, 101, worklist="care_home")
    with pytest.raises(AccessDenied, match="legitimate relationship"):
        care.admit(team.outsider, 101, worklist="high_risk")
    with pytest.raises(AccessDenied, match="individual people"):
        care.admit(team.analyst, 101, worklist="high_risk")
    assert [e.outcome for e in audit(care, patient_id=101)] == ["success", "denied", "denied"]
    care.admit(team.lead, 101, worklist="high_risk")
    with pytest.raises(d.ConflictError, match="already on the caseload"):
        care.admit(team.lead, 101, worklist="high_risk")
    with pytest.raises(d.InvalidCareInput, match="needs the referral"):
        care.admit(team.lead, 103, source="referral", reason="x")


def test_step_down_and_discharge_with_outcome_and_length_of_stay(
    care: CareService, team: Team, clock
) -> None:
    ep = care.admit(team.lead, 103, worklist="high_risk")
    clock.advance(days=5)
    ep = care.change_status(team.lead, ep.id, "stepped_down")
    assert ep.status == "stepped_down" and ep.length_of_stay == 5
    with pytest.raises(d.InvalidCareInput, match="needs an outcome"):
        care.change_status(team.lead, ep.id, "discharged")
    with pytest.raises(d.StaleVersion, match="current version is 2"):
        care.change_status(team.lead, ep.id, "active", expected_version=1)
    clock.advance(days=2)
    ep = care.change_status(team.lead, ep.id, "discharged", outcome="admission_avoided")
    assert (
        ep.outcome == "admission_avoided"
        and ep.discharged_on == dt.date(2026, 4, 8)
        and ep.length_of_stay == 7
    )
    with pytest.raises(d.ConflictError, match="discharged cannot become active"):
        care.change_status(team.lead, ep.id, "active")
    assert [e.id for e in care.caseload(team.lead, NB)] == []
    assert [e.id for e in care.caseload(team.lead, NB, status="discharged")] == [ep.id]


def test_caseload_list_is_for_the_neighbourhood_team_only(care: CareService, team: Team) -> None:
    care.admit(team.lead, 101, worklist="high_risk")
    assert len(care.caseload(team.nurse_user, NB)) == 1
    with pytest.raises(AccessDenied, match="not a member of the Headington"):
        care.caseload(team.outsider, NB)
    assert audit(care, username="outsider")[-1].outcome == "denied"


# ------------------------------------------------------------------------------------- allocation


def _admit_all(care: CareService, team: Team) -> dict[int, int]:
    eps = {
        101: care.admit(team.lead, 101, worklist="high_risk").id,  # nursing, 3 points
        102: care.admit(team.lead, 102, worklist="care_home").id,  # care_home+nursing, 2 points
        103: care.admit(team.lead, 103, worklist="high_risk").id,  # nursing, 1 point
        104: care.admit(team.lead, 104, worklist="high_risk", needs="mental_health").id,  # 2 points
    }
    return eps


def test_propose_then_accept_persists_assignments_with_reasons(care: CareService, team: Team) -> None:
    eps = _admit_all(care, team)
    proposal = care.propose_allocation(team.lead, NB)
    assert proposal.status == "proposed" and proposal.method == "cp-sat" and not proposal.unassigned
    by_ep = {i.episode_id: i for i in proposal.items}
    assert by_ep[eps[102]].staff_id == team.care_home
    assert by_ep[eps[104]].staff_id == team.mh_worker
    assert "same neighbourhood (Headington)" in by_ep[eps[101]].reason
    # Nothing changes until the lead accepts.
    assert all(e.staff_id is None for e in care.caseload(team.lead, NB))
    accepted = care.accept_allocation(team.lead, proposal.id)
    assert accepted.status == "accepted" and accepted.decided_by == "lead"
    staff_of = {e.id: e.staff_id for e in care.caseload(team.lead, NB)}
    assert staff_of == {i.episode_id: i.staff_id for i in proposal.items}
    with pytest.raises(d.ConflictError, match="is accepted, not waiting"):
        care.accept_allocation(team.lead, proposal.id)
    # Loads respect capacity.
    for s in care.list_staff(NB):
        assert s.load <= s.capacity
    # A clinician given a patient gets a legitimate relationship (Nina has a user account).
    nina_patients = [e.patient_id for e in care.caseload(team.lead, NB) if e.staff_id == team.nurse_a]
    with care.db.unit_of_work() as s:
        rels = set(
            s.scalars(sa.select(CareRelationship.patient_id).where(CareRelationship.kind == "virtual_ward"))
        )
    assert rels == set(nina_patients)


def test_team_member_who_is_not_lead_cannot_allocate(care: CareService, team: Team) -> None:
    _admit_all(care, team)
    with pytest.raises(AccessDenied, match="team lead"):
        care.propose_allocation(team.nurse_user, NB)
    with pytest.raises(AccessDenied):
        care.propose_allocation(team.outsider, NB)


def test_override_is_checked_and_persisted_with_who_and_why(care: CareService, team: Team) -> None:
    eps = _admit_all(care, team)
    care.accept_allocation(team.lead, care.propose_allocation(team.lead, NB).id)
    with pytest.raises(d.MissingSkills, match=r"Phil Pharmacist does not have the skills.*nursing"):
        care.override_assignment(team.lead, eps[101], team.pharmacist, "knows the family")
    with pytest.raises(d.InvalidCareInput, match="reason for the override is required"):
        care.override_assignment(team.lead, eps[101], team.nurse_b, "")
    tiny = care.add_staff(None, "Tia Tiny", "community_nurse", NB, capacity=1)
    with pytest.raises(d.OverCapacity, match=r"Tia Tiny would be over capacity: 0 \+ 3 points > 1"):
        care.override_assignment(team.lead, eps[101], tiny.id, "continuity")
    care.add_absence(team.lead, team.nurse_b, "2026-04-01", "2026-04-03")
    with pytest.raises(d.StaffAbsent, match="Ben Nurse is absent until 03 Apr 2026"):
        care.override_assignment(team.lead, eps[103], team.nurse_b, "continuity")
    # A valid override: the mental health worker also nurses.
    ep = care.override_assignment(team.lead, eps[103], team.mh_worker, "knows the patient from clinic")
    assert ep.staff_id == team.mh_worker and ep.staff_name == "Mo Link"
    detail = care.episode(team.lead, eps[103])
    latest = detail.assignments[0]
    assert (latest.source, latest.decided_by, latest.why) == (
        "override",
        "lead",
        "knows the patient from clinic",
    )
    assert detail.assignments[1].ended_at is not None
    last = audit(care, action="care_allocation_override")[-1]
    assert last.reason == "knows the patient from clinic" and last.username == "lead"


def test_rebalance_reproposes_only_the_absent_persons_patients(care: CareService, team: Team) -> None:
    _admit_all(care, team)
    care.accept_allocation(team.lead, care.propose_allocation(team.lead, NB).id)
    before = {e.id: e.staff_id for e in care.caseload(team.lead, NB)}
    nina_eps = {eid for eid, sid in before.items() if sid == team.nurse_a}
    assert nina_eps, "Nina should have patients"
    care.add_absence(team.lead, team.nurse_a, "2026-04-01", "2026-04-14", "sick leave")
    proposal = care.propose_allocation(team.lead, NB, rebalance=True)
    assert proposal.kind == "rebalance" and {i.episode_id for i in proposal.items} == nina_eps
    assert all(i.staff_id != team.nurse_a for i in proposal.items)
    assert all("absent until 14 Apr" in i.reason for i in proposal.assigned)
    assert "Nina Nurse" in (proposal.note or "")
    care.accept_allocation(team.lead, proposal.id)
    after = {e.id: e.staff_id for e in care.caseload(team.lead, NB)}
    assert all(after[e] == before[e] for e in before if e not in nina_eps)
    assert all(after[e] != team.nurse_a for e in nina_eps)


def test_accept_is_all_or_nothing_when_the_caseload_changed(care: CareService, team: Team) -> None:
    _admit_all(care, team)
    proposal = care.propose_allocation(team.lead, NB)
    # Someone shrinks a proposed person's capacity before the lead accepts.
    target = next(i.staff_id for i in proposal.assigned if i.staff_id == team.care_home)
    from nhc.care.models import Staff

    with care.db.unit_of_work() as s:
        s.get(Staff, target).capacity = 0
    with pytest.raises(d.ConflictError, match=r"over capacity.*nothing was changed"):
        care.accept_allocation(team.lead, proposal.id)
    assert all(e.staff_id is None for e in care.caseload(team.lead, NB))
    assert care.proposal(team.lead, proposal.id).status == "proposed"
    with care.db.unit_of_work() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0


def test_unallocatable_patients_are_reported_not_dropped(care: CareService, team: Team, directory) -> None:
    directory.add(
        {
            "patient_id": 105,
            "neighbourhood": NB,
            "risk": 0.1,
            "band": "moderate",
            "worklists": {"high_risk": "x"},
        }
    )
    ep = care.admit(team.lead, 105, worklist="high_risk", needs="mobility")
    proposal = care.propose_allocation(team.lead, NB)
    item = next(i for i in proposal.items if i.episode_id == ep.id)
    assert item.staff_id is None and "nobody has all of: mobility" in item.reason


# -------------------------------------------------------------------------------------------- MDT


def test_mdt_agenda_and_decisions_become_tasks(care: CareService, team: Team, clock, directory) -> None:
    eps = _admit_all(care, team)
    first = care.create_meeting(team.lead, NB, "2026-04-01")
    assert {i.episode_id for i in first.items} == set(eps.values())
    assert all("new_admission" in i.reasons for i in first.items)
    clock.advance(days=10)  # reviews (due 8 April) are now overdue
    care.set_review(team.lead, eps[103], "2026-04-20")
    care.record_event(team.nurse_user, eps[101], "emergency_attendance", "2026-04-09", "fall at home")
    directory.people[102]["risk"] = 0.45  # up from 31%
    directory.people[104]["ae_12m"] = 3  # was 1 at admission
    meeting = care.create_meeting(team.nurse_user, NB, "2026-04-11")
    items = {i.episode_id: i for i in meeting.items}
    assert eps[103] not in items  # review not due, nothing new
    assert items[eps[101]].reasons == ("deteriorated", "overdue_review")
    assert "Emergency (A&E) attendance on 09 Apr" in items[eps[101]].detail
    assert "risk up from 31% to 45%" in items[eps[102]].detail
    assert items[eps[104]].reasons == ("deteriorated", "overdue_review")
    assert "2 new A&E attendances in the insight tables" in items[eps[104]].detail
    assert meeting.items[0].reasons[0] == "deteriorated"
    item = items[eps[101]]
    with pytest.raises(d.InvalidCareInput, match="needs an owner"):
        care.record_decision(
            team.lead, item.id, "increase visits", [{"title": "Daily visit", "due_on": "2026-04-12"}]
        )
    decided = care.record_decision(
        team.lead,
        item.id,
        "increase visits; medicines review",
        [
            {"title": "Daily visit for a week", "owner_staff_id": team.nurse_b, "due_on": "2026-04-12"},
            {"title": "Medicines review", "owner_staff_id": team.pharmacist, "due_on": "2026-04-15"},
        ],
        review_due="2026-04-18",
    )
    assert decided.decision.startswith("increase visits") and len(decided.tasks) == 2
    assert care.episode(team.lead, eps[101]).episode.review_due == dt.date(2026, 4, 18)
    board = care.board(team.lead, NB)
    assert [t.title for t in board["todo"]] == ["Daily visit for a week", "Medicines review"]
    assert board["todo"][1].owner_name == "Phil Pharmacist"
    with pytest.raises(AccessDenied):
        care.meeting(team.outsider, meeting.id)


# ------------------------------------------------------------------------------------- care plans

PLAN = {
    "what_matters": "Staying at home with my cat",
    "goals": ["Walk to the shop", "No falls"],
    "actions": [{"action": "Falls assessment", "owner": "Physio", "due": "2026-04-10"}],
    "review_date": "2026-05-01",
}


def test_care_plan_versions_and_history(care: CareService, team: Team, clock) -> None:
    ep = care.admit(team.lead, 101, worklist="high_risk")
    plan = care.create_care_plan(team.lead, ep.id, **PLAN)
    assert plan.version == 1 and plan.goals == ("Walk to the shop", "No falls") and not plan.share_token
    clock.advance(hours=1)
    plan2 = care.update_care_plan(
        team.nurse_user, plan.id, 1, **{**PLAN, "goals": ["Walk to the park"]}, shared_with_patient=True
    )
    assert plan2.version == 2 and plan2.updated_by == "nurse" and plan2.share_token
    versions = care.plan_versions(team.lead, plan.id)
    assert [(v.version, v.saved_by) for v in versions] == [(2, "nurse"), (1, "lead")]
    assert care.plan_version(team.lead, plan.id, 1).content["goals"] == ["Walk to the shop", "No falls"]
    with pytest.raises(d.NotFoundError, match="no version 7"):
        care.plan_version(team.lead, plan.id, 7)
    # Patient-facing read by the secret link, audited; unsharing revokes the link.
    shared = care.shared_plan(plan2.share_token)
    assert shared.what_matters == "Staying at home with my cat"
    assert audit(care, action="care_plan_patient_view")[-1].username == "patient-link"
    care.update_care_plan(team.lead, plan.id, 2, **PLAN, shared_with_patient=False)
    with pytest.raises(d.NotFoundError, match="no longer shared"):
        care.shared_plan(plan2.share_token)
    with pytest.raises(d.ConflictError, match="already has care plan"):
        care.create_care_plan(team.lead, ep.id, **PLAN)
    with pytest.raises(AccessDenied):
        care.care_plan(team.outsider, plan.id)
    with pytest.raises(d.InvalidCareInput, match="needs an owner"):
        care.update_care_plan(team.lead, plan.id, 3, **{**PLAN, "actions": [{"action": "x", "owner": ""}]})
    with pytest.raises(d.InvalidCareInput, match="at least one goal"):
        care.update_care_plan(team.lead, plan.id, 3, **{**PLAN, "goals": []})


def test_stale_care_plan_edit_is_refused_naming_the_current_version(care: CareService, team: Team) -> None:
    ep = care.admit(team.lead, 101, worklist="high_risk")
    plan = care.create_care_plan(team.lead, ep.id, **PLAN)
    care.update_care_plan(team.lead, plan.id, 1, **{**PLAN, "what_matters": "first"})
    with pytest.raises(d.StaleVersion, match="you edited version 1, the current version is 2") as exc:
        care.update_care_plan(team.nurse_user, plan.id, 1, **{**PLAN, "what_matters": "second"})
    assert exc.value.current == 2 and exc.value.http_status == 409
    assert care.care_plan(team.lead, plan.id).what_matters == "first"


def test_two_concurrent_edits_never_lose_an_update(care: CareService, team: Team) -> None:
    """Two writers start from version 1 at the same moment: exactly one wins, the other is told the
    plan is stale (naming version 2); both the plan and its history hold the winner's text."""
    ep = care.admit(team.lead, 101, worklist="high_risk")
    plan = care.create_care_plan(team.lead, ep.id, **PLAN)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def edit(who, principal) -> None:
        barrier.wait()
        try:
            results[who] = care.update_care_plan(
                principal, plan.id, 1, **{**PLAN, "what_matters": f"by {who}"}
            )
        except Exception as exc:
            results[who] = exc

    threads = [
        threading.Thread(target=edit, args=(w, p))
        for w, p in (("lead", team.lead), ("nurse", team.nurse_user))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    wins = [w for w, r in results.items() if not isinstance(r, Exception)]
    losses = [r for r in results.values() if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert isinstance(losses[0], d.StaleVersion) and losses[0].current == 2
    current = care.care_plan(team.lead, plan.id)
    assert current.version == 2 and current.what_matters == f"by {wins[0]}"
    with care.db.unit_of_work() as s:
        assert s.scalars(
            sa.select(CarePlanVersion.version)
            .where(CarePlanVersion.plan_id == plan.id)
            .order_by(CarePlanVersion.version)
        ).all() == [1, 2]


def test_two_sessions_editing_the_same_plan(care: CareService, team: Team) -> None:
    """The ORM's version column itself refuses the second UPDATE (not only the service's check)."""
    from sqlalchemy.orm.exc import StaleDataError

    from nhc.care.models import CarePlan

    ep = care.admit(team.lead, 101, worklist="high_risk")
    plan = care.create_care_plan(team.lead, ep.id, **PLAN)
    s1, s2 = care.db.sessions(), care.db.sessions()
    try:
        p1, p2 = s1.get(CarePlan, plan.id), s2.get(CarePlan, plan.id)
        p1.what_matters, p2.what_matters = "one", "two"
        s1.commit()
        with pytest.raises(StaleDataError):
            s2.commit()
        s2.rollback()
    finally:
        s1.close()
        s2.close()
    assert care.care_plan(team.lead, plan.id).what_matters == "one"


# ----------------------------------------------------------------------------- tasks and referrals


def test_referral_then_admission_by_referral(care: CareService, team: Team) -> None:
    with pytest.raises(d.InvalidCareInput, match="needs the service it is to"):
        care.create_task(team.lead, NB, "Refer", "2026-04-03", kind="referral", patient_id=103)
    with pytest.raises(d.UnknownPatient):
        care.create_task(
            team.lead, NB, "Refer", "2026-04-03", kind="referral", patient_id=999, to_service="virtual_ward"
        )
    ref = care.create_task(
        team.lead,
        NB,
        "Please admit: breathless",
        "2026-04-03",
        kind="referral",
        patient_id=103,
        from_service="gp_practice",
        to_service="virtual_ward",
    )
    assert ref.status == "requested"
    ep = care.admit(team.lead, 103, source="referral", referral_id=ref.id, reason="GP referral: breathless")
    assert ep.source == "referral" and ep.referral_id == ref.id
    board = care.board(team.lead, NB, kind="referral")
    assert [t.id for t in board["accepted"]] == [ref.id]
    assert board["accepted"][0].episode_id == ep.id


def test_task_status_changes_and_stale_versions(care: CareService, team: Team, clock) -> None:
    with pytest.raises(d.InvalidCareInput, match="a task needs an owner"):
        care.create_task(team.lead, NB, "Call", "2026-04-02")
    with pytest.raises(d.InvalidCareInput, match="date like"):
        care.create_task(team.lead, NB, "Call", "tomorrow", owner_staff_id=team.nurse_a)
    t = care.create_task(team.lead, NB, "Team huddle notes", "2026-04-02", owner_staff_id=team.nurse_a)
    with pytest.raises(d.InvalidCareInput, match="unknown task status 'requested'"):
        care.update_task(team.lead, t.id, "requested")
    t2 = care.update_task(team.nurse_user, t.id, "in_progress", expected_version=1)
    assert t2.version == 2 and t2.status_label == "In progress"
    with pytest.raises(d.StaleVersion, match="current version is 2"):
        care.update_task(team.lead, t.id, "done", expected_version=1)
    clock.advance(days=3)
    board = care.board(team.lead, NB)
    assert board["in_progress"][0].overdue
    with pytest.raises(AccessDenied):
        care.create_task(team.outsider, NB, "x", "2026-04-02", owner_staff_id=team.nurse_a)


def test_every_person_level_call_is_audited(care: CareService, team: Team) -> None:
    ep = care.admit(team.lead, 101, worklist="high_risk")
    care.episode(team.nurse_user, ep.id)
    plan = care.create_care_plan(team.lead, ep.id, **PLAN)
    care.care_plan(team.nurse_user, plan.id)
    care.plan_versions(team.nurse_user, plan.id)
    actions = [(e.username, e.action, e.outcome) for e in audit(care, patient_id=101)]
    assert ("nurse", "care_view_episode", "success") in actions
    assert ("nurse", "care_plan_view", "success") in actions
    assert ("nurse", "care_plan_history", "success") in actions
    assert ("lead", "care_plan_saved", "success") in actions
    with pytest.raises(AccessDenied):
        care.episode(team.outsider, ep.id)
    assert audit(care, patient_id=101)[-1].outcome == "denied"


def test_other_neighbourhood_patients_are_not_in_this_caseload(care: CareService, team: Team) -> None:
    with pytest.raises(AccessDenied):
        care.admit(team.lead, 201, worklist="high_risk")
    care.admit(team.outsider, 201, worklist="high_risk")
    assert care.caseload(team.lead, NB) == []
    assert len(care.caseload(team.outsider, OTHER_NB)) == 1
