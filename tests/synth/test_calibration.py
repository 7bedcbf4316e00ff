"""The 200k county against the published figures it is calibrated to.

Everything is measured from the lake's Parquet files with the packaged codelists, as an analyst
would, not from the generator's internals.
"""

from __future__ import annotations

import pytest

# QOF 2019/20 Oxfordshire prevalences (House of Commons Library), with each register's age limit.
QOF_TARGETS = [
    ("hyp_cod", 0, 0.1262),
    ("depr_cod", 18, 0.1176),
    ("ast_cod", 0, 0.0622),
    ("dm_cod", 17, 0.0506),
    ("c19can_cod", 0, 0.0353),
    ("ckd_cod", 18, 0.0311),
    ("chd_cod", 0, 0.0232),
    ("afib_cod", 0, 0.0203),
    ("strk_cod", 0, 0.0173),
    ("copd_cod", 0, 0.0139),
    ("mh_cod", 0, 0.0082),
    ("hf_cod", 0, 0.0075),
    ("dem_cod", 0, 0.0074),
    ("epil_cod", 18, 0.0070),
    ("ld_cod", 0, 0.0039),
    ("palcare_cod", 0, 0.0032),
]


@pytest.mark.parametrize(("cluster", "min_age", "target"), QOF_TARGETS, ids=[c for c, _, _ in QOF_TARGETS])
def test_register_prevalence_within_ten_percent_of_qof(county_sql, cluster, min_age, target):
    has, denominator = county_sql.execute(
        """
        SELECT count(DISTINCT e.patient_id) FILTER (WHERE e.patient_id IS NOT NULL), count(DISTINCT l.patient_id)
        FROM living l
        LEFT JOIN (
            SELECT ce.patient_id FROM clinical_events ce
            JOIN codelists c ON c.code = ce.snomed_code AND c.cluster = ?
        ) e ON e.patient_id = l.patient_id
        WHERE l.age >= ?
        """,
        [cluster, min_age],
    ).fetchone()
    prevalence = has / denominator
    assert prevalence == pytest.approx(target, rel=0.10), f"{cluster}: {prevalence:.4f} vs {target}"


def test_age_structure_matches_census_2021(county_sql):
    n, over65, over75 = county_sql.execute(
        "SELECT count(*), avg((age >= 65)::int), avg((age >= 75)::int) FROM living"
    ).fetchone()
    assert n == 200_000
    assert over65 == pytest.approx(0.18, abs=0.01)
    assert over75 == pytest.approx(0.09, abs=0.01)


def test_efi_categories_among_65_plus_match_published_prior(county_sql):
    """Count the 35 coded deficits plus polypharmacy (5+ medicines in 12 months) as the eFI does."""
    shares = dict(
        county_sql.execute(
            """
            WITH coded AS (
                SELECT ce.patient_id, count(DISTINCT c.cluster) AS n
                FROM clinical_events ce JOIN codelists c ON c.code = ce.snomed_code
                WHERE c.cluster LIKE 'efi-%' GROUP BY 1
            ), poly AS (
                SELECT patient_id FROM medications WHERE date > DATE '2025-03-31'
                GROUP BY 1 HAVING count(DISTINCT dmd_code) >= 5
            ), scored AS (
                SELECT l.patient_id,
                       (coalesce(coded.n, 0) + (poly.patient_id IS NOT NULL)::int) / 36.0 AS efi
                FROM living l LEFT JOIN coded USING (patient_id) LEFT JOIN poly USING (patient_id)
                WHERE l.age >= 65
            )
            SELECT CASE WHEN efi <= 0.12 THEN 'fit' WHEN efi <= 0.24 THEN 'mild'
                        WHEN efi <= 0.36 THEN 'moderate' ELSE 'severe' END, count(*) / sum(count(*)) OVER ()
            FROM scored GROUP BY 1
            """
        ).fetchall()
    )
    assert shares["fit"] == pytest.approx(0.50, abs=0.04)
    assert shares["mild"] == pytest.approx(0.35, abs=0.04)
    assert shares["moderate"] == pytest.approx(0.12, abs=0.03)
    assert shares["severe"] == pytest.approx(0.03, abs=0.015)


def test_conditions_cluster_rather_than_fall_independently(county_sql):
    """Diabetes is far commoner with hypertension than without, within the same age band."""
    with_htn, without_htn = county_sql.execute(
        """
        WITH flags AS (
            SELECT l.patient_id,
                   bool_or(c.cluster = 'dm_cod') AS dm, bool_or(c.cluster = 'hyp_cod') AS htn
            FROM living l
            LEFT JOIN clinical_events ce ON ce.patient_id = l.patient_id
            LEFT JOIN codelists c ON c.code = ce.snomed_code AND c.cluster IN ('dm_cod', 'hyp_cod')
            WHERE l.age BETWEEN 55 AND 64 GROUP BY 1
        )
        SELECT avg(coalesce(dm, false)::int) FILTER (WHERE htn), avg(coalesce(dm, false)::int) FILTER (WHERE NOT coalesce(htn, false))
        FROM flags
        """
    ).fetchone()
    assert with_htn > 2 * without_htn


def test_emergency_admissions_concentrate_in_frail_and_multimorbid(county_sql):
    rate_frail, rate_rest = county_sql.execute(
        """
        WITH deficits AS (
            SELECT ce.patient_id, count(DISTINCT c.cluster) AS n
            FROM clinical_events ce JOIN codelists c ON c.code = ce.snomed_code
            WHERE c.cluster LIKE 'efi-%' GROUP BY 1
        ), admissions AS (
            SELECT patient_id, count(*) AS n FROM encounters WHERE type = 'emergency_admission' GROUP BY 1
        )
        SELECT avg(coalesce(a.n, 0)) FILTER (WHERE d.n >= 8), avg(coalesce(a.n, 0)) FILTER (WHERE coalesce(d.n, 0) < 3)
        FROM living l LEFT JOIN deficits d USING (patient_id) LEFT JOIN admissions a USING (patient_id)
        """
    ).fetchone()
    assert rate_frail > 5 * rate_rest


def test_diabetes_control_varies_by_practice_and_deprivation(county_sql):
    practice_sd, deprived, affluent = county_sql.execute(
        """
        WITH hba1c AS (
            SELECT ce.patient_id, avg(ce.value) AS v FROM clinical_events ce
            JOIN codelists c ON c.code = ce.snomed_code AND c.cluster = 'hba1c'
            JOIN clinical_events dm ON dm.patient_id = ce.patient_id
            JOIN codelists cd ON cd.code = dm.snomed_code AND cd.cluster = 'dm_cod'
            GROUP BY 1
        ), joined AS (
            SELECT h.v, r.practice_code, s.imd_decile FROM hba1c h
            JOIN practice_registrations r ON r.patient_id = h.patient_id AND r.end_date IS NULL
            JOIN patients p ON p.patient_id = h.patient_id
            JOIN small_areas s ON s.small_area_code = p.small_area_code
        ), by_practice AS (SELECT practice_code, avg(v) AS m FROM joined GROUP BY 1)
        SELECT (SELECT stddev(m) FROM by_practice),
               (SELECT avg(v) FROM joined WHERE imd_decile <= 3), (SELECT avg(v) FROM joined WHERE imd_decile >= 8)
        """
    ).fetchone()
    assert practice_sd > 1.5  # mmol/mol between practice means
    assert deprived > affluent + 2


def test_every_nhs_number_is_valid_unique_and_in_the_test_range(county_sql):
    from nhc.synth.identity import is_valid_nhs_number

    numbers = [r[0] for r in county_sql.execute("SELECT nhs_number FROM patients").fetchall()]
    assert len(numbers) == len(set(numbers))
    assert all(n.startswith("999") for n in numbers)
    assert all(is_valid_nhs_number(n) for n in numbers)


def test_no_record_after_death_or_after_as_of(county_sql):
    late = county_sql.execute(
        """
        SELECT count(*) FROM clinical_events e LEFT JOIN deaths d USING (patient_id)
        WHERE e.date > DATE '2026-03-31' OR e.date > d.date_of_death
        """
    ).fetchone()[0]
    late_meds = county_sql.execute(
        """
        SELECT count(*) FROM medications m LEFT JOIN deaths d USING (patient_id)
        WHERE m.date > DATE '2026-03-31' OR m.date > d.date_of_death
        """
    ).fetchone()[0]
    assert late == 0 and late_meds == 0


def test_special_groups_present(county_sql):
    care_home, pregnant = county_sql.execute(
        """
        SELECT (SELECT count(*) FROM care_home_residence WHERE end_date IS NULL),
               (SELECT count(DISTINCT ce.patient_id) FROM clinical_events ce
                JOIN codelists c ON c.code = ce.snomed_code AND c.cluster = 'pregnancy-antenatal')
        """
    ).fetchone()
    assert 0.004 * 200_000 < care_home < 0.008 * 200_000
    assert 0.006 * 200_000 < pregnant < 0.011 * 200_000
