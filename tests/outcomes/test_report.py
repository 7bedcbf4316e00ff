"""The outcomes report over a small lake on DuckDB: published series, SPC, gaps, absent clusters."""

from __future__ import annotations

import ibis
import pytest

from nhc.errors import NhcError
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from nhc.outcomes.catalogue import BY_ID
from nhc.outcomes.report import build_report
from tests.spec.helpers import codelists

from .lake import AS_OF, DIABETES, HBA1C, write_lake

# The codelists of this test hold no foot surveillance cluster (as the lake before issue 17's history).
OTHERS = ("systolic-blood-pressure", "cholesterol", "creatinine", "urinary-albumin-creatinine-ratio", "bmi")
CODES = codelists(
    {
        "dm_cod": [DIABETES],
        "hba1c": [HBA1C],
        "smoking-status-never": ["S"],
        **{c: [c.upper()] for c in OTHERS},
    }
)
CHOSEN = [BY_ID[i] for i in ("diabetes-hba1c", "diabetes-hba1c-target", "diabetes-all-eight", "copd-review")]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = write_lake(tmp_path_factory.mktemp("outcomes"))
    engine = DuckDBEngine.open(Lake(root / "lake"))
    seen: list[str] = []
    out = build_report(
        engine, ibis.memtable(CODES), AS_OF, months=24, indicators=CHOSEN, progress=seen.append
    )
    out.progress_seen = seen
    return out


def test_an_indicator_whose_cluster_is_absent_is_reported_not_computed(report):
    """All eight care processes need foot surveillance, which these codelists lack; COPD review needs
    the COPD register and the review codes."""
    assert report.unavailable["diabetes-all-eight"] == ["foot-surveillance"]
    assert set(report.unavailable["copd-review"]) == {"copd_cod", "copd-review"}
    with pytest.raises(NhcError, match="foot-surveillance"):
        report.of("diabetes-all-eight", "county")
    summary = {r["id"]: r for r in report.summary_json()["indicators"]}
    assert summary["diabetes-all-eight"]["available"] is False
    assert summary["diabetes-all-eight"]["missing_clusters"] == ["foot-surveillance"]


def test_the_latest_county_value_is_published_from_rounded_counts(report):
    """March 2026: 30 of the 40 people with diabetes had an HbA1c in 15 months: 75 %."""
    (county,) = report.of("diabetes-hba1c", "county")
    last = county.latest()
    assert (last.month.isoformat(), last.numerator, last.denominator, last.value) == (
        "2026-03-01",
        30,
        40,
        75.0,
    )
    assert len(county.points) == 24


def test_practice_series_split_the_county(report):
    """Odd-numbered people are at P1, even at P2: 20 each, 15 each with an HbA1c."""
    series = report.of("diabetes-hba1c", "practice")
    assert [(s.group, s.latest().numerator, s.latest().denominator) for s in series] == [
        ("P1", 15, 20),
        ("P2", 15, 20),
    ]


def test_core20_gap_and_no_sii_without_every_quintile(report):
    """Core20 (people 1-20): all 20 have an HbA1c, 100 %; the rest 10 of 20, 50 %: gap +50 points,
    twice as high. Only two quintiles have people, so there is no SII."""
    gap, sii = report.gaps(BY_ID["diabetes-hba1c"])
    assert (gap.core20, gap.rest, gap.absolute, gap.relative) == (100.0, 50.0, 50.0, 2.0)
    assert sii is None


def test_every_series_gets_an_spc_chart_and_the_summary_its_icons(report):
    """A steady 75 % for 24 months is common cause variation."""
    row = next(r for r in report.summary_json()["indicators"] if r["id"] == "diabetes-hba1c")
    assert row["spc"]["variation_icon"] == "common_cause"
    assert row["latest"] == {"month": "2026-03", "value": 75.0, "numerator": 30, "denominator": 40}
    assert all(s.chart is not None for s in report.series.values() if len(s.published_values()) >= 2)


def test_progress_names_each_step(report):
    assert report.progress_seen[0] == "reading the codelists"
    assert "counting diabetes" in report.progress_seen and report.progress_seen[-1] == "charting"


def test_unknown_indicator_or_breakdown_is_a_clear_error(report):
    with pytest.raises(NhcError, match="no indicator"):
        report.of("nope", "county")
    with pytest.raises(NhcError, match="--by must be one of"):
        report.of("diabetes-hba1c", "postcode")


@pytest.mark.spark
def test_the_report_gives_the_same_figures_on_spark(tmp_path):
    """The edge (cached events and cells, breakdowns, publishing) runs on Spark as on DuckDB."""
    from nhc.lake.engine import SparkEngine

    root = write_lake(tmp_path)
    engine = SparkEngine.open(Lake(root / "lake"))
    out = build_report(engine, ibis.memtable(CODES), AS_OF, months=13, indicators=[BY_ID["diabetes-hba1c"]])
    (county,) = out.of("diabetes-hba1c", "county")
    last = county.latest()
    assert (last.numerator, last.denominator, last.value) == (30, 40, 75.0)
    assert [s.group for s in out.of("diabetes-hba1c", "practice")] == ["P1", "P2"]
