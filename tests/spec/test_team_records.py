"""The team's own records (``care_records``) as the facts' window flags: a care plan, MDT review or
social prescribing referral recorded in NHC counts as one the practice coded."""

from __future__ import annotations

from nhc.analytics.rules import team_records

from .helpers import AS_OF, d

SNOMED = "http://snomed.info/sct"
LOCAL = "urn:nhc:care-record"
REFERRAL, DECLINED, MDT = "871731000000106", "871711000000103", "142597007"
CODELISTS = [
    {"code": REFERRAL, "cluster": "social-care-prescribing-referral"},
    {"code": MDT, "cluster": "multidisciplinary-team"},
]
COLUMNS = ("patient_id", "care_plan_12m", "social_prescribing_12m")


def _record(pid: int, record_type: str, code: str, start: str, end: str | None = None) -> dict:
    return {
        "patient_id": pid,
        "record_type": record_type,
        "code_system": LOCAL if code == "personalised-care-plan" else SNOMED,
        "code": code,
        "start_date": d(start),
        "end_date": d(end) if end else None,
        "neighbourhood": "N1",
        "source_id": f"{record_type}-{pid}-{start}",
    }


def test_a_social_prescribing_referral_sent_in_12_months_counts(spec):
    """A social prescribing referral sent from NHC in the 12 months to as-of sets
    ``social_prescribing_12m``; one the service declined or never answered (exported with the
    "declined" code) does not, nor does one sent a year or more before."""
    spec(
        given={
            "care_records": [
                _record(1, "social_prescribing", REFERRAL, "2026-03-01"),
                _record(2, "social_prescribing", DECLINED, "2026-03-01"),
                _record(3, "social_prescribing", REFERRAL, "2025-03-31"),  # exactly a year: outside
            ],
            "codelists": CODELISTS,
        },
        call=lambda t: team_records.team_flags(t.care_records, t.codelists, AS_OF),
        expect=[
            {"patient_id": 1, "care_plan_12m": False, "social_prescribing_12m": True},
            {"patient_id": 2, "care_plan_12m": False, "social_prescribing_12m": False},
            {"patient_id": 3, "care_plan_12m": False, "social_prescribing_12m": False},
        ],
        columns=COLUMNS,
    )


def test_a_care_plan_in_force_or_a_team_review_held_in_12_months_counts(spec):
    """A personalised care plan written in NHC sets ``care_plan_12m`` while it was in force at some
    time in the 12 months (agreed however long ago, not ended before the window); an MDT review held
    in NHC sets it when held in the 12 months."""
    spec(
        given={
            "care_records": [
                _record(1, "care_plan", "personalised-care-plan", "2023-06-01"),  # still in force
                _record(2, "care_plan", "personalised-care-plan", "2024-01-01", "2025-06-01"),
                _record(3, "care_plan", "personalised-care-plan", "2024-01-01", "2025-03-01"),  # ended
                _record(4, "mdt_review", MDT, "2026-01-15"),
                _record(5, "mdt_review", MDT, "2024-11-20"),  # too long ago
            ],
            "codelists": CODELISTS,
        },
        call=lambda t: team_records.team_flags(t.care_records, t.codelists, AS_OF),
        expect=[
            {"patient_id": 1, "care_plan_12m": True, "social_prescribing_12m": False},
            {"patient_id": 2, "care_plan_12m": True, "social_prescribing_12m": False},
            {"patient_id": 3, "care_plan_12m": False, "social_prescribing_12m": False},
            {"patient_id": 4, "care_plan_12m": True, "social_prescribing_12m": False},
            {"patient_id": 5, "care_plan_12m": False, "social_prescribing_12m": False},
        ],
        columns=COLUMNS,
    )


def test_records_after_as_of_are_not_read(spec):
    """A record dated after as-of sets nothing, as a code recorded after as-of does not."""
    spec(
        given={
            "care_records": [
                _record(1, "social_prescribing", REFERRAL, "2026-04-01"),
                _record(1, "care_plan", "personalised-care-plan", "2026-04-01"),
            ],
            "codelists": CODELISTS,
        },
        call=lambda t: team_records.team_flags(t.care_records, t.codelists, AS_OF),
        expect=[],
        columns=COLUMNS,
    )
