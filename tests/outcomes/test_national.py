"""The published national figures (:mod:`nhc.reference.national`): every row names an indicator the
report computes and the page it comes from, and a bad row is refused with its line."""

from __future__ import annotations

import pytest

from nhc.errors import InputError
from nhc.outcomes.catalogue import BY_ID
from nhc.reference.national import DATA, diabetes_audit


def test_every_national_figure_compares_with_an_indicator_and_cites_its_page():
    figures = diabetes_audit()
    assert {f.indicator for f in figures} >= {
        "diabetes-all-eight",
        "diabetes-hba1c-target",
        "diabetes-bp-target",
    }
    for f in figures:
        assert f.indicator in BY_ID and BY_ID[f.indicator].population == "diabetes"
        assert f.source_url.startswith(("https://", "http://")) and f.source and f.audit_year[:2] == "20"
    # one figure as the page states it (HQIP, NDA 2014-15: 74.2% of people with type 2 diabetes at 140/80)
    bp = next(f for f in figures if f.indicator == "diabetes-bp-target")
    assert (bp.percent, bp.diabetes_type, bp.audit_year) == (74.2, "type 2", "2014-15")


def test_a_percentage_out_of_range_is_refused_with_its_line(tmp_path):
    lines = DATA.read_text(encoding="utf-8").splitlines()
    header = next(n for n, line in enumerate(lines) if not line.startswith("#"))
    bad = lines[header + 1].replace(",47.0,", ",147.0,")
    path = tmp_path / "diabetes_audit.csv"
    path.write_text("\n".join([*lines[: header + 1], bad]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"diabetes_audit.csv:{header + 2}: must be a number"):
        diabetes_audit(path)
