"""The outcomes report: every available indicator, monthly, in every breakdown, disclosure-controlled,
with its SPC chart and its inequality gaps — the use case behind ``nhc outcomes``.

The edge between the pure rules and an engine: it takes a *table source* (anything with
``table(name)`` and ``to_arrow(expr)``, such as :class:`nhc.lake.engine.Engine`) and the codelists as
an Ibis table, runs one query per population (each fetched as Arrow, so a large intermediate is never
computed twice), then sums the cells into breakdowns and publishes them in one more query. SPC and
inequality are computed in Python from the published series.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import ibis
import pyarrow as pa

from nhc.errors import NhcError
from nhc.outcomes import measures
from nhc.outcomes.catalogue import (
    ACS_CLUSTERS,
    BY_ID,
    INDICATORS,
    LEFT_OUT,
    POPULATIONS,
    Indicator,
    Kind,
    clusters_needed,
    missing_clusters,
)
from nhc.outcomes.inequality import Gap, Sii, core20_gap, sii
from nhc.outcomes.months import Span
from nhc.outcomes.series import BREAKDOWNS, breakdowns, published
from nhc.outcomes.spc import SpcChart, SpcOptions, spc

if TYPE_CHECKING:
    import ibis.expr.types as ir

SOURCE_TABLES = (
    "patients",
    "practice_registrations",
    "clinical_events",
    "medications",
    "encounters",
    "deaths",
    "small_areas",
    "practices",
)
DISCLOSURE = (
    "Counts of 7 or fewer are suppressed and the rest rounded to the nearest 5 (OpenSAFELY's rule, "
    "nhc.analytics.rules.disclosure); values, SPC and gaps are computed from the published counts."
)


class TableSource(Protocol):
    def table(self, name: str) -> ir.Table: ...

    def to_arrow(self, expr: ir.Expr) -> pa.Table: ...


Progress = Callable[[str], None]


def cell_parts(
    t: dict[str, ir.Table], indicators: Sequence[Indicator], span: Span
) -> list[tuple[str, ir.Table]]:
    """The cell queries, one per population (and one for the rates, one for deaths): (label, query).
    ``t``: the source tables by lake name, and ``codelists``."""
    src = (t["patients"], t["practice_registrations"], t["deaths"], t["small_areas"])
    parts: list[tuple[str, ir.Table]] = []
    rates = [i for i in indicators if i.kind is Kind.RATE]
    if rates:
        acs = None
        if any(i.events == "acs_admission" for i in rates):
            acs = measures.first_months(t["clinical_events"], t["codelists"], ACS_CLUSTERS, span.last)
        parts.append(("rates", measures.rate_cells(rates, src, t["encounters"], acs, span)))
    for name in POPULATIONS:
        group = [i for i in indicators if i.population == name]
        if not group:
            continue
        since = measures.population_since(t["clinical_events"], t["codelists"], name, span.last)
        cells = measures.proportion_cells(
            group, src, since, t["clinical_events"], t["medications"], t["codelists"], span
        )
        parts.append((name, cells))
    for i in indicators:
        if i.kind is Kind.DEATHS:
            deaths = measures.death_cells(
                i, t["patients"], t["practice_registrations"], t["deaths"], t["small_areas"], span
            )
            parts.append((i.id, deaths))
    return parts


@dataclass(frozen=True)
class Point:
    month: dt.date
    numerator: int | None
    denominator: int | None
    value: float | None


@dataclass
class Series:
    indicator: Indicator
    by: str
    group: str
    points: list[Point] = field(default_factory=list)
    chart: SpcChart | None = None

    def published_values(self) -> list[float]:
        return [p.value for p in self.points if p.value is not None]

    def chart_it(self) -> None:
        """The SPC chart of the published values (suppressed months left out); none under 2 points."""
        values = self.published_values()
        if len(values) >= 2:
            options = SpcOptions(improvement=self.indicator.improvement, target=self.indicator.target)
            self.chart = spc(values, options)

    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "points": [
                {
                    "month": p.month.isoformat()[:7],
                    "numerator": p.numerator,
                    "denominator": p.denominator,
                    "value": p.value,
                }
                for p in self.points
            ],
            "spc": _spc_json(self.chart),
        }


def _spc_json(chart: SpcChart | None) -> dict[str, Any] | None:
    if chart is None:
        return None
    doc = chart.as_json()
    return {k: doc[k] for k in ("mean", "lower_limit", "upper_limit", "variation_icon", "assurance_icon")}


@dataclass
class OutcomesReport:
    as_of: dt.date
    span: Span
    series: dict[tuple[str, str, str], Series]
    unavailable: dict[str, list[str]]
    timings: dict[str, float] = field(default_factory=dict)

    def of(self, indicator_id: str, by: str) -> list[Series]:
        """Every group's series of one indicator in one breakdown, in group order."""
        if indicator_id not in BY_ID:
            raise NhcError(f"no indicator {indicator_id!r}", hint="`nhc outcomes` lists them")
        if by not in BREAKDOWNS:
            raise NhcError(f"--by must be one of {', '.join(BREAKDOWNS)}, not {by!r}")
        if indicator_id in self.unavailable:
            missing = ", ".join(self.unavailable[indicator_id])
            raise NhcError(f"indicator {indicator_id} cannot be computed: the codelists lack {missing}")
        return [s for (i, b, _), s in sorted(self.series.items()) if i == indicator_id and b == by]

    def chart_all(self) -> None:
        for s in self.series.values():
            s.chart_it()

    def quintile_counts(self, indicator_id: str) -> dict[int, tuple[int | None, int | None]]:
        """Published counts of the latest month by IMD quintile."""
        out = {}
        for s in self.of(indicator_id, "imd_quintile"):
            last = s.latest()
            if last is not None and s.group.isdigit() and last.month == _month(self.span.last):
                out[int(s.group)] = (last.numerator, last.denominator)
        return out

    def gaps(self, indicator: Indicator) -> tuple[Gap | None, Sii | None]:
        counts = self.quintile_counts(indicator.id)
        return core20_gap(counts, indicator.scale), sii(counts, indicator.scale)

    def summary_json(self) -> dict[str, Any]:
        rows = []
        for i in INDICATORS:
            row: dict[str, Any] = {
                "id": i.id,
                "title": i.title,
                "kind": i.kind.value,
                "unit": i.unit,
                "improvement": i.improvement.value,
                "numerator": i.numerator,
                "denominator": i.denominator,
                "source": i.source,
                "note": i.note,
            }
            if i.id in self.unavailable:
                rows.append({**row, "available": False, "missing_clusters": self.unavailable[i.id]})
                continue
            county = self.series.get((i.id, "county", "All"))
            last = county.latest() if county else None
            gap, slope = self.gaps(i)
            row |= {
                "available": True,
                "latest": None
                if last is None
                else {
                    "month": last.month.isoformat()[:7],
                    "value": last.value,
                    "numerator": last.numerator,
                    "denominator": last.denominator,
                },
                "spc": _spc_json(county.chart if county else None),
                "core20_gap": None if gap is None else gap.as_json(),
                "sii": None if slope is None else slope.as_json(),
            }
            rows.append(row)
        return {
            "as_of": self.as_of.isoformat(),
            "months": {
                "first": _month(self.span.first).isoformat()[:7],
                "last": _month(self.span.last).isoformat()[:7],
            },
            "indicators": rows,
            "left_out": LEFT_OUT,
            "disclosure": DISCLOSURE,
        }


def _month(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _cached(expr: ir.Table) -> ir.Table:
    """``expr`` materialised by its engine (a temporary table, or Spark's cache); use it in a ``with``.

    Ibis registers the in-memory tables a query reads (the months, a codelist) when it runs one, but
    not when Spark caches one, so they are registered first."""
    expr._find_backend(use_default=True)._run_pre_execute_hooks(expr)
    return expr.cache()


def available_clusters(source: TableSource, codelists: ir.Table) -> set[str]:
    got = source.to_arrow(codelists.select("cluster").distinct())
    return {c for c in got.column("cluster").to_pylist() if c is not None}


def build_report(
    source: TableSource,
    codelists: ir.Table,
    as_of: dt.date,
    months: int = 60,
    indicators: Sequence[Indicator] = INDICATORS,
    progress: Progress | None = None,
    by: Sequence[str] = tuple(BREAKDOWNS),
    chart: bool = True,
) -> OutcomesReport:
    """Every indicator of ``indicators`` the codelists allow, over the ``months`` months ending with
    the last complete month on or before ``as_of``, published, in the breakdowns ``by``; with their
    SPC charts unless ``chart`` is false. ``timings`` holds the seconds of each step."""
    timings: dict[str, float] = {}
    clock = [time.perf_counter(), ""]

    def say(message: str) -> None:
        now = time.perf_counter()
        if clock[1]:
            timings[str(clock[1])] = now - float(clock[0])
        clock[:] = [now, message]
        if progress is not None and message:
            progress(message)

    span = Span.ending(as_of, months)
    say("reading the codelists")
    have = available_clusters(source, codelists)
    unavailable = {i.id: m for i in indicators if (m := missing_clusters(i, have))}
    ready = [i for i in indicators if i.id not in unavailable]
    tables = {n: source.table(n) for n in SOURCE_TABLES} | {"codelists": codelists}
    needed = sorted({c for i in ready for needs in clusters_needed(i) for c in needs})
    fetched = []
    say("selecting the coded events")
    # Each population reads the events of its clusters: read the large tables once, keeping the rows
    # any indicator reads, materialised (a temporary table, or Spark's cache).
    with (
        _cached(measures.relevant(tables["clinical_events"], codelists, needed, "snomed_code")) as events,
        _cached(measures.relevant(tables["medications"], codelists, needed, "dmd_code")) as medicines,
    ):
        tables |= {"clinical_events": events, "medications": medicines}
        for label, query in cell_parts(tables, ready, span):
            say(f"counting {label}")
            # The cells are read once per breakdown: materialise them rather than let the engine
            # compute them again for each.
            with _cached(query) as cells:
                fetched.append(source.to_arrow(breakdowns(cells, tables["practices"], tuple(by))))
    report = OutcomesReport(as_of, span, {}, unavailable, timings)
    if not fetched:
        say("")
        return report
    say("publishing")
    series = ibis.memtable(pa.concat_tables(fetched, promote_options="permissive"))
    rows = source.to_arrow(published(series, {i.id: i.scale for i in ready})).to_pylist()
    grouped: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for r in rows:
        grouped[(r["indicator"], r["by"], r["group"])].append(r)
    for key, points in grouped.items():
        points.sort(key=lambda r: r["month"])
        report.series[key] = Series(
            BY_ID[key[0]],
            key[1],
            key[2],
            [Point(r["month"], r["numerator"], r["denominator"], r["value"]) for r in points],
        )
    if chart:
        say("charting")
        report.chart_all()
    say("")
    return report
