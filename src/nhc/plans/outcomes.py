"""The plan's outcomes section from the outcomes report (:mod:`nhc.outcomes.report`): the Making
Data Count summary for the scope (latest month, the county beside it, variation and assurance of
the scope's own SPC chart) and diabetes at a glance (the National Diabetes Audit's care processes
and treatment targets, here against the county).

:class:`LakeOutcomes` builds the report once per lake version for the command line and the
benchmark (the web pages hand the plans their own report cache instead, so a plan and
``/outcomes`` share one report).
"""

from __future__ import annotations

import datetime as dt

from nhc.insights.service import NotReady
from nhc.lake.engine import DuckDBEngine, connect
from nhc.lake.memo import lake_value
from nhc.lake.store import tables_version
from nhc.outcomes.catalogue import INDICATORS
from nhc.outcomes.report import DISCLOSURE, SOURCE_TABLES, OutcomesReport, Series, build_report
from nhc.plans.plan import TITLES, Scope, Section, Table
from nhc.reference.codelists import load_codelists
from nhc.settings import Settings

#: Months of history in the plans' report: enough for SPC limits (Making Data Count asks for 20+).
MONTHS = 24


class LakeOutcomes:
    """The outcomes report over ``settings``' lake at ``as_of``, built on first use and again when
    the lake's source tables change (kept once per process: :mod:`nhc.lake.memo`)."""

    def __init__(self, settings: Settings, months: int = MONTHS) -> None:
        self.settings, self.months = settings, months

    def __call__(self, as_of: dt.date) -> OutcomesReport:
        lake_dir = self.settings.lake_dir
        if not any(v[0] == "patients" for v in tables_version(lake_dir, ("patients",))):
            raise NotReady(f"there is no lake in {lake_dir} to compute the outcomes from")
        what = ("outcomes-plans", self.settings.engine, as_of, self.months)
        return lake_value(what, lake_dir, SOURCE_TABLES, lambda: self._build(as_of))

    def _build(self, as_of: dt.date) -> OutcomesReport:
        engine = connect(self.settings)
        if isinstance(engine, DuckDBEngine):
            engine.backend.raw_sql("SET enable_progress_bar = false")
        codes = engine.from_arrow(load_codelists().select(["code", "cluster"]), "nhc_plans_codelists")
        by = ("county", "locality", "neighbourhood", "imd_quintile")
        return build_report(engine, codes, as_of, self.months, by=by)


def _latest(series: Series | None) -> tuple[int | None, int | None, float | None]:
    point = series.latest() if series else None
    return (None, None, None) if point is None else (point.numerator, point.denominator, point.value)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def outcomes_section(report: OutcomesReport | None, scope: Scope, why: str = "") -> Section:
    """The Making Data Count summary and diabetes at a glance for ``scope``."""
    if report is None:
        return Section.waiting("outcomes", why or "The outcomes report is not ready: there is no lake yet.")
    by, group = scope.breakdown
    rows, diabetes = [], []
    for ind in INDICATORS:
        if ind.id in report.unavailable:
            continue
        here = report.series.get((ind.id, by, group))
        county = report.series.get((ind.id, "county", "All"))
        num, den, value = _latest(here)
        chart = here.chart if here else None
        row = {
            "id": ind.id,
            "title": ind.title,
            "unit": ind.unit,
            "value": _rounded(value),
            "county": _rounded(_latest(county)[2]),
            "variation": chart.variation_icon if chart else None,
            "assurance": chart.assurance_icon.value if chart and chart.assurance_icon else None,
            "numerator": num,
            "denominator": den,
        }
        rows.append(row)
        if ind.population == "diabetes":
            diabetes.append(row)
    summary = Table(
        "outcomes",
        "Making Data Count summary: the latest month",
        (
            ("title", "Indicator", "text"),
            ("value", "Here", "number"),
            ("county", "County", "number"),
            ("variation", "Variation", "icon"),
            ("assurance", "Assurance", "icon"),
        ),
        tuple(rows),
        note=DISCLOSURE,
    )
    glance = Table(
        "diabetes",
        "Diabetes at a glance: care processes and treatment targets (%)",
        (
            ("title", "Indicator", "text"),
            ("numerator", "People meeting it", "count"),
            ("denominator", "People it applies to", "count"),
            ("value", "Here (%)", "number"),
            ("county", "County (%)", "number"),
        ),
        tuple(diabetes),
    )
    month = report.span.last
    sentences = (
        f"The latest complete month is {dt.date(month // 12, month % 12 + 1, 1):%B %Y}; each indicator's "
        f"variation and assurance are read from {scope.title}'s own chart of the last {report.span.count} months.",
    )
    return Section("outcomes", TITLES["outcomes"], sentences, (summary, glance))
