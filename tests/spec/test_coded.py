"""Coded events: each person's summary per codelist cluster (first and last date, first code, number
of codes, latest value), the table every rule reads. Events after as-of are left out."""

from __future__ import annotations

import uuid

import pyarrow as pa

from nhc.analytics.rules import coded

from .helpers import AS_OF, arrow, d, load, rows

CODELISTS = [
    {"code": "1001", "cluster": "hba1c"},
    {"code": "1002", "cluster": "hba1c"},
    {"code": "2001", "cluster": "dm_cod"},
    {"code": "2002", "cluster": "dm_cod"},
    {"code": "2002", "cluster": "both"},
]
HBA1C_EVENTS = [
    {"patient_id": 1, "date": d("2024-01-10"), "snomed_code": "1002", "value": 50.0},
    {"patient_id": 1, "date": d("2025-06-01"), "snomed_code": "1001", "value": 61.0},
    {"patient_id": 1, "date": d("2025-12-01"), "snomed_code": "1001", "value": None},
    {"patient_id": 1, "date": d("2026-05-01"), "snomed_code": "1001", "value": 99.0},  # after as-of
]
HBA1C_SUMMARY = {
    "patient_id": 1,
    "cluster": "hba1c",
    "first_date": d("2024-01-10"),
    "last_date": d("2025-12-01"),
    "first_code": "1002",
    "n_codes": 3,
    "last_value": 61.0,
    "last_value_date": d("2025-06-01"),
}
TWO_CLUSTER_EVENTS = [
    {"patient_id": 2, "date": d("2020-02-02"), "snomed_code": "2002", "value": None},
    {"patient_id": 2, "date": d("2021-03-03"), "snomed_code": "2001", "value": None},
    {"patient_id": 2, "date": d("2022-04-04"), "snomed_code": "9999", "value": 1.0},  # in no codelist
]
TWO_CLUSTER_SUMMARY = [
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


def test_latest_value_and_first_code(spec):
    """The latest value is the one on the latest date that has a value (a later row without one does
    not count, nor a row after as-of); the first code is the one on the earliest date."""
    spec(
        given={"clinical_events": HBA1C_EVENTS, "codelists": CODELISTS},
        call=lambda t: coded.cluster_summary(t.clinical_events, t.codelists, AS_OF),
        expect=[HBA1C_SUMMARY],
    )


SAME_DAY_EVENTS = [
    # two codes of one codelist on the first day, and two values on the last, each pair listed
    # both ways round for two people: the answer must not depend on the order rows are read in
    {"patient_id": 3, "date": d("2025-01-01"), "snomed_code": "1002", "value": 48.0},
    {"patient_id": 3, "date": d("2025-01-01"), "snomed_code": "1001", "value": 52.0},
    {"patient_id": 4, "date": d("2025-01-01"), "snomed_code": "1001", "value": 52.0},
    {"patient_id": 4, "date": d("2025-01-01"), "snomed_code": "1002", "value": 48.0},
]


def test_on_a_tie_the_smallest_first_code_and_the_largest_latest_value(spec):
    """Two codes on the first day: the first code is the smaller code; two values on the last day:
    the latest value is the larger. Whatever order the rows come in, so every engine, and a nightly
    refresh reading a person's rows from the change log, gives the same answer as a full run."""
    summary = {
        "cluster": "hba1c",
        "first_date": d("2025-01-01"),
        "last_date": d("2025-01-01"),
        "first_code": "1001",
        "n_codes": 2,
        "last_value": 52.0,
        "last_value_date": d("2025-01-01"),
    }
    spec(
        given={"clinical_events": SAME_DAY_EVENTS, "codelists": CODELISTS},
        call=lambda t: coded.cluster_summary(t.clinical_events, t.codelists, AS_OF),
        expect=[{"patient_id": 3, **summary}, {"patient_id": 4, **summary}],
    )


def test_a_code_in_two_clusters_counts_in_both(spec):
    """A code in two clusters counts in both; a code in no codelist is ignored."""
    spec(
        given={"clinical_events": TWO_CLUSTER_EVENTS, "codelists": CODELISTS},
        call=lambda t: coded.cluster_summary(t.clinical_events, t.codelists, AS_OF),
        expect=TWO_CLUSTER_SUMMARY,
    )


def test_codelists_loaded_as_the_pipeline_loads_them(engine):
    """The same summary with the codelists loaded as the pipeline loads them (DuckDB: ENUM code and
    cluster)."""
    name = f"spec_codelists_{uuid.uuid4().hex[:8]}"
    cl = engine.from_arrow_categorical(pa.Table.from_pylist(CODELISTS), name, ("code", "cluster"))
    events = load(engine, "clinical_events", arrow("clinical_events", HBA1C_EVENTS + TWO_CLUSTER_EVENTS))
    got = rows(engine, coded.cluster_summary(events, cl, AS_OF), sort=["patient_id", "cluster"])
    assert got == [HBA1C_SUMMARY, *TWO_CLUSTER_SUMMARY]


def test_only_the_clusters_asked_for(spec):
    """Only the clusters asked for are summarised: a code in a left-out cluster still counts in the
    others."""
    spec(
        given={
            "clinical_events": [
                {"patient_id": 1, "date": d("2020-02-02"), "snomed_code": "2002", "value": None},
                {"patient_id": 1, "date": d("2021-02-02"), "snomed_code": "3001", "value": 120.0},
            ],
            "codelists": [
                {"code": "2001", "cluster": "dm_cod"},
                {"code": "2002", "cluster": "dm_cod"},
                {"code": "2002", "cluster": "both"},
                {"code": "3001", "cluster": "bp"},
            ],
        },
        call=lambda t: coded.cluster_summary(t.clinical_events, t.codelists, AS_OF, clusters={"dm_cod"}),
        expect=[{"patient_id": 1, "cluster": "dm_cod", "first_code": "2002", "n_codes": 1}],
    )
