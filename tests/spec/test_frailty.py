"""eFI: the electronic Frailty Index: 36 deficits (35 coded, plus polypharmacy), the score
deficits / 36 and the categories fit, mild, moderate, severe (Clegg 2016 cut points)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from nhc.analytics.rules import coded, frailty

from .helpers import AS_OF, d

# the first coded deficits' clusters, each with one code
ARTHRITIS, AF, CHD = frailty.CODED_DEFICITS[:3]
CODELISTS = [
    {"code": "E0", "cluster": ARTHRITIS},
    {"code": "E1", "cluster": AF},
    {"code": "E2", "cluster": CHD},
]


def _meds(pid: int, codes: list[str], date: dt.date) -> list[dict]:
    return [{"patient_id": pid, "date": date, "dmd_code": c} for c in codes]


def test_categories_by_number_of_deficits(spec):
    """Fit up to 4 deficits (score <= 0.12), mild 5-8 (<= 0.24), moderate 9-12 (<= 0.36), severe 13+;
    a person with none is fit."""
    counts = {2: 4, 3: 5, 4: 8, 5: 9, 6: 12, 7: 13, 8: 36}
    spec(
        given={
            "deficits": [{"patient_id": pid} for pid, n in counts.items() for _ in range(n)],
            "population": [{"patient_id": pid} for pid in range(1, 9)],
        },
        call=lambda t: frailty.efi(t.deficits, t.population),
        expect=[
            {"patient_id": 1, "efi_deficits": 0, "efi_category": "fit"},
            {"patient_id": 2, "efi_deficits": 4, "efi_category": "fit"},
            {"patient_id": 3, "efi_deficits": 5, "efi_category": "mild"},
            {"patient_id": 4, "efi_deficits": 8, "efi_category": "mild"},
            {"patient_id": 5, "efi_deficits": 9, "efi_category": "moderate"},
            {"patient_id": 6, "efi_deficits": 12, "efi_category": "moderate"},
            {"patient_id": 7, "efi_deficits": 13, "efi_category": "severe"},
            {"patient_id": 8, "efi_deficits": 36, "efi_category": "severe"},
        ],
    )


def test_score_is_deficits_out_of_36(spec):
    """The score is the number of deficits divided by 36: all 36 make 1.0."""
    spec(
        given={
            "deficits": [{"patient_id": 2}] * 5 + [{"patient_id": 3}] * 36,
            "population": [{"patient_id": 1}, {"patient_id": 2}, {"patient_id": 3}],
        },
        call=lambda t: frailty.efi(t.deficits, t.population),
        expect=[
            {"patient_id": 1, "efi_score": 0.0},
            {"patient_id": 2, "efi_score": 5 / 36},
            {"patient_id": 3, "efi_score": 1.0},
        ],
    )


def test_a_deficit_counts_once_and_only_once_coded(spec):
    """A deficit coded twice counts once; a code dated after as-of does not count."""
    spec(
        given={
            "clinical_events": [
                {"patient_id": 2, "date": d("2020-01-01"), "snomed_code": "E0"},
                {"patient_id": 2, "date": d("2022-01-01"), "snomed_code": "E0"},
                {"patient_id": 2, "date": d("2020-01-01"), "snomed_code": "E1"},
                {"patient_id": 2, "date": d("2026-04-01"), "snomed_code": "E2"},  # after as-of
            ],
            "codelists": CODELISTS,
            "population": [{"patient_id": 2}],
        },
        call=lambda t: frailty.efi(
            frailty.efi_deficits(
                coded.cluster_summary(t.clinical_events, t.codelists, AS_OF),
                frailty.polypharmacy(t.medications, AS_OF),
                AS_OF,
            ),
            t.population,
        ),
        expect=[{"patient_id": 2, "efi_deficits": 2, "efi_category": "fit"}],
    )


def test_polypharmacy_is_5_different_medicines_in_12_months(spec):
    """Polypharmacy is a deficit when 5 or more different medicines were issued in the 12 months to
    as-of: repeats of one medicine count once, and an issue 365 days before or after as-of is out."""
    in_window = AS_OF - dt.timedelta(days=364)
    edge = AS_OF - dt.timedelta(days=365)
    spec(
        given={
            "medications": _meds(8, ["M1", "M2", "M3", "M4", "M5"], in_window)
            + _meds(9, ["M1", "M2", "M3", "M4", "M5"], in_window)
            + _meds(10, ["M1", "M2", "M3", "M4", "M4", "M4"], in_window)  # 4 different
            + _meds(11, ["M1", "M2", "M3", "M4"], in_window)
            + _meds(11, ["M5"], edge)  # the 5th 365 days before: out
            + _meds(3, ["M1", "M2", "M3", "M4"], AS_OF)
            + _meds(3, ["M5"], AS_OF + dt.timedelta(days=1)),  # the 5th after as-of: out
            "clinical_events": [],
            "codelists": CODELISTS,
        },
        call=lambda t: frailty.efi_deficits(
            coded.cluster_summary(t.clinical_events, t.codelists, AS_OF),
            frailty.polypharmacy(t.medications, AS_OF),
            AS_OF,
        ),
        expect=[
            {
                "patient_id": 8,
                "deficit": "polypharmacy",
                "detail": "5 different medicines issued in 12 months",
            },
            {
                "patient_id": 9,
                "deficit": "polypharmacy",
                "detail": "5 different medicines issued in 12 months",
            },
        ],
    )


def test_polypharmacy_adds_to_the_coded_deficits(spec):
    """Polypharmacy is one deficit among the 36: with 3 coded deficits it makes 4; on its own, 1."""
    in_window = AS_OF - dt.timedelta(days=10)
    spec(
        given={
            "clinical_events": [
                {"patient_id": 8, "date": d("2020-01-01"), "snomed_code": code} for code in ("E0", "E1", "E2")
            ],
            "codelists": CODELISTS,
            "medications": _meds(8, ["M1", "M2", "M3", "M4", "M5"], in_window)
            + _meds(9, ["M1", "M2", "M3", "M4", "M5"], in_window),
            "population": [{"patient_id": 8}, {"patient_id": 9}],
        },
        call=lambda t: frailty.efi(
            frailty.efi_deficits(
                coded.cluster_summary(t.clinical_events, t.codelists, AS_OF),
                frailty.polypharmacy(t.medications, AS_OF),
                AS_OF,
            ),
            t.population,
        ),
        expect=[
            {"patient_id": 8, "efi_deficits": 4, "efi_category": "fit"},
            {"patient_id": 9, "efi_deficits": 1, "efi_category": "fit"},
        ],
    )


def test_boundaries_match_clegg_cut_points():
    """For every number of deficits 0-36 the category is Clegg's: fit <= 0.12 < mild <= 0.24 <
    moderate <= 0.36 < severe, on n/36."""
    for n in range(37):
        score = n / 36
        expected = (
            "fit" if score <= 0.12 else "mild" if score <= 0.24 else "moderate" if score <= 0.36 else "severe"
        )
        assert frailty.category_for_count(n) == expected, n
    assert frailty.N_DEFICITS == 36
    assert len(frailty.CODED_DEFICITS) == 35


@given(st.integers(min_value=0, max_value=36))
def test_score_bounds(n):
    """The score is between 0 and 1 and the category never falls as deficits rise."""
    assert 0.0 <= n / frailty.N_DEFICITS <= 1.0
    assert frailty.category_for_count(n) in ("fit", "mild", "moderate", "severe")
    if n < 36:
        order = ["fit", "mild", "moderate", "severe"]
        assert order.index(frailty.category_for_count(n)) <= order.index(frailty.category_for_count(n + 1))
