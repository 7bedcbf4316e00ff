"""Equity of social prescribing, spec style (tiny input, expected output, one behaviour per test):
people (not referrals) counted at each stage by group, the project's small-number rule on every cell,
people the lake does not know as "Not known"; and the lake reader of person details."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from nhc.navigation.domain.referral import Referral, Source, Status
from nhc.navigation.services.equity import LakePeople, equity_rows

AT = dt.datetime(2026, 4, 1, 9, 0)
WOMAN_Q1 = {"imd_quintile": "1", "age_band": "65-74", "sex": "F", "ethnicity": "White"}


def referral(patient_id: int, status: Status = Status.SENT) -> Referral:
    return Referral(patient_id, "svc", "Lunch club", Source.CLINICIAN, "gp", AT, status=status)


def cell(rows, family: str, value: str) -> tuple:
    (row,) = [r for r in rows if (r.family, r.value) == (family, value)]
    return row.referred, row.declined, row.helped


def test_people_are_counted_once_however_many_referrals_they_have():
    referrals = [referral(p) for p in range(1, 11)] + [referral(p, Status.ENDED) for p in range(1, 11)]
    rows = equity_rows(referrals, dict.fromkeys(range(1, 11), WOMAN_Q1))
    assert cell(rows, "imd_quintile", "1") == (10, None, 10)  # 10 people, not 20 referrals


def test_declined_counts_provider_declines_and_unanswered_referrals():
    referrals = [referral(p, Status.DECLINED) for p in range(1, 6)]
    referrals += [referral(p, Status.AUTO_DECLINED) for p in range(6, 12)]
    rows = equity_rows(referrals, dict.fromkeys(range(1, 12), WOMAN_Q1))
    assert cell(rows, "sex", "F") == (10, 10, None)  # 11 people, rounded to 10; none helped


def test_small_counts_are_suppressed_and_the_rest_rounded_to_5():
    referrals = [referral(p) for p in range(1, 21)]
    details = {p: {**WOMAN_Q1, "sex": "M" if p <= 7 else "F"} for p in range(1, 21)}
    rows = equity_rows(referrals, details)
    assert cell(rows, "sex", "M")[0] is None  # 7 men: suppressed
    assert cell(rows, "sex", "F")[0] == 15  # 13 women: rounded to 15


def test_people_the_lake_does_not_know_are_not_known():
    rows = equity_rows([referral(p) for p in range(1, 9)], {})
    assert cell(rows, "ethnicity", "Not known") == (10, None, None)  # 8 people, rounded to 10
    assert cell(rows, "ethnicity", "White") == (None, None, None)


def test_every_group_of_every_breakdown_is_listed_in_order():
    rows = equity_rows([], {})
    assert [r.value for r in rows if r.family == "imd_quintile"] == ["1", "2", "3", "4", "5", "Not known"]
    assert [r.value for r in rows if r.family == "sex"] == ["F", "M", "Not known"]


def _write(folder, name: str, rows: list[dict]) -> None:
    (folder / name).mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / name / "part-0.parquet")


def test_lake_people_reads_insights_and_ethnicity_of_the_people_asked_for(tmp_path):
    _write(tmp_path, "patient_insights", [
        {"patient_id": 1, "as_of": dt.date(2026, 3, 31), "age_band": "85+", "sex": "F", "imd_quintile": 2},
        {"patient_id": 2, "as_of": dt.date(2026, 3, 31), "age_band": "18-44", "sex": "M", "imd_quintile": None},
    ])  # fmt: skip
    _write(
        tmp_path,
        "patients",
        [{"patient_id": 1, "ethnicity": "Asian"}, {"patient_id": 3, "ethnicity": "Black"}],
    )
    people = LakePeople(tmp_path)
    assert people.details([1, 2, 3]) == {
        1: {"age_band": "85+", "sex": "F", "imd_quintile": "2", "ethnicity": "Asian"},
        2: {"age_band": "18-44", "sex": "M", "imd_quintile": "Not known", "ethnicity": "Not known"},
    }
    assert people.as_of() == dt.date(2026, 3, 31)


def test_lake_people_without_the_analytics_knows_no_one(tmp_path):
    people = LakePeople(tmp_path)
    assert (people.details([1]), people.as_of(), people.ready) == ({}, None, False)
