"""The outcomes report for the web: built on first request, kept until the lake changes.

:func:`nhc.outcomes.report.build_report` takes seconds on the county, so the pages never build it per
request. :class:`ReportCache` keeps one report per *lake version* (the names, times and sizes of the
source tables' files, as :class:`~nhc.insights.service.InsightsService` keys its cache on its own
tables) and as-of date, built under a lock by the first request that needs it, with the moment it
was computed. It lives in ``app.state.outcomes`` (made on first use; tests may set it).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request

from nhc.errors import NhcError
from nhc.insights.service import NotReady
from nhc.lake.engine import DuckDBEngine, connect
from nhc.lake.memo import lake_value
from nhc.lake.store import Lake, tables_version
from nhc.outcomes.report import SOURCE_TABLES, OutcomesReport, build_report
from nhc.reference.codelists import load_codelists
from nhc.settings import Settings
from nhc.synth.county import DEFAULT_AS_OF

MONTHS = 60
_made = threading.Lock()


@dataclass(frozen=True)
class Computed:
    """A report and when it was computed (UTC)."""

    report: OutcomesReport
    computed_at: dt.datetime
    seconds: float
    practice_names: dict[str, str] = field(default_factory=dict)


def build(settings: Settings, as_of: dt.date, months: int = MONTHS) -> OutcomesReport:
    """The whole report (every indicator, every breakdown, charted) over the settings' lake, computed
    once per process for each version of the lake's source tables (:mod:`nhc.lake.memo`)."""
    what = ("outcomes-web", settings.engine, as_of, months)
    return lake_value(what, settings.lake_dir, SOURCE_TABLES, lambda: _build(settings, as_of, months))


def _build(settings: Settings, as_of: dt.date, months: int) -> OutcomesReport:
    engine = connect(settings)
    if isinstance(engine, DuckDBEngine):
        engine.backend.raw_sql("SET enable_progress_bar = false")
    codes = load_codelists().select(["code", "cluster"])
    codelists = engine.from_arrow(codes, "nhc_outcomes_web_codelists")
    return build_report(engine, codelists, as_of, months)


def practice_names(settings: Settings) -> dict[str, str]:
    """Practice code to name, from the lake's reference geography (empty when it has none)."""
    lake = Lake(settings.lake_dir)
    if not lake.exists("practices"):
        return {}
    rows = lake.read("practices").select(["practice_code", "name"]).to_pylist()
    return {r["practice_code"]: r["name"] for r in rows if r["name"]}


class ReportCache:
    """One report per (lake version, as-of date), built once under a lock."""

    def __init__(
        self,
        settings: Settings,
        as_of: Callable[[], dt.date] = lambda: DEFAULT_AS_OF,
        builder: Callable[[Settings, dt.date], OutcomesReport] = build,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.settings, self._as_of, self._builder, self._clock = settings, as_of, builder, clock
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._value: Computed | None = None

    def version(self) -> tuple:
        """The source tables' files, their modification times and sizes."""
        return tables_version(self.settings.lake_dir, SOURCE_TABLES)

    def get(self) -> Computed:
        """The report for the lake as it is now (computed if the lake or as-of date changed)."""
        with self._lock:
            version = self.version()
            if not any(v[0] == "patients" for v in version):
                raise NotReady(
                    f"there is no lake in {self.settings.lake_dir} to compute the outcomes from",
                    hint="run `nhc synth` or `nhc load`, then `nhc run`",
                )
            key = (version, self._as_of())
            if self._value is None or self._key != key:
                start = time.perf_counter()
                report = self._builder(self.settings, key[1])
                seconds = time.perf_counter() - start
                self._value = Computed(report, self._clock(), seconds, practice_names(self.settings))
                self._key = key
            return self._value


def _as_of_of(request: Request) -> Callable[[], dt.date]:
    """The analytics' as-of date when the insight tables are there, else the county's default."""
    insights = getattr(request.app.state, "insights", None)

    def as_of() -> dt.date:
        try:
            day = insights.as_of() if insights is not None else ""
        except NhcError:
            day = ""
        return dt.date.fromisoformat(day) if day else DEFAULT_AS_OF

    return as_of


def report_cache(request: Request) -> ReportCache:
    """``app.state.outcomes``, made once on first use over the app's settings."""
    state = request.app.state
    with _made:
        if getattr(state, "outcomes", None) is None:
            state.outcomes = ReportCache(state.settings, _as_of_of(request))
        return state.outcomes
