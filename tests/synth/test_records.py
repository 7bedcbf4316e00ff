"""Row order of the event tables: by patient, then day, then code, ties kept in arrival order."""

from __future__ import annotations

import numpy as np

from nhc.synth.records import sort_order


def test_rows_sort_by_patient_then_day_then_code_keeping_ties_in_order():
    patient = np.array([2, 1, 1, 1, 2, 1])
    day = np.array([5, 9, -3, 9, 5, 9])  # negative: before 1970
    code = np.array([0, 7, 4, 2, 0, 7])
    assert sort_order(patient, day, code).tolist() == [2, 3, 1, 5, 0, 4]


def test_values_too_large_for_the_packed_key_still_sort_correctly():
    patient = np.array([1 << 40, 0, 1 << 40])
    day = np.array([0, 200_000, -1])
    code = np.array([3, 1 << 30, 3])
    assert sort_order(patient, day, code).tolist() == [1, 2, 0]


def test_no_rows():
    assert sort_order(np.zeros(0), np.zeros(0), np.zeros(0)).tolist() == []
