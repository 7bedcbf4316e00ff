"""Wellbeing outcomes on a referral, on SQLite and PostgreSQL: baseline then follow-up, one of each
per kind, only once support has begun, through the access decision and audited; the change; and the
measures in the lake export (one row per ONS4 question, the SWEMWBS metric score) with their value."""

# ruff: noqa: F811  (pytest fixtures imported from the closed-loop tests, used as arguments)
from __future__ import annotations

import datetime as dt

import pytest

from nhc.navigation.domain.referral import ReferralError
from nhc.navigation.domain.wellbeing import AnswersError, Kind
from nhc.security.service import AccessDenied
from tests.navigation.test_social_prescribing import (  # noqa: F401  (fixtures)
    BANBURY_PERSON,
    audit,
    clock,
    sp,
    sp_service,
    user,
)

ONS4 = {"life_satisfaction": "4", "worthwhile": "5", "happiness": "5", "anxiety": "8"}
ONS4_LATER = {"life_satisfaction": "7", "worthwhile": "6", "happiness": "5", "anxiety": "4"}
SWEMWBS_3 = dict.fromkeys(
    ("optimistic", "useful", "relaxed", "problems", "thinking", "close", "own_mind"), "3"
)
SWEMWBS_4 = {k: "4" for k in SWEMWBS_3}


@pytest.fixture
def accepted(sp):
    gp = user(sp, "gp", "clinician", "Banbury")
    worker = user(sp, "worker", "team_member", "Banbury")
    r = sp.refer(gp, BANBURY_PERSON, sp_service(sp, "Banbury"), source="clinician")
    sp.respond(worker, r.id, accept=True)
    return worker, r


def test_baseline_and_follow_up_show_the_change(sp, clock, accepted):
    worker, r = accepted
    sp.record_measure(worker, r.id, "ons4", "baseline", ONS4)
    sp.record_measure(worker, r.id, "swemwbs", "baseline", SWEMWBS_3)
    clock.now += dt.timedelta(days=60)
    sp.record_measure(worker, r.id, "ons4", "follow_up", ONS4_LATER)
    follow = sp.record_measure(worker, r.id, "swemwbs", "follow_up", SWEMWBS_4)
    assert (follow.raw_score, follow.score) == (28, 25.03)
    view = sp.referral(worker, r.id)
    assert [(c.key, c.difference, c.direction) for c in view.changes[Kind.ONS4]] == [
        ("life_satisfaction", 3, "better"),
        ("worthwhile", 1, "better"),
        ("happiness", 0, "no change"),
        ("anxiety", -4, "better"),
    ]
    assert [(c.baseline, c.follow_up) for c in view.changes[Kind.SWEMWBS]] == [(19.25, 25.03)]


def test_recording_is_decided_and_audited(sp, accepted):
    worker, r = accepted
    sp.record_measure(worker, r.id, "swemwbs", "baseline", SWEMWBS_3)
    assert audit(sp, "sp_outcome_record") == [("success", BANBURY_PERSON, "basis=neighbourhood")]
    assert audit(sp, "sp_outcome_recorded") == [
        ("success", BANBURY_PERSON, "kind=swemwbs timepoint=baseline score=19.25")
    ]


def test_someone_without_a_relationship_can_neither_record_nor_see(sp, accepted):
    _, r = accepted
    stranger = user(sp, "stranger", "team_member", "Witney")
    with pytest.raises(AccessDenied):
        sp.record_measure(stranger, r.id, "ons4", "baseline", ONS4)
    with pytest.raises(AccessDenied):
        sp.referral(stranger, r.id)
    assert [a[:2] for a in audit(sp, "sp_outcome_record")] == [("denied", BANBURY_PERSON)]
    assert [a[:2] for a in audit(sp, "sp_referral_view")] == [("denied", BANBURY_PERSON)]
    assert audit(sp, "sp_outcome_recorded") == []


def test_a_follow_up_needs_its_baseline(sp, accepted):
    worker, r = accepted
    sp.record_measure(worker, r.id, "ons4", "baseline", ONS4)
    with pytest.raises(ReferralError, match="baseline"):
        sp.record_measure(worker, r.id, "swemwbs", "follow_up", SWEMWBS_4)


def test_one_baseline_per_kind(sp, accepted):
    worker, r = accepted
    sp.record_measure(worker, r.id, "ons4", "baseline", ONS4)
    with pytest.raises(ReferralError, match="already recorded"):
        sp.record_measure(worker, r.id, "ons4", "baseline", ONS4_LATER)
    assert [m.answers for m in sp.referral(worker, r.id).measures] == [(4, 5, 5, 8)]


def test_not_before_support_begins(sp):
    gp = user(sp, "gp", "clinician", "Banbury")
    r = sp.refer(gp, BANBURY_PERSON, sp_service(sp, "Banbury"), source="clinician")
    with pytest.raises(ReferralError, match="once support has begun"):
        sp.record_measure(gp, r.id, "ons4", "baseline", ONS4)


def test_a_follow_up_may_come_after_support_ends(sp, accepted):
    worker, r = accepted
    sp.record_measure(worker, r.id, "ons4", "baseline", ONS4)
    sp.end(worker, r.id, "joined the walking group")
    assert sp.record_measure(worker, r.id, "ons4", "follow_up", ONS4_LATER).id is not None


def test_wrong_answers_store_nothing(sp, accepted):
    worker, r = accepted
    with pytest.raises(AnswersError):
        sp.record_measure(worker, r.id, "ons4", "baseline", {**ONS4, "anxiety": "11"})
    assert sp.referral(worker, r.id).measures == ()


def test_measures_reach_the_lake_with_their_value(sp, clock, accepted):
    worker, r = accepted
    sp.record_measure(worker, r.id, "ons4", "baseline", ONS4)
    clock.now += dt.timedelta(days=60)
    sp.record_measure(worker, r.id, "ons4", "follow_up", ONS4_LATER)
    sp.record_measure(worker, r.id, "swemwbs", "baseline", SWEMWBS_3)
    rows = [x for x in sp.export_records().to_pylist() if x["record_type"] == "wellbeing_measure"]
    got = sorted((x["code"], x["outcome"], x["value"], x["start_date"]) for x in rows)
    assert got == [
        ("ons4-anxiety", "baseline", 8.0, dt.date(2026, 4, 1)),
        ("ons4-anxiety", "follow_up", 4.0, dt.date(2026, 5, 31)),
        ("ons4-happiness", "baseline", 5.0, dt.date(2026, 4, 1)),
        ("ons4-happiness", "follow_up", 5.0, dt.date(2026, 5, 31)),
        ("ons4-life_satisfaction", "baseline", 4.0, dt.date(2026, 4, 1)),
        ("ons4-life_satisfaction", "follow_up", 7.0, dt.date(2026, 5, 31)),
        ("ons4-worthwhile", "baseline", 5.0, dt.date(2026, 4, 1)),
        ("ons4-worthwhile", "follow_up", 6.0, dt.date(2026, 5, 31)),
        ("swemwbs-metric", "baseline", 19.25, dt.date(2026, 5, 31)),
    ]
    assert {(x["patient_id"], x["code_system"], x["neighbourhood"]) for x in rows} == {
        (BANBURY_PERSON, "urn:nhc:care-record", "Banbury")
    }
    referral_row = next(
        x for x in sp.export_records().to_pylist() if x["record_type"] == "social_prescribing"
    )
    assert referral_row["value"] is None
    assert audit(sp, "sp_export_lake")[0][2] == "1 referrals of 1 people exported; 3 wellbeing measures"
