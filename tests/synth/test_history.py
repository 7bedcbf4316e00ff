"""Five years of history worth charting: winter seasonality, the two named step changes, practice
variation in diabetes care processes, deprivation gradients and people overdue for review.

Measured from the lake's Parquet files with the packaged codelists, as an analyst would; the
expected figures come from the documented design (docs/synthetic-county.md), not from the code.
"""

from __future__ import annotations

import pytest

from nhc.analytics.pipeline import run
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from nhc.synth.county import SynthOptions, generate_to_lake

# The eight care processes of the National Diabetes Audit, by the clusters that record them.
PROCESS_OF = """
    CASE WHEN c.cluster LIKE 'smoking-status-%' THEN 'smoking'
         WHEN c.cluster = 'systolic-blood-pressure' THEN 'blood pressure'
         ELSE c.cluster END
"""
PROCESS_CLUSTERS = (
    "'hba1c', 'systolic-blood-pressure', 'cholesterol', 'creatinine', 'urinary-albumin-creatinine-ratio', "
    "'foot-surveillance', 'bmi', 'smoking-status-current', 'smoking-status-ex', 'smoking-status-never'"
)


@pytest.fixture(scope="module")
def diabetes(county_sql):
    """Living people with diabetes: their current practice, IMD decile and diagnosis date; and every
    care process they had (one row per person, process and date)."""
    county_sql.execute(
        """
        CREATE OR REPLACE TABLE dm AS
        SELECT l.patient_id, r.practice_code, s.imd_decile, min(e.date) AS diagnosed
        FROM living l
        JOIN clinical_events e ON e.patient_id = l.patient_id
        JOIN codelists c ON c.code = e.snomed_code AND c.cluster = 'dm_cod'
        JOIN practice_registrations r ON r.patient_id = l.patient_id AND r.end_date IS NULL
        JOIN patients p ON p.patient_id = l.patient_id
        JOIN small_areas s ON s.small_area_code = p.small_area_code
        GROUP BY ALL
        """
    )
    county_sql.execute(
        f"""
        CREATE OR REPLACE TABLE processes AS
        SELECT DISTINCT e.patient_id, {PROCESS_OF} AS process, e.date
        FROM clinical_events e JOIN codelists c ON c.code = e.snomed_code AND c.cluster IN ({PROCESS_CLUSTERS})
        WHERE e.patient_id IN (SELECT patient_id FROM dm)
        """
    )
    return county_sql


def _completion(con, where: str, start: str, end: str) -> float:
    """Share of the eight processes done in [start, end] by people with diabetes diagnosed before start."""
    return con.execute(
        f"""
        SELECT avg(n / 8) FROM (
            SELECT d.patient_id, count(DISTINCT p.process) AS n FROM dm d
            LEFT JOIN processes p ON p.patient_id = d.patient_id AND p.date BETWEEN DATE '{start}' AND DATE '{end}'
            WHERE d.diagnosed < DATE '{start}' AND {where}
            GROUP BY 1
        )
        """
    ).fetchone()[0]


def test_five_years_of_every_kind_of_activity(county_sql):
    """Each of the five years to 31 March 2026 has encounters of every type, readings,
    prescriptions and deaths; nothing dated is older than the history (except diagnoses)."""
    years = county_sql.execute(
        """
        WITH activity AS (
            SELECT start_date AS d, type AS kind FROM encounters
            UNION ALL SELECT date, 'reading' FROM clinical_events e
                JOIN codelists c ON c.code = e.snomed_code AND c.cluster IN ('hba1c', 'bmi', 'cholesterol')
            UNION ALL SELECT date, 'prescription' FROM medications
            UNION ALL SELECT date_of_death, 'death' FROM deaths
        )
        SELECT kind, count(DISTINCT date_diff('year', d, DATE '2026-03-31') - (strftime(d, '%m%d') > '0331')::int),
               min(d)
        FROM activity GROUP BY 1
        """
    ).fetchall()
    kinds = {kind: (n_years, first) for kind, n_years, first in years}
    expected = {
        "gp",
        "community",
        "ae",
        "emergency_admission",
        "outpatient",
        "reading",
        "prescription",
        "death",
    }
    assert set(kinds) == expected
    for kind, (n_years, first) in kinds.items():
        assert n_years == 5, kind
        assert str(first) >= "2021-03-01", kind


@pytest.mark.parametrize(("kind", "at_least"), [("emergency_admission", 1.12), ("ae", 1.05)])
def test_more_admissions_and_ae_in_winter(county_sql, kind, at_least):
    """Per day, Dec-Feb has clearly more than Jun-Aug (NHS England activity: winter pressures)."""
    winter, summer = county_sql.execute(
        """
        SELECT count(*) FILTER (WHERE month(start_date) IN (12, 1, 2)) / 361.0,
               count(*) FILTER (WHERE month(start_date) IN (6, 7, 8)) / 368.0
        FROM encounters WHERE type = ? AND start_date BETWEEN DATE '2021-06-01' AND DATE '2026-02-28'
        """,
        [kind],
    ).fetchone()
    assert winter > at_least * summer


def test_banbury_cross_improves_its_diabetes_care_from_april_2024(diabetes):
    """K84225's care-process completion jumps after 1 April 2024; the rest of the county does not."""
    here = "d.practice_code = 'K84225'"
    elsewhere = "d.practice_code <> 'K84225'"
    before = _completion(diabetes, here, "2023-04-01", "2024-03-31")
    after = _completion(diabetes, here, "2024-04-01", "2025-03-31")
    rest_before = _completion(diabetes, elsewhere, "2023-04-01", "2024-03-31")
    rest_after = _completion(diabetes, elsewhere, "2024-04-01", "2025-03-31")
    assert before < 0.72 and after > 0.8
    assert after - before > 0.15
    assert abs(rest_after - rest_before) < 0.04


def test_south_east_oxford_admissions_rise_from_october_2024(county_sql):
    """Emergency admissions of people registered in South East Oxford: the year from 1 October 2024
    has clearly more than the year before; the rest of the county about the same."""
    ratios = dict(
        county_sql.execute(
            """
            SELECT pr.neighbourhood = 'South East Oxford',
                   count(*) FILTER (WHERE e.start_date BETWEEN DATE '2024-10-01' AND DATE '2025-09-30')
                   / count(*) FILTER (WHERE e.start_date BETWEEN DATE '2023-10-01' AND DATE '2024-09-30')
            FROM encounters e
            JOIN practice_registrations r ON r.patient_id = e.patient_id AND r.end_date IS NULL
            JOIN practices pr ON pr.practice_code = r.practice_code
            WHERE e.type = 'emergency_admission'
            GROUP BY 1
            """
        ).fetchall()
    )
    assert ratios[True] > 1.2
    assert 0.9 < ratios[False] < 1.1


def test_practices_vary_in_diabetes_care_process_completion(diabetes):
    """In the 12 months to as-of, the worst practices complete under 70% of the eight processes and
    the best over 90%."""
    low, high = diabetes.execute(
        """
        SELECT min(c), max(c) FROM (
            SELECT d.practice_code, avg(n / 8) AS c FROM (
                SELECT d.patient_id, count(DISTINCT p.process) AS n FROM dm d
                LEFT JOIN processes p ON p.patient_id = d.patient_id AND p.date > DATE '2025-03-31'
                GROUP BY 1
            ) x JOIN dm d USING (patient_id) GROUP BY 1
        )
        """
    ).fetchone()
    assert low < 0.70
    assert high > 0.90


def test_each_of_the_eight_processes_is_recorded_and_all_eight_is_plausible(diabetes):
    """Each process done for most people with diabetes in the year; all eight for roughly half
    (NDA 2021-22, type 2: about 47%)."""
    shares = dict(
        diabetes.execute(
            """
            SELECT process, count(DISTINCT patient_id) / (SELECT count(*) FROM dm)
            FROM processes WHERE date > DATE '2025-03-31' GROUP BY 1
            """
        ).fetchall()
    )
    assert len(shares) == 8
    assert all(0.5 < s < 0.97 for s in shares.values()), shares
    assert shares["urinary-albumin-creatinine-ratio"] == min(shares.values())
    all_eight = _completion(diabetes, "TRUE", "2025-04-01", "2026-03-31")
    assert 0.6 < all_eight < 0.9  # the average share; the all-eight share is lower still


def test_deprived_areas_have_fewer_reviews_and_more_admissions(diabetes):
    deprived = _completion(diabetes, "d.imd_decile <= 3", "2025-04-01", "2026-03-31")
    affluent = _completion(diabetes, "d.imd_decile >= 8", "2025-04-01", "2026-03-31")
    assert deprived < affluent - 0.03
    poor, rich = diabetes.execute(
        """
        SELECT count(e.patient_id) FILTER (WHERE s.imd_decile <= 3) / count(DISTINCT l.patient_id) FILTER (WHERE s.imd_decile <= 3),
               count(e.patient_id) FILTER (WHERE s.imd_decile >= 8) / count(DISTINCT l.patient_id) FILTER (WHERE s.imd_decile >= 8)
        FROM living l JOIN patients p USING (patient_id) JOIN small_areas s USING (small_area_code)
        LEFT JOIN encounters e ON e.patient_id = l.patient_id AND e.type = 'emergency_admission'
        """
    ).fetchone()
    assert poor > 1.2 * rich


def test_statins_for_people_with_diabetes_aged_40_and_over(diabetes):
    share, young = diabetes.execute(
        """
        SELECT avg((m.patient_id IS NOT NULL)::int) FILTER (WHERE l.age >= 40),
               avg((m.patient_id IS NOT NULL)::int) FILTER (WHERE l.age < 30)
        FROM dm JOIN living l USING (patient_id)
        LEFT JOIN (SELECT DISTINCT x.patient_id FROM medications x
                   JOIN codelists c ON c.code = x.dmd_code AND c.cluster = 'statins'
                   WHERE x.date > DATE '2025-03-31') m USING (patient_id)
        """
    ).fetchone()
    assert 0.6 < share < 0.85
    assert young < share / 2


@pytest.mark.parametrize(("review", "register"), [("copd-review", "copd_cod"), ("asthma-review", "ast_cod")])
def test_copd_and_asthma_reviews_only_for_people_on_the_register(county_sql, review, register):
    reviewed, on_register, strays = county_sql.execute(
        """
        WITH reg AS (SELECT DISTINCT e.patient_id FROM clinical_events e
                     JOIN codelists c ON c.code = e.snomed_code AND c.cluster = ?),
             rev AS (SELECT DISTINCT e.patient_id FROM clinical_events e
                     JOIN codelists c ON c.code = e.snomed_code AND c.cluster = ?
                     WHERE e.date > DATE '2025-03-31')
        SELECT (SELECT count(*) FROM rev WHERE patient_id IN (SELECT patient_id FROM living)),
               (SELECT count(*) FROM reg WHERE patient_id IN (SELECT patient_id FROM living)),
               (SELECT count(*) FROM rev WHERE patient_id NOT IN (SELECT patient_id FROM reg))
        """,
        [register, review],
    ).fetchone()
    assert strays == 0
    assert 0.45 < reviewed / on_register < 0.9


def test_the_overdue_diabetes_worklist_is_not_empty_on_the_test_county(tmp_path):
    """The 3,000-person county the web tests use has people with diabetes, a high last HbA1c and
    no review in 12 months."""
    lake = generate_to_lake(SynthOptions(patients=3000, seed=1), tmp_path / "lake").lake_dir
    result = run(DuckDBEngine.open(Lake(lake)), write=False)
    assert result.summary["worklists"].get("diabetes_unreviewed_high_hba1c", 0) >= 3
