"""The planning use cases for the CLI (and, to come, the web pages): the baseline and a scenario.

``PlanningService(settings)`` reads the baseline from the lake once and runs scenarios on it with
the shipped demography rates and unit costs. What leaves it is aggregate and disclosure-controlled
(:func:`nhc.analytics.rules.disclosure.safe_count`): baseline counts of 7 or fewer suppressed, the
rest rounded to 5, rates worked out from the controlled counts. Scenario outputs are county totals
of modelled (not counted) activity.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from nhc.analytics.rules.disclosure import safe_count
from nhc.planning import montecarlo
from nhc.planning.baseline import COUNTED
from nhc.planning.domain import Baseline
from nhc.planning.lake import read_baseline
from nhc.planning.parameters import (
    DemographyRates,
    UnitCosts,
    load_scenario,
    shipped_demography,
    shipped_unit_costs,
)
from nhc.settings import Settings

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
    """Baseline and scenarios over the lake in ``settings``."""

    def __init__(
        self, settings: Settings, *, rates: DemographyRates | None = None, costs: UnitCosts | None = None
    ) -> None:
        self.settings = settings
        self.rates = rates or shipped_demography()
        self.costs = costs or shipped_unit_costs()

    @cached_property
    def baseline(self) -> Baseline:
        """The baseline from the lake (read once)."""
        return read_baseline(self.settings)

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
        }

    def run_scenario(self, path: Path, runs: int | None = None) -> montecarlo.Result:
        """The scenario in ``path`` run on the baseline (``runs`` overrides the file's)."""
        scenario = load_scenario(path)
        return montecarlo.run(self.baseline, scenario, self.rates, self.costs, runs)
