"""The insights service on a small fixture lake: figures, bad input, and disclosure control on every
aggregate (every count shown is suppressed (None) when 7 or fewer, otherwise a multiple of 5)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from nhc.insights import BadParameter, InsightsService, NotFound
from nhc.insights.funnel import Z95, Z998, FunnelUnit, funnel
from nhc.insights.service import DIMENSIONS, INDICATORS, NotReady

COUNT_KEYS = {"count", "total", "population", "low", "moderate", "high", "aged_65_plus", "n", "y"}


def _counts(obj, path=""):
    """Every (path, value) under a key that holds a count of people (or events)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in COUNT_KEYS and (v is None or isinstance(v, int)) and not isinstance(v, bool):
                yield f"{path}.{k}", v
            elif k == "counts" and isinstance(v, dict):
                yield from ((f"{path}.counts.{kk}", vv) for kk, vv in v.items())
            else:
                yield from _counts(v, f"{path}.{k}")
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            yield from _counts(v, f"{path}[{i}]")


def _assert_controlled(obj) -> int:
    seen = 0
    for where, v in _counts(obj):
        seen += 1
        # None = suppressed (0-7 people), 0 = "none" (a structural zero: no one can be in the cell)
        assert v is None or v == 0 or (v > 7 and v % 5 == 0), f"{where} = {v} is not disclosure-controlled"
    return seen


def _total_bounds(svc: InsightsService, people: int) -> tuple[int, int]:
    """Where the county total of ``people`` can be: the sum of the neighbourhood x group cells,
    each published one within 2 of its truth, each suppressed one (0-7 people) counted as 0."""
    cells = [
        g["count"]
        for nb in svc.geography()["neighbourhoods"]
        for g in svc.overview((("neighbourhood", nb),))["pngs"]
    ]
    suppressed, shown = cells.count(None), len(cells) - cells.count(None)
    return people - 7 * suppressed - 2 * shown, people + 2 * shown


@pytest.fixture(scope="module")
def svc(fixture_lake) -> InsightsService:
    return InsightsService(fixture_lake.root)


def test_every_aggregate_is_disclosure_controlled(svc: InsightsService) -> None:
    outputs = [
        svc.overview(()),
        svc.overview((("png", 11),)),
        svc.neighbourhoods(),
        svc.worklist_counts(),
        *(svc.breakdown(d, ()) for d in DIMENSIONS),
        *(svc.breakdown(d, (("neighbourhood", "Banbury"),)) for d in DIMENSIONS),
        *(svc.neighbourhood_profile(n) for n in ("Banbury", "Bicester", "Witney", "Didcot")),
        *({"points": svc.variation(i)["funnel"].points} for i in INDICATORS),
    ]
    checked = sum(_assert_controlled(o) for o in outputs)
    assert checked > 500
    # small cells exist in the fixture, so suppression really happened
    assert any(v is None for o in outputs for _, v in _counts(o))


def test_overview_figures(svc: InsightsService) -> None:
    ov = svc.overview(())
    # the total is the sum of the 11 published group cells, not a second, separately rounded count
    # that could be differenced against them; each county group cell is in turn the sum of the
    # neighbourhoods' cells (disclosure control across tables), each within 2 of the truth or
    # suppressed (0-7 people, counted as 0)
    low, high = _total_bounds(svc, 1200)
    assert low <= ov["total"] <= high and [b["band"] for b in ov["bands"]] == ["low", "moderate", "high"]
    assert ov["total"] == sum(g["count"] or 0 for g in ov["pngs"])
    assert len(ov["pngs"]) == 11 and ov["as_of"] == "2026-03-31"
    assert abs(sum(b["share"] for b in ov["bands"]) - 100) < 1.5
    ages = [r["key"] for r in svc.breakdown("age_band", ())["rows"]]
    assert ages == ["0-17", "18-44", "45-64", "65-74", "75-84", "85+"]


def test_bad_parameters_and_unknown_ids(svc: InsightsService) -> None:
    with pytest.raises(BadParameter):
        svc.breakdown("password", ())
    with pytest.raises(BadParameter):
        svc.breakdown("sex", (("png", "x; DROP TABLE pi"),))
    with pytest.raises(NotFound):
        svc.check_png(12)
    with pytest.raises(NotFound):
        svc.neighbourhood_profile("Atlantis")
    with pytest.raises(NotFound):
        svc.variation("nope")
    with pytest.raises(NotFound):
        svc.patient(10**9)
    assert svc.patient_neighbourhood(10**9) is None


def test_person_level_reads(svc: InsightsService) -> None:
    rows = svc.worklist("Didcot")
    assert rows and all(r["worklist"] == "high_admission_risk" for r in rows)
    p = svc.patient(rows[0]["patient_id"])
    assert p["person"]["neighbourhood"] == "Didcot" and p["worklists"][0]["reasons"]


def test_missing_insight_tables_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(NotReady, match="nhc run"):
        InsightsService(tmp_path / "lake").overview(())


def test_cache_reloads_when_the_lake_changes(tmp_path) -> None:
    from tests.web.fixture_lake import write_fixture_lake

    write_fixture_lake(tmp_path / "lake", n=300)
    svc = InsightsService(tmp_path / "lake", check_seconds=0)
    low, high = _total_bounds(svc, 300)
    assert low <= svc.overview(())["total"] <= high
    write_fixture_lake(tmp_path / "lake", n=600)
    low, high = _total_bounds(svc, 600)
    assert low <= svc.overview(())["total"] <= high  # above anything 300 people could give


def test_funnel_limits_match_the_binomial_formula() -> None:
    units = [FunnelUnit(f"u{i}", f"u{i}", 100 * (i + 1), 10 * (i + 1)) for i in range(10)]
    f = funnel(units, "proportion")
    assert f.target == pytest.approx(0.1) and f.tau2 == 0 and not f.overdispersed
    n, lo95, hi95, lo998, hi998 = min(f.limits, key=lambda lim: abs(lim[0] - 400))
    sd = math.sqrt(0.1 * 0.9 / n)
    assert hi95 == pytest.approx(0.1 + Z95 * sd) and lo998 == pytest.approx(0.1 - Z998 * sd)
    assert lo95 == pytest.approx(0.1 - Z95 * sd) and hi998 == pytest.approx(0.1 + Z998 * sd)
    assert all(p.flag == "within" for p in f.points)


def test_funnel_overdispersion_adds_tau2_and_flags_outliers() -> None:
    rates = [0.05, 0.08, 0.1, 0.12, 0.15, 0.06, 0.14, 0.1, 0.09, 0.11, 0.4]
    units = [FunnelUnit(f"u{i}", f"u{i}", 1000, int(r * 1000)) for i, r in enumerate(rates)]
    f = funnel(units, "proportion")
    assert f.overdispersed and f.tau2 > 0 and f.phi > 1
    assert [p.unit for p in f.outliers] == ["u10"] and f.outliers[0].flag == "high-99.8"
    plain = funnel(units, "proportion", overdispersion=False)
    assert len(plain.outliers) > len(f.outliers)  # random effects widen the limits
    suppressed = funnel([*units, FunnelUnit("tiny", "tiny", 40, None)], "proportion")
    assert suppressed.points[-1].flag == "suppressed"
