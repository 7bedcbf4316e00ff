"""Social prescribing, closed loop, on SQLite and PostgreSQL: refer, answer, the 14-day clock,
capacity in the directory, the link worker's caseload, notices back, access decision and audit."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from nhc.insights.access import PatientAccess
from nhc.navigation.domain import BadField, NotFound, Rag
from nhc.navigation.domain.referral import ReferralError, Status
from nhc.navigation.services import NavigationService
from nhc.navigation.services.social_prescribing import SocialPrescribing
from nhc.security.models import AuditEvent
from nhc.security.service import AccessDenied, SecurityService

PASSWORD = "correct-horse-battery-staple"
BANBURY_PERSON, WITNEY_PERSON = 101, 201
HOME = {BANBURY_PERSON: "Banbury", WITNEY_PERSON: "Witney"}


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 4, 1, 9, 0)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sp(db, clock) -> SocialPrescribing:
    security = SecurityService(db, clock=clock)
    navigation = NavigationService(db, clock=clock)
    navigation.load_synthetic()
    return SocialPrescribing(navigation, PatientAccess(security, HOME.get))


def user(sp: SocialPrescribing, name: str, role: str, *neighbourhoods: str):
    sp.access.security.create_user(
        name, name.title(), role, password=PASSWORD, neighbourhoods=list(neighbourhoods)
    )
    return sp.access.security.sign_in(name, PASSWORD, "10.0.0.1")[0]


def sp_service(sp: SocialPrescribing, neighbourhood: str) -> str:
    return next(
        s.id
        for s in sp.navigation.directory().services.values()
        if s.kind == "social_prescribing" and s.service_areas[0].name == neighbourhood
    )


def audit(sp: SocialPrescribing, action: str) -> list[tuple[str, int | None, str]]:
    with sp.db.unit_of_work() as s:
        rows = s.execute(
            sa.select(AuditEvent.outcome, AuditEvent.patient_id, AuditEvent.detail).where(
                AuditEvent.action == action
            )
        )
        return [tuple(r) for r in rows]


def test_refer_is_coded_decided_and_audited(sp):
    gp = user(sp, "gp", "clinician", "Banbury")
    r = sp.refer(
        gp, BANBURY_PERSON, sp_service(sp, "Banbury"), source="clinician", what_matters="seeing people"
    )
    assert (r.status, r.snomed_code) == (Status.SENT, "871731000000106")
    assert audit(sp, "sp_refer") == [("success", BANBURY_PERSON, "basis=neighbourhood")]
    assert "code=871731000000106" in audit(sp, "sp_referral_created")[0][2]


def test_refer_without_a_relationship_is_refused_audited_and_stores_nothing(sp):
    gp = user(sp, "gp", "clinician", "Banbury")
    with pytest.raises(AccessDenied):
        sp.refer(gp, WITNEY_PERSON, sp_service(sp, "Witney"), source="clinician")
    assert [a[:2] for a in audit(sp, "sp_refer")] == [("denied", WITNEY_PERSON)]
    assert audit(sp, "sp_referral_created") == []


def test_one_open_referral_per_person_and_service(sp):
    gp = user(sp, "gp", "clinician", "Banbury")
    service = sp_service(sp, "Banbury")
    sp.refer(gp, BANBURY_PERSON, service, source="navigator")
    with pytest.raises(ReferralError, match="already has an open referral"):
        sp.refer(gp, BANBURY_PERSON, service, source="self")


def test_unknown_service_and_source_are_refused(sp):
    gp = user(sp, "gp", "clinician", "Banbury")
    with pytest.raises(NotFound):
        sp.refer(gp, BANBURY_PERSON, "no-such-service", source="clinician")
    with pytest.raises(BadField, match="source"):
        sp.refer(gp, BANBURY_PERSON, sp_service(sp, "Banbury"), source="pigeon")


def test_accept_puts_the_person_on_the_caseload_and_tells_the_referrer(sp, clock):
    gp = user(sp, "gp", "clinician", "Banbury")
    worker = user(sp, "worker", "team_member", "Banbury")
    r = sp.refer(gp, BANBURY_PERSON, sp_service(sp, "Banbury"), source="clinician")
    clock.now += dt.timedelta(days=2)
    sp.respond(worker, r.id, accept=True)
    assert [(c.id, c.status) for c in sp.caseload(worker)] == [(r.id, Status.ACCEPTED)]
    assert [n["kind"] for n in sp.notices(gp)] == ["accepted"]
    ended = sp.end(worker, r.id, "goes to the lunch club every week")
    assert ended.status is Status.ENDED and sp.caseload(worker) == []
    assert [n["kind"] for n in sp.notices(gp)] == ["ended", "accepted"]


def test_the_clock_auto_declines_after_14_days_with_notice(sp, clock):
    gp = user(sp, "gp", "clinician", "Banbury")
    r = sp.refer(gp, BANBURY_PERSON, sp_service(sp, "Banbury"), source="clinician")
    clock.now += dt.timedelta(days=14)
    assert sp.run_clock() == []
    clock.now += dt.timedelta(minutes=1)
    (declined,) = sp.run_clock()
    assert (declined.id, declined.status, declined.snomed_code) == (
        r.id,
        Status.AUTO_DECLINED,
        "871711000000103",
    )
    assert [n["kind"] for n in sp.notices(gp)] == ["auto_declined"]
    assert sp.run_clock() == []  # declined once only
    worker = user(sp, "worker", "team_member", "Banbury")
    with pytest.raises(ReferralError):
        sp.respond(worker, r.id, accept=True)


def test_capacity_declines_turn_the_service_amber_then_red(sp, clock):
    gp = user(sp, "gp", "clinician", "Banbury")
    worker = user(sp, "worker", "team_member", "Banbury")
    service = sp_service(sp, "Banbury")
    first = sp.refer(gp, BANBURY_PERSON, service, source="clinician")
    sp.respond(worker, first.id, accept=False, reason="no space", for_capacity=True)
    assert sp.navigation.directory().services[service].capacity.current(clock.now) is Rag.AMBER
    assert "no capacity" in sp.notices(gp)[0]["text"]
    second = sp.refer(gp, BANBURY_PERSON, service, source="clinician")  # the first is closed: allowed
    sp.respond(worker, second.id, accept=False, reason="still full", for_capacity=True)
    assert sp.navigation.directory().services[service].capacity.current(clock.now) is Rag.RED
    clock.now += dt.timedelta(days=8)
    assert sp.navigation.directory().services[service].capacity.current(clock.now) is Rag.GREEN


def test_caseload_leaves_out_people_the_worker_may_not_see(sp):
    gp = user(sp, "gp", "clinician", "Banbury", "Witney")
    worker = user(sp, "worker", "team_member", "Banbury")
    sp.refer(gp, BANBURY_PERSON, sp_service(sp, "Banbury"), source="clinician")
    sp.refer(gp, WITNEY_PERSON, sp_service(sp, "Witney"), source="clinician")
    assert [r.patient_id for r in sp.caseload(worker)] == [BANBURY_PERSON]
    assert [a[:2] for a in audit(sp, "sp_caseload_view")] == [("success", BANBURY_PERSON)]


def test_referrals_reach_the_lake_coded_with_their_outcome_and_the_export_is_audited(sp, clock):
    gp = user(sp, "gp", "clinician", "Banbury")
    worker = user(sp, "worker", "team_member", "Banbury")
    service = sp_service(sp, "Banbury")
    ended = sp.refer(gp, BANBURY_PERSON, service, source="clinician")
    sp.respond(worker, ended.id, accept=True)
    clock.now += dt.timedelta(days=30)
    sp.end(worker, ended.id, "goes to the lunch club")
    unanswered = sp.refer(gp, BANBURY_PERSON, service, source="clinician")
    clock.now += dt.timedelta(days=15)
    sp.run_clock()
    rows = {r["source_id"]: r for r in sp.export_records().to_pylist()}
    first, second = rows[f"sp-referral-{ended.id}"], rows[f"sp-referral-{unanswered.id}"]
    assert (first["code"], first["outcome"], first["neighbourhood"]) == (
        "871731000000106",
        "ended",
        "Banbury",
    )
    assert (first["start_date"], first["end_date"]) == (dt.date(2026, 4, 1), dt.date(2026, 5, 1))
    assert (second["code"], second["outcome"]) == ("871711000000103", "not answered")
    assert second["end_date"] == dt.date(2026, 5, 16)
    assert audit(sp, "sp_export_lake") == [("success", None, "2 referrals of 1 people exported")]
