"""The social prescribing referral's lifecycle, without a database: codes, 14 days, notices."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.navigation.domain.referral import Referral, ReferralError, Source, Status

SENT = dt.datetime(2026, 4, 1, 9, 0)


def referral() -> Referral:
    return Referral(101, "svc-1", "Banbury lunch club", Source.CLINICIAN, "cli", SENT, reason="lonely")


def test_a_new_referral_is_sent_and_coded_as_a_referral():
    r = referral()
    assert (r.status, r.snomed_code, r.due_by) == (
        Status.SENT,
        "871731000000106",
        dt.datetime(2026, 4, 15, 9, 0),
    )


def test_accept_tells_the_referrer():
    r = referral()
    notice = r.accept("provider", SENT + dt.timedelta(days=3))
    assert r.status is Status.ACCEPTED and r.snomed_code == "871731000000106"
    assert (notice.recipient, notice.kind) == ("cli", "accepted")


def test_decline_is_coded_declined_and_needs_a_reason():
    r = referral()
    with pytest.raises(ReferralError):
        r.decline("provider", SENT, "  ")
    notice = r.decline("provider", SENT, "full", for_capacity=True)
    assert r.snomed_code == "871711000000103" and r.for_capacity
    assert "no capacity" in notice.text and notice.recipient == "cli"


def test_the_clock_declines_after_14_days_not_before():
    r = referral()
    assert r.auto_decline_if_due(SENT + dt.timedelta(days=14)) is None
    notice = r.auto_decline_if_due(SENT + dt.timedelta(days=14, minutes=1))
    assert r.status is Status.AUTO_DECLINED and r.snomed_code == "871711000000103"
    assert notice is not None and notice.kind == "auto_declined" and notice.recipient == "cli"


def test_an_overdue_referral_cannot_be_accepted():
    with pytest.raises(ReferralError, match="14 days"):
        referral().accept("provider", SENT + dt.timedelta(days=15))


def test_only_accepted_support_can_end_and_a_decided_referral_cannot_be_decided_again():
    r = referral()
    with pytest.raises(ReferralError):
        r.end("lw", SENT, "done")
    r.accept("provider", SENT)
    with pytest.raises(ReferralError):
        r.decline("provider", SENT, "changed our mind")
    notice = r.end("lw", SENT + dt.timedelta(days=40), "joined the lunch club weekly")
    assert r.status is Status.ENDED and notice.kind == "ended" and "lunch club" in notice.text
