"""The event-to-cluster summary every rule reads: dates, first code, counts and the latest value."""

from __future__ import annotations

import uuid

import pytest

from nhc.analytics import coded

from .helpers import AS_OF, arrow, codelists, d, load, rows


@pytest.mark.parametrize("as_loaded_by_the_pipeline", [False, True], ids=["plain", "categorical"])
def test_cluster_summary(engine, as_loaded_by_the_pipeline):
    """Also with the codelists loaded as the pipeline loads them (DuckDB: ENUM code and cluster)."""
    cl = codelists({"hba1c": ["1001", "1002"], "dm_cod": ["2001", "2002"], "both": ["2002"]})
    events = [
        # HbA1c: the latest value is the one on the latest date that has a value (a later row without
        # a value does not count), and the first code is the one on the earliest date
        {"patient_id": 1, "date": d("2024-01-10"), "snomed_code": "1002", "value": 50.0},
        {"patient_id": 1, "date": d("2025-06-01"), "snomed_code": "1001", "value": 61.0},
        {"patient_id": 1, "date": d("2025-12-01"), "snomed_code": "1001", "value": None},
        {"patient_id": 1, "date": d("2026-05-01"), "snomed_code": "1001", "value": 99.0},  # after as-of
        # a code in two clusters counts in both; a code in no codelist is ignored
        {"patient_id": 2, "date": d("2020-02-02"), "snomed_code": "2002", "value": None},
        {"patient_id": 2, "date": d("2021-03-03"), "snomed_code": "2001", "value": None},
        {"patient_id": 2, "date": d("2022-04-04"), "snomed_code": "9999", "value": 1.0},
    ]
    if as_loaded_by_the_pipeline:
        name = f"spec_codelists_{uuid.uuid4().hex[:8]}"
        cl_t = engine.from_arrow_categorical(cl.select(["code", "cluster"]), name, ("code", "cluster"))
    else:
        cl_t = load(engine, "codelists", cl)
    summary = coded.cluster_summary(
        load(engine, "clinical_events", arrow("clinical_events", events)), cl_t, AS_OF
    )
    got = rows(engine, summary, sort=["patient_id", "cluster"])
    assert got == [
        {
            "patient_id": 1,
            "cluster": "hba1c",
            "first_date": d("2024-01-10"),
            "last_date": d("2025-12-01"),
            "first_code": "1002",
            "n_codes": 3,
            "last_value": 61.0,
            "last_value_date": d("2025-06-01"),
        },
        {
            "patient_id": 2,
            "cluster": "both",
            "first_date": d("2020-02-02"),
            "last_date": d("2020-02-02"),
            "first_code": "2002",
            "n_codes": 1,
            "last_value": None,
            "last_value_date": None,
        },
        {
            "patient_id": 2,
            "cluster": "dm_cod",
            "first_date": d("2020-02-02"),
            "last_date": d("2021-03-03"),
            "first_code": "2002",
            "n_codes": 2,
            "last_value": None,
            "last_value_date": None,
        },
    ]


def test_cluster_summary_of_chosen_clusters(engine):
    """Only the clusters asked for: a code in a left-out cluster still counts in the others."""
    cl = codelists({"dm_cod": ["2001", "2002"], "both": ["2002"], "bp": ["3001"]})
    events = [
        {"patient_id": 1, "date": d("2020-02-02"), "snomed_code": "2002", "value": None},
        {"patient_id": 1, "date": d("2021-02-02"), "snomed_code": "3001", "value": 120.0},
    ]
    summary = coded.cluster_summary(
        load(engine, "clinical_events", arrow("clinical_events", events)),
        load(engine, "codelists", cl),
        AS_OF,
        clusters={"dm_cod"},
    )
    got = rows(engine, summary, columns=["patient_id", "cluster", "first_code", "n_codes"])
    assert got == [{"patient_id": 1, "cluster": "dm_cod", "first_code": "2002", "n_codes": 1}]
