"""eFI: category boundaries (4/5, 8/9, 12/13 deficits), polypharmacy, future-dated codes."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from nhc.analytics import coded, frailty, population

from .helpers import AS_OF, World, codelists, d, load, person, rows

# one code per deficit: code "E<i>" for the i-th code-based deficit
CODES = codelists({c: [f"E{i}"] for i, c in enumerate(frailty.CODED_DEFICITS)})


def _events(pid: int, n: int, date: str = "2020-01-01") -> list[dict]:
    return [{"patient_id": pid, "date": d(date), "snomed_code": f"E{i}"} for i in range(n)]


def _meds(pid: int, codes: list[str], date: dt.date) -> list[dict]:
    return [{"patient_id": pid, "date": date, "dmd_code": c} for c in codes]


def test_efi_categories_and_polypharmacy(engine):
    counts = {1: 0, 2: 4, 3: 5, 4: 8, 5: 9, 6: 12, 7: 13, 8: 35}
    events = [e for pid, n in counts.items() for e in _events(pid, n)]
    events += [{"patient_id": 2, "date": d("2026-04-01"), "snomed_code": "E20"}]  # future-dated: ignored
    events += [{"patient_id": 2, "date": d("2020-01-01"), "snomed_code": "E0"}]  # same deficit twice: once
    in_window = AS_OF - dt.timedelta(days=364)
    edge = AS_OF - dt.timedelta(days=365)  # exactly 365 days before: outside the 12 months
    meds = (
        _meds(8, ["M1", "M2", "M3", "M4", "M5"], in_window)  # 35 + polypharmacy = 36 -> score 1.0
        + _meds(9, ["M1", "M2", "M3", "M4", "M5"], in_window)  # polypharmacy only
        + _meds(10, ["M1", "M2", "M3", "M4", "M4", "M4"], in_window)  # 4 distinct: no
        + _meds(11, ["M1", "M2", "M3", "M4"], in_window)
        + _meds(11, ["M5"], edge)  # 5th outside window: no
        + _meds(3, ["M1", "M2", "M3", "M4"], AS_OF)
        + _meds(3, ["M5"], AS_OF + dt.timedelta(days=1))
    )
    pids = [*counts, 9, 10, 11]
    w = World(
        engine,
        patients=[person(p, "1940-01-01")[0] for p in pids],
        practice_registrations=[person(p, "1940-01-01")[1] for p in pids],
        clinical_events=events,
        medications=meds,
    )
    cl = load(engine, "codes", CODES)
    summary = coded.cluster_summary(w["clinical_events"], cl, AS_OF)
    pop = population.population(
        w["patients"],
        w["practice_registrations"],
        w["deaths"],
        w["small_areas"],
        w["practices"],
        w["care_home_residence"],
        AS_OF,
    )
    deficits = frailty.efi_deficits(summary, frailty.polypharmacy(w["medications"], AS_OF), AS_OF)
    got = rows(
        engine,
        frailty.efi(deficits, pop),
        ["patient_id", "efi_deficits", "efi_category"],
        sort=["patient_id"],
    )
    got = {r["patient_id"]: (r["efi_deficits"], r["efi_category"]) for r in got}
    assert got == {
        1: (0, "fit"),
        2: (4, "fit"),
        3: (5, "mild"),
        4: (8, "mild"),
        5: (9, "moderate"),
        6: (12, "moderate"),
        7: (13, "severe"),
        8: (36, "severe"),
        9: (1, "fit"),
        10: (0, "fit"),
        11: (0, "fit"),
    }
    scores = {
        r["patient_id"]: r["efi_score"] for r in engine.to_arrow(frailty.efi(deficits, pop)).to_pylist()
    }
    assert scores[8] == 1.0
    assert abs(scores[3] - 5 / 36) < 1e-12
    poly = [r for r in rows(engine, deficits) if r["deficit"] == "polypharmacy"]
    assert [(r["patient_id"], r["detail"]) for r in sorted(poly, key=lambda r: r["patient_id"])] == [
        (8, "5 different medicines issued in 12 months"),
        (9, "5 different medicines issued in 12 months"),
    ]


def test_boundaries_match_clegg_cut_points():
    # fit <= 0.12 < mild <= 0.24 < moderate <= 0.36 < severe, on n/36
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
    assert 0.0 <= n / frailty.N_DEFICITS <= 1.0
    assert frailty.category_for_count(n) in ("fit", "mild", "moderate", "severe")
    if n < 36:
        order = ["fit", "mild", "moderate", "severe"]
        assert order.index(frailty.category_for_count(n)) <= order.index(frailty.category_for_count(n + 1))
