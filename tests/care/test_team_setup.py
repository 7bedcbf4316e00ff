"""Team set-up use cases (issue 20, item 6) on SQLite and PostgreSQL: a lead adds a staff member,
changes their skills, capacity and working pattern, records absences, and re-balances; each rule
refuses bad input with a message, and each write is audited."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.care import domain as d
from nhc.care.services import CareService, TeamAccess
from nhc.security.service import AccessDenied
from tests.care.conftest import NB, OTHER_NB, PASSWORD, Team, sign_in
from tests.care.test_services import audit


def test_a_lead_adds_a_staff_member_with_a_working_pattern(care: CareService, team: Team) -> None:
    pattern = d.working_pattern(["Mon", "Tue", "Wed"], "08:30", "16:00")
    ada = care.add_staff(
        team.lead, "Ada Physio", "physiotherapist", NB, capacity="12", working_pattern=pattern
    )
    assert (ada.name, ada.role_label, ada.capacity) == ("Ada Physio", "Physiotherapist", 12)
    assert ada.skills == ("mobility",)  # the role's usual skills
    assert ada.working_pattern == "Mon-Wed 08:30-16:00"
    assert "Ada Physio" in [s.name for s in care.list_staff(NB, principal=team.lead)]
    [event] = audit(care, action="care_staff_added", username="lead")
    assert event.resource == f"care_staff:{ada.id}" and "capacity=12" in event.detail


def test_the_same_person_cannot_be_added_twice(care: CareService, team: Team) -> None:
    with pytest.raises(d.DuplicateStaff, match="Ben Nurse is already on the Headington team"):
        care.add_staff(team.lead, "  ben   NURSE ", "community_nurse", NB, capacity=5)
    # Another neighbourhood's team may have someone of the same name.
    assert care.add_staff(None, "Ben Nurse", "community_nurse", OTHER_NB, capacity=5).name == "Ben Nurse"


@pytest.mark.parametrize("capacity", [0, "0", -3, "lots", 201])
def test_a_lead_gives_a_capacity_above_0(care: CareService, team: Team, capacity) -> None:
    with pytest.raises(d.InvalidCareInput, match="capacity must be"):
        care.add_staff(team.lead, "Dr Zero", "gp", NB, capacity=capacity)
    with pytest.raises(d.InvalidCareInput, match="capacity must be"):
        care.update_staff(
            team.lead, team.nurse_b, skills="nursing", capacity=capacity, working_pattern="Mon-Fri"
        )
    assert "Dr Zero" not in [s.name for s in care.list_staff(NB)]


def test_a_lead_changes_skills_capacity_and_pattern(care: CareService, team: Team) -> None:
    ben = care.update_staff(
        team.lead,
        team.nurse_b,
        skills=["nursing", "wound_care", "care_home"],
        capacity=9,
        working_pattern=d.working_pattern(["Tue", "Thu"]),
    )
    assert ben.skills == ("care_home", "nursing", "wound_care")
    assert (ben.capacity, ben.working_pattern) == (9, "Tue, Thu")
    [event] = audit(care, action="care_staff_changed")
    assert event.username == "lead" and event.resource == f"care_staff:{team.nurse_b}"
    assert event.detail == (
        "skills: nursing,wound_care -> care_home,nursing,wound_care; capacity: 6 -> 9; "
        "working pattern: Mon-Fri -> Tue, Thu"
    )


def test_a_member_needs_at_least_one_known_skill(care: CareService, team: Team) -> None:
    with pytest.raises(d.InvalidCareInput, match="at least one skill"):
        care.update_staff(team.lead, team.nurse_b, skills=[], capacity=6, working_pattern="Mon-Fri")
    with pytest.raises(d.InvalidCareInput, match="unknown skill"):
        care.update_staff(team.lead, team.nurse_b, skills=["flying"], capacity=6, working_pattern="Mon-Fri")


def test_only_the_lead_or_an_administrator_sets_up_staff(care: CareService, team: Team, security) -> None:
    args = {"skills": "nursing", "capacity": 6, "working_pattern": "Mon-Fri"}
    with pytest.raises(AccessDenied, match="team lead or a clinician"):
        care.add_staff(team.nurse_user, "Nell New", "community_nurse", NB)
    with pytest.raises(AccessDenied, match="team lead or a clinician"):
        care.update_staff(team.nurse_user, team.nurse_b, **args)
    with pytest.raises(AccessDenied, match="not a member of the Headington"):
        care.update_staff(team.outsider, team.nurse_b, **args)
    with pytest.raises(AccessDenied):
        care.update_staff(team.analyst, team.nurse_b, **args)
    security.create_user("admin", "Ad Min", "admin", password=PASSWORD)
    admin = sign_in(security, "admin")
    assert care.update_staff(admin, team.nurse_b, **args).capacity == 6
    assert care.add_staff(admin, "Nell New", "community_nurse", NB, capacity=4).capacity == 4


def test_what_each_user_may_do_on_the_team_pages(care: CareService, team: Team, security) -> None:
    security.create_user("admin", "Ad Min", "admin", password=PASSWORD)
    admin = sign_in(security, "admin")
    assert care.team_access(team.lead, NB) == TeamAccess(member=True, lead=True, manage_staff=True)
    assert care.team_access(team.nurse_user, NB) == TeamAccess(member=True)
    assert care.team_access(team.outsider, NB) == TeamAccess()
    assert care.team_access(team.analyst, NB) == TeamAccess()
    assert care.team_access(admin, NB) == TeamAccess(manage_staff=True)


def test_a_team_member_marked_lead_may_lead(care: CareService, team: Team, security) -> None:
    user = security.create_user("tess", "Tess Lead", "team_member", password=PASSWORD, neighbourhoods=[NB])
    care.add_staff(None, "Tess Lead", "community_nurse", NB, user_id=user.id, is_lead=True)
    assert care.team_access(sign_in(security, "tess"), NB) == TeamAccess(
        member=True, lead=True, manage_staff=True
    )


def test_absences_now_and_to_come_are_listed_by_start(care: CareService, team: Team) -> None:
    care.add_absence(team.lead, team.nurse_b, "10/04/2026", "20/04/2026", "annual leave")
    care.add_absence(team.lead, team.nurse_a, "2026-04-01", "2026-04-02", "training")
    care.add_absence(team.lead, team.nurse_a, "2026-03-01", "2026-03-05", "over")  # before today
    listed = care.absences(team.nurse_user, NB)
    assert [(a.staff_id, a.starts_on, a.ends_on, a.reason) for a in listed] == [
        (team.nurse_a, dt.date(2026, 4, 1), dt.date(2026, 4, 2), "training"),
        (team.nurse_b, dt.date(2026, 4, 10), dt.date(2026, 4, 20), "annual leave"),
    ]
    with pytest.raises(AccessDenied):
        care.absences(team.outsider, NB)


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [
        ("2026-04-10", "2026-04-09", "cannot end"),
        ("31/02/2026", "2026-04-09", "start date must be a real date"),
        ("2026-04-10", "", "enter the end date"),
    ],
)
def test_absence_dates_must_be_real_and_in_order(
    care: CareService, team: Team, starts, ends, message
) -> None:
    with pytest.raises(d.InvalidCareInput, match=message):
        care.add_absence(team.lead, team.nurse_b, starts, ends)
    assert audit(care, action="care_absence_added") == []


def test_absence_then_rebalance_moves_the_absent_nurses_patients(care: CareService, team: Team) -> None:
    for pid in (101, 103):  # both need nursing only
        care.admit(team.lead, pid, worklist="high_risk")
    run = care.propose_allocation(team.lead, NB)
    care.accept_allocation(team.lead, run.id)
    before = {s.id: s.load for s in care.list_staff(NB)}
    carrying = [sid for sid in (team.nurse_a, team.nurse_b) if before[sid]]
    away = carrying[0]
    care.add_absence(team.lead, away, "2026-04-01", "2026-04-14", "sick leave")
    rebalance = care.propose_allocation(team.lead, NB, rebalance=True)
    assert rebalance.items and all(i.previous_staff_id == away for i in rebalance.items)
    proposed = care.loads_after(team.nurse_user, rebalance.id)
    assert proposed[away] == 0 and sum(proposed.values()) == sum(before.values())
    with pytest.raises(AccessDenied):
        care.loads_after(team.outsider, rebalance.id)
    care.accept_allocation(team.lead, rebalance.id)
    after = {s.id: s.load for s in care.list_staff(NB)}
    assert after[away] == 0 and sum(after.values()) == sum(before.values())
    assert {k: v for k, v in after.items() if v} == {k: v for k, v in proposed.items() if v}
