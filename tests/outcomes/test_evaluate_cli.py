"""``nhc evaluate`` on a lake small enough to work out by hand.

Ten people alike in everything but their risk score, so the risk quintiles pair them: (1, 2), (3, 4),
... Person 1 (admitted to the virtual ward on 10 June 2025) had 2 emergency admissions in the six
months before and none after; their match, person 2, had 2 before and 1 after: person 1's change is
-2 against -1. Person 3 (admitted the same day) had 1 before and 1 after; person 4 had 1 and 2: 0
against +1. So the difference in differences is -1 admission per person in six months (the same for
both, so the interval is a point), from a counterfactual of (2 - 1 + 1 + 1) / 2 = 1.5: -67 %.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nhc.cli import main
from nhc.lake.store import Lake
from tests.spec.helpers import arrow

ADMISSIONS = {
    1: ["2025-03-01", "2025-04-01"],
    2: ["2025-03-01", "2025-04-01", "2025-08-01"],
    3: ["2025-05-01", "2025-07-01"],
    4: ["2025-05-01", "2025-07-01", "2025-09-01"],
}


def _person(i: int) -> dict:
    """One row of ``patient_insights``: what matching reads, and plain values for the rest."""
    return {
        "patient_id": i,
        "sex": "F",
        "age_band": "75-84",
        "band": "high",
        "efi_category": "severe",
        "risk": i / 10,
        "as_of": dt.date(2026, 3, 31),
        "practice_code": "P1",
        "neighbourhood": "N1",
        "locality": "L1",
        "age": 80,
        "care_home": False,
        "png": 11,
        "png_name": "Frailty",
        "png_reason": "frail",
        "pyramid_tier": 3,
        "pyramid_name": "tier 3",
        "efi_deficits": 12,
        "efi_score": 12 / 36,
        "cms": 1.0,
        "ltc_count": 2,
        "registers": "",
        "frailty_markers": 2,
        "emergency_admissions_12m": 0,
        "ae_12m": 0,
    }


def _lake(root, *, with_care_records: bool = True):
    lake = Lake(root / "lake")
    lake.write("patient_insights", arrow("patient_insights", [_person(i) for i in range(1, 11)]))
    encounters = [
        {
            "patient_id": i,
            "type": "emergency_admission",
            "start_date": dt.date.fromisoformat(d),
            "provider_code": "RTH",
        }
        for i, days in ADMISSIONS.items()
        for d in days
    ]
    lake.write("encounters", arrow("encounters", encounters))
    if with_care_records:
        stays = [
            {
                "patient_id": i,
                "record_type": "virtual_ward",
                "code_system": "urn:nhc:care-record",
                "code": "virtual-ward-stay",
                "start_date": dt.date(2025, 6, 10),
                "source_id": f"episode-{i}",
            }
            for i in (1, 3)
        ]
        lake.write("care_records", arrow("care_records", stays))
    return root


def _run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_evaluate_json_gives_the_hand_worked_difference_in_differences(capsys, tmp_path) -> None:
    code, out, err = _run(capsys, "evaluate", "--data", str(_lake(tmp_path)), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert {k: doc[k] for k in ("treated", "matched", "comparators")} == {
        "treated": 2,
        "matched": 2,
        "comparators": 2,
    }
    assert (doc["before"], doc["after"], doc["counterfactual_after"]) == (1.5, 0.5, 1.5)
    assert (doc["difference"], doc["ci_95"], doc["relative"]) == (-1.0, [-1.0, -1.0], -0.6667)
    assert doc["limits"].startswith("Observational")


def test_evaluate_says_in_words_what_it_found_and_its_limits(capsys, tmp_path) -> None:
    code, out, _ = _run(capsys, "evaluate", "--data", str(_lake(tmp_path)))
    assert code == 0
    text = " ".join(out.split())
    assert "2 people admitted to the virtual ward with 6 months of follow-up" in text
    assert "Difference: -67%" in text and "Limits: Observational" in text


def test_evaluate_without_care_records_says_how_to_get_them(capsys, tmp_path) -> None:
    code, _, err = _run(capsys, "evaluate", "--data", str(_lake(tmp_path, with_care_records=False)))
    assert code == 2
    assert "the lake has no care records" in err and "nhc care export-lake" in err


def test_evaluate_refuses_an_unknown_outcome_by_name(capsys, tmp_path) -> None:
    code, _, err = _run(capsys, "evaluate", "--data", str(tmp_path), "--outcome", "falls")
    assert code == 2 and "outcome must be one of emergency_admission, ae" in err
