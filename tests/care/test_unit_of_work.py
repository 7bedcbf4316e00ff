"""One transaction per care use case (SQLite and PostgreSQL): the team-lead check, the change and
its audit line commit together, or not at all; access decisions are kept whatever happens."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from nhc.care.models import Absence, Episode, Staff
from nhc.care.services import CareService
from nhc.security.service import AccessDenied, SecurityService
from tests.care.conftest import NB, PASSWORD, Team, sign_in
from tests.care.test_services import audit


class Injected(RuntimeError):
    """A failure injected after the change was written (flushed), before the transaction ends."""


def _boom(*_args: object, **_kwargs: object) -> None:
    raise Injected("injected after the change")


def _count(care: CareService, model: type, **where: object) -> int:
    with care.db.unit_of_work() as s:
        q = sa.select(sa.func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalar(q) or 0


def test_a_failure_after_a_team_change_leaves_neither_the_change_nor_its_audit_line(
    care: CareService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nhc.care.services.staff.staff_view", _boom)
    with pytest.raises(Injected):
        care.add_staff(team.lead, "Dr New", "gp", NB)
    assert _count(care, Staff, name="Dr New") == 0
    assert audit(care, action="care_staff_added", username="lead") == []


def test_a_failure_after_an_admission_keeps_only_the_access_decision(
    care: CareService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nhc.care.services.caseload.episode_view", _boom)
    with pytest.raises(Injected):
        care.admit(team.lead, 101, worklist="high_risk")
    assert _count(care, Episode, patient_id=101) == 0
    assert [(e.action, e.outcome) for e in audit(care, patient_id=101)] == [("care_admit", "success")]


@pytest.fixture
def team_lead(security: SecurityService, care: CareService):
    """A team member (not a clinician) marked as the Headington team lead on their staff record."""
    user = security.create_user("tess", "Tess Lead", "team_member", password=PASSWORD, neighbourhoods=[NB])
    care.add_staff(None, "Tess Lead", "community_nurse", NB, user_id=user.id, is_lead=True)
    return sign_in(security, "tess")


def test_the_team_lead_check_and_the_change_run_in_one_transaction(
    care: CareService, team: Team, team_lead
) -> None:
    lead_checks: list[int] = []  # the session each lead-flag query ran in
    writes: list[int] = []  # the session each absence was written in
    commits: list[int] = []

    def on_execute(state) -> None:
        if state.is_select and "is_lead" in str(state.statement).partition("WHERE")[2]:
            lead_checks.append(id(state.session))

    def on_flush(session: Session, _ctx) -> None:
        writes.extend(id(session) for o in session.new if isinstance(o, Absence))

    def on_commit(session: Session) -> None:
        commits.append(id(session))

    hooks = [("do_orm_execute", on_execute), ("after_flush", on_flush), ("after_commit", on_commit)]
    for name, fn in hooks:
        event.listen(Session, name, fn)
    try:
        care.add_absence(team_lead, team.nurse_a, "2026-04-02", "2026-04-03", "training")
    finally:
        for name, fn in hooks:
            event.remove(Session, name, fn)
    assert len(lead_checks) == 1 and writes == lead_checks and commits == lead_checks


def test_a_team_member_who_is_not_the_lead_changes_nothing(care: CareService, team: Team) -> None:
    with pytest.raises(AccessDenied, match="Only the Headington team lead or a clinician"):
        care.add_absence(team.nurse_user, team.nurse_b, "2026-04-02", "2026-04-03")
    assert _count(care, Absence) == 0
    assert audit(care, action="care_absence_added") == []
