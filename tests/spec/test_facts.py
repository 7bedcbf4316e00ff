"""Facts read from the cluster summary: time-windowed flags, frailty markers, pregnancy, latest HbA1c."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from nhc.analytics.rules import facts

from .helpers import AS_OF, rows

DAY = dt.timedelta(days=1)
SUMMARY_SCHEMA = pa.schema(
    [
        ("patient_id", pa.int64()),
        ("cluster", pa.string()),
        ("first_date", pa.date32()),
        ("last_date", pa.date32()),
        ("first_code", pa.string()),
        ("n_codes", pa.int64()),
        ("last_value", pa.float64()),
        ("last_value_date", pa.date32()),
    ]
)


def _row(pid: int, cluster: str, last: dt.date, value: float | None = None) -> dict:
    return {
        "patient_id": pid,
        "cluster": cluster,
        "first_date": last - 400 * DAY,
        "last_date": last,
        "first_code": "1",
        "n_codes": 2,
        "last_value": value,
        "last_value_date": last if value is not None else None,
    }


def _facts(engine, summary_rows: list[dict]) -> list[dict]:
    summary = ibis.memtable(pa.Table.from_pylist(summary_rows, schema=SUMMARY_SCHEMA))
    flags = [f.name for f in facts.WINDOW_FLAGS]
    markers = [f"fm_{i}" for i in range(len(facts.FRAILTY_MARKERS))]
    cols = [
        "patient_id",
        *flags,
        *markers,
        "frailty_markers",
        "pregnant",
        "hba1c_last_value",
        "hba1c_last_date",
    ]
    got = rows(engine, facts.cluster_facts(summary, AS_OF), columns=cols, sort=["patient_id"])
    # keep only what is true or set, so each expectation lists what the person has
    return [{k: v for k, v in r.items() if k == "patient_id" or (v not in (False, None, 0))} for r in got]


def test_window_flags_and_markers(engine):
    """Flags and frailty markers from clusters coded in their window (12 months; 280 days for
    pregnancy): a day past the window is out, a marker from two clusters counts once, a future date
    is not "in", a cluster the facts do not read changes nothing."""
    summary = [
        # care plan: two of its clusters in 12 months make one flag; a third outside the window
        _row(1, "multidisciplinary-team", AS_OF - 10 * DAY),
        _row(1, "dementia-care-plan", AS_OF - 364 * DAY),
        _row(1, "cancer-multidisciplinary-team", AS_OF - 365 * DAY),  # exactly a year: outside
        # one marker from two clusters counts once; falls from "falls" alone; a future date is not "in"
        _row(1, "efi-cognitive-problems", AS_OF - 5 * DAY),
        _row(1, "dem_cod", AS_OF - 6 * DAY),
        _row(1, "falls", AS_OF),
        _row(1, "efi-housebound", AS_OF + DAY),
        # a cluster the facts do not read
        _row(1, "hypertension", AS_OF - DAY),
        # 280-day window of the pregnancy flags against the 365 of the others
        _row(2, "pregnancy-antenatal", AS_OF - 279 * DAY),
        _row(2, "pre-eclampsia", AS_OF - 280 * DAY),  # on the 280th day: outside
        _row(2, "selfharm-episodes", AS_OF - 300 * DAY),
        _row(2, "hba1c", AS_OF - 400 * DAY, value=48.0),  # value kept, but not in 12 months
        # only outside every window: a row with nothing set
        _row(3, "medication-review-basic", AS_OF - 400 * DAY),
    ]
    assert _facts(engine, summary) == [
        {"patient_id": 1, "care_plan_12m": True, "fm_1": True, "fm_7": True, "frailty_markers": 2},
        {
            "patient_id": 2,
            "pregnancy_code": True,
            "selfharm_12m": True,
            "pregnant": True,
            "hba1c_last_value": 48.0,
            "hba1c_last_date": AS_OF - 400 * DAY,
        },
        {"patient_id": 3},
    ]


def test_pregnancy_ends_with_a_later_delivery(engine):
    """Pregnant: a pregnancy code in 280 days and no delivery coded after it (an earlier
    pregnancy's delivery does not end a new one)."""
    summary = [
        _row(1, "pregnancy-antenatal", AS_OF - 200 * DAY),
        _row(1, "pregnancy-delivery", AS_OF - 20 * DAY),  # delivered since: not pregnant
        _row(2, "pregnancy-antenatal", AS_OF - 20 * DAY),
        _row(2, "pregnancy-delivery", AS_OF - 270 * DAY),  # an earlier pregnancy's delivery
        _row(2, "gestational-diabetes", AS_OF - 30 * DAY),
        _row(2, "hba1c", AS_OF - 30 * DAY, value=41.0),
    ]
    assert _facts(engine, summary) == [
        {"patient_id": 1, "pregnancy_code": True, "delivery_code": True},
        {
            "patient_id": 2,
            "pregnancy_code": True,
            "delivery_code": True,
            "pregnancy_complication": True,
            "hba1c_12m": True,
            "pregnant": True,
            "hba1c_last_value": 41.0,
            "hba1c_last_date": AS_OF - 30 * DAY,
        },
    ]


def test_condition_facts_equal_the_register_efi_and_cms_blocks(engine):
    """The run joins registers, eFI and CMS as one block (one aggregate over their long tables); for
    everyone in any of them it says what the three separate rules say."""
    from nhc.analytics.rules import frailty, multimorbidity, registers

    d = AS_OF - 30 * DAY
    regs = pa.table(
        {
            "patient_id": pa.array([1, 1, 2, 4], pa.int64()),
            "register": ["diabetes", "smi", "ckd", "asthma"],
            "first_date": [d] * 4,
            "last_date": [d] * 4,
            "code": ["c"] * 4,
        }
    )
    deficits = pa.table(
        {
            "patient_id": pa.array([1, 2, 2, 3] + [5] * 10, pa.int64()),
            "deficit": ["efi-falls", "efi-falls", "polypharmacy", "efi-falls"] + [f"d{i}" for i in range(10)],
            "code": ["c"] * 14,
            "date": [d] * 14,
            "detail": ["first recorded"] * 14,
        }
    )
    cms = pa.table(
        {
            "patient_id": pa.array([2, 3, 3], pa.int64()),
            "condition": ["x", "x", "y"],
            "weight": [0.5, 0.25, 0.125],
            "code": ["c"] * 3,
            "date": [d] * 3,
        }
    )
    people = pa.table({"patient_id": pa.array([1, 2, 3, 4, 5], pa.int64())})
    r, f, c, pop = (ibis.memtable(t) for t in (regs, deficits, cms, people))
    got = {x["patient_id"]: x for x in rows(engine, facts.condition_facts(r, f, c))}
    assert set(got) == {1, 2, 3, 4, 5}
    flags = {x["patient_id"]: x for x in rows(engine, registers.register_flags(r))}
    efi = {x["patient_id"]: x for x in rows(engine, frailty.efi(f, pop))}
    scores = {x["patient_id"]: x for x in rows(engine, multimorbidity.cms(c, pop))}
    for pid, row in got.items():
        want = {**efi[pid], **scores[pid]}
        no_register = {f"reg_{n}": False for n in registers.REGISTER_NAMES}
        no_register.update(registers="", ltc_count=0, major_count=0, psych_count=0)
        want.update(flags.get(pid, no_register))
        assert row == pytest.approx(want), pid
    assert got[5]["efi_category"] == "moderate"  # 10 deficits
    assert got[3]["cms"] == 0.38  # 0.375 rounded
    assert got[1]["registers"] == "diabetes; smi"
