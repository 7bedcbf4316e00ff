"""The planning use cases for the CLI and the web pages: the baseline, a scenario, a planner's choices.

``PlanningService(settings)`` reads the baseline from the lake once and runs scenarios on it with
the shipped demography rates and unit costs, against staff in post from ``staff`` (the care side's
teams, read by the composition root or the web layer) where it has them, else the scenario file. What leaves it is aggregate and disclosure-controlled
(:func:`nhc.analytics.rules.disclosure.safe_count`): baseline counts of 7 or fewer suppressed, the
rest rounded to 5, rates worked out from the controlled counts. Scenario outputs are county totals
of modelled (not counted) activity.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from nhc.analytics.rules.disclosure import safe_count
from nhc.planning import montecarlo
from nhc.planning.baseline import COUNTED
from nhc.planning.choices import Choices, to_scenario
from nhc.planning.domain import Baseline
from nhc.planning.lake import read_baseline
from nhc.planning.parameters import (
    DemographyRates,
    Scenario,
    UnitCosts,
    load_scenario,
    shipped_demography,
    shipped_unit_costs,
)
from nhc.planning.staff import StaffInPost
from nhc.settings import Settings

#: Results of a planner's choices kept (the same choices give the same results: runs are seeded).
KEEP_RESULTS = 32

#: The groupings ``baseline`` reports, each a :class:`~nhc.planning.domain.Cell` field.
GROUPINGS = ("png", "age_band", "sex", "imd_quintile")


def _rate(count: float, person_years: int | None) -> float | None:
    """1,000 x the controlled ``count`` / controlled ``person_years``; ``None`` if either is suppressed."""
    c = safe_count(round(count))
    return None if c is None or not person_years else 1000 * c / person_years


def controlled_rows(baseline: Baseline, by: str) -> list[dict[str, Any]]:
    """People and activity per 1,000 person-years grouped ``by`` one cell field, disclosure-controlled:
    counts of 7 or fewer read ``None``, others are rounded to 5, and each rate is 1,000 x rounded
    activity / rounded person-years (``None`` where either is suppressed)."""
    out = []
    for row in baseline.rates_by(by):
        py = safe_count(round(row["person_years"]))
        safe = {key: row[key] for key in (by, "png_name") if key in row}
        safe["person_years"] = py
        for s in COUNTED:
            safe[s] = _rate(row[s] * row["person_years"] / 1000, py)
        out.append(safe)
    return out


class PlanningService:
    """Baseline and scenarios over the lake in ``settings``.

    ``read`` replaces reading the baseline from the lake (tests); ``staff`` is asked for the staff in
    post each time a scenario runs (``None``: use the scenario file's figures)."""

    def __init__(
        self,
        settings: Settings,
        *,
        rates: DemographyRates | None = None,
        costs: UnitCosts | None = None,
        read: Callable[[], Baseline] | None = None,
        staff: Callable[[], StaffInPost | None] | None = None,
    ) -> None:
        self.settings = settings
        self.rates = rates or shipped_demography()
        self.costs = costs or shipped_unit_costs()
        self.staff = staff or (lambda: None)
        self._read = read or (lambda: read_baseline(settings))
        self._baseline: Baseline | None = None
        self._lock = threading.Lock()
        self._results: OrderedDict[tuple[Choices, str], montecarlo.Result] = OrderedDict()
        self._yearly: OrderedDict[tuple[Choices, str], list[dict[str, dict[str, float]]]] = OrderedDict()

    @property
    def baseline(self) -> Baseline:
        """The baseline from the lake (read once, by one caller at a time)."""
        with self._lock:
            if self._baseline is None:
                self._baseline = self._read()
            return self._baseline

    def baseline_report(self) -> dict[str, Any]:
        """The baseline as JSON-ready data: as-of, rates by each grouping, coverage, what is left out,
        and the provenance of the unit costs and rates the scenarios use."""
        b = self.baseline
        totals = b.totals()
        py = float(b.person_years.sum())
        return {
            "as_of": b.as_of.isoformat(),
            "person_years": safe_count(round(py)),
            "per_1000": {s: _rate(totals[s], safe_count(round(py))) for s in COUNTED},
            "by": {g: controlled_rows(b, g) for g in GROUPINGS},
            "coverage": {
                s: {"attributed": safe_count(a), "total": safe_count(t)} for s, (a, t) in b.coverage.items()
            },
            "left_out": dict(b.left_out),
            "unit_costs": {
                "status": self.costs.status,
                "price_year": self.costs.price_year,
                "provenance": self.costs.provenance,
            },
            "demography": {"status": self.rates.status, "provenance": self.rates.provenance},
            "need_group_moves": self.moves_report(),
        }

    def run(self, scenario: Scenario, runs: int | None = None) -> montecarlo.Result:
        """``scenario`` run on the baseline (``runs`` overrides its own) against the staff in post."""
        return montecarlo.run(self.baseline, scenario, self.rates, self.costs, runs, staff=self.staff())

    def run_scenario(self, path: Path, runs: int | None = None) -> montecarlo.Result:
        """The scenario in ``path`` run on the baseline (``runs`` overrides the file's)."""
        return self.run(load_scenario(path), runs)

    def run_choices(self, choices: Choices, name: str = "Your scenario") -> montecarlo.Result:
        """The scenario a planner chose (:func:`~nhc.planning.choices.to_scenario`), its result kept
        for the next :data:`KEEP_RESULTS` different choices (sorting and downloads ask again)."""
        key = (choices, name)
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        result = self.run(to_scenario(choices, name))
        with self._lock:
            self._results[key] = result
            while len(self._results) > KEEP_RESULTS:
                self._results.popitem(last=False)
        return result

    def yearly(self, choices: Choices, name: str = "Your scenario") -> list[dict[str, dict[str, float]]]:
        """The summary (P10/P50/P90 of each measure) at each year from 1 to the horizon, for a fan
        chart: the chosen scenario run again with each shorter horizon (same seed and runs)."""
        key = (choices, f"{name}\x00yearly")
        with self._lock:
            if key in self._yearly:
                return self._yearly[key]
        out = []
        for year in range(1, choices.horizon_years):
            shorter = replace(choices, horizon_years=year)
            out.append(
                montecarlo.run(self.baseline, to_scenario(shorter, name), self.rates, self.costs).summary
            )
        out.append(self.run_choices(choices, name).summary)
        with self._lock:
            self._yearly[key] = out
            while len(self._yearly) > KEEP_RESULTS:
                self._yearly.popitem(last=False)
        return out

    def moves_report(self) -> dict[str, Any]:
        """How people move between need groups in a year, disclosure-controlled: per age band and
        need group with an estimate, people at the earlier date (rounded to 5, 7 or fewer
        suppressed) and the share still in their group a year later; the dates and how."""
        b = self.baseline
        rows = []
        if b.transitions is not None:
            for r in b.transitions.moving():
                people = safe_count(r["people"])
                rows.append({**r, "people": people, "stay": r["stay"] if people is not None else None})
        earlier = b.transitions.earlier.isoformat() if b.transitions is not None else None
        return {
            "estimated": b.transitions is not None,
            "earlier": earlier,
            "note": b.transitions_note,
            "rows": rows,
        }
