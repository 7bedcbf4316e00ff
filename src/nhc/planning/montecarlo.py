"""A scenario run: demography, levers sampled from their intervals, and what the activity needs.

Run 0 is the principal (every lever at its interval's midpoint); runs 1.. draw each lever from a
normal distribution whose 10th and 90th centiles are the interval's ends, cut to 0..1. Each lever
draws from its own generator seeded by ``(seed, lever index)``, so the same seed gives the same
runs and adding a lever leaves the others' draws unchanged. Demography is the principal
projection in every run (its uncertainty is not sampled yet).

From the activity of each run: bed days and the beds they need at the target occupancy
(bed days / 365 / occupancy), virtual ward beds likewise, cost (activity x unit cost) and WTE by
role (activity x minutes per contact / productive minutes per WTE) against the staff in post: the
gap. Outputs are P10/P50/P90 over the runs, the principal and the baseline (no change), and the
waterfall of the principal run: demography, then each lever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nhc.planning import demography
from nhc.planning.domain import Baseline
from nhc.planning.levers import apply_all, strata
from nhc.planning.parameters import LEVER_ORDER, SETTINGS, DemographyRates, Scenario, UnitCosts

Z90 = 1.2815515655446004  # the standard normal's 90th centile
DAYS = 365.0
CENTILES = (10, 50, 90)


def sample_levers(scenario: Scenario, runs: int) -> dict[str, np.ndarray]:
    """Each pulled lever's value in each of ``runs`` runs (run 0 the midpoint)."""
    out = {}
    for i, name in enumerate(LEVER_ORDER):
        lever = getattr(scenario.levers, name)
        if lever is None:
            continue
        lo, hi = lever.interval
        rng = np.random.default_rng([scenario.seed, i])
        draws = rng.normal((lo + hi) / 2, (hi - lo) / (2 * Z90), size=runs)
        draws[0] = lever.principal
        out[name] = np.clip(draws, 0.0, 1.0)
    return out


def measures(activity: np.ndarray, scenario: Scenario, costs: UnitCosts) -> dict[str, np.ndarray]:
    """What activity ``(runs, settings)`` means: activity by setting, beds, cost, WTE by role."""
    col = {s: activity[:, i] for i, s in enumerate(SETTINGS)}
    out = {f"activity.{s}": v for s, v in col.items()}
    out["beds"] = col["bed_days"] / DAYS / scenario.target_occupancy
    out["virtual_ward_beds"] = col["virtual_ward_days"] / DAYS / scenario.virtual_ward_occupancy
    price = np.array([costs.costs[s].cost for s in SETTINGS])
    out["cost"] = activity @ price
    wf = scenario.workforce
    for role in wf.roles():
        minutes = sum(col[s] * per.get(role, 0.0) for s, per in wf.minutes.items())
        out[f"wte.{role}"] = np.asarray(minutes, dtype=float) / wf.time_for(role).minutes_per_wte()
    return out


@dataclass(frozen=True)
class Result:
    """A scenario's outputs: for each measure its baseline, principal and P10/P50/P90."""

    scenario: str
    as_of: str
    horizon_years: int
    runs: int
    seed: int
    population: list[float]
    summary: dict[str, dict[str, float]]
    workforce: list[dict[str, Any]]
    waterfall: list[dict[str, Any]]
    samples: dict[str, np.ndarray] = field(repr=False)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Everything but the per-run samples, for JSON."""
        keys = ("scenario", "as_of", "horizon_years", "runs", "seed", "population", "summary")
        out: dict[str, Any] = {k: getattr(self, k) for k in keys}
        out.update(workforce=self.workforce, waterfall=self.waterfall, notes=self.notes)
        return out


def _summary(base: dict[str, np.ndarray], runs: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    out = {}
    for name, values in runs.items():
        p10, p50, p90 = np.percentile(values, CENTILES)
        out[name] = {
            "baseline": float(base[name][0]),
            "principal": float(values[0]),
            "p10": float(p10),
            "p50": float(p50),
            "p90": float(p90),
        }
    return out


def staff_in_post(scenario: Scenario, population: float) -> dict[str, float]:
    """Staff in post by role (WTE), scaled to ``population`` when the scenario says which
    population its figures serve."""
    wf = scenario.workforce
    scale = population / wf.current_wte_population if wf.current_wte_population else 1.0
    return {role: wte * scale for role, wte in wf.current_wte.items()}


def _workforce(
    scenario: Scenario, summary: dict[str, dict[str, float]], population: float
) -> list[dict[str, Any]]:
    rows = []
    in_post = staff_in_post(scenario, population)
    for role in scenario.workforce.roles():
        s = summary[f"wte.{role}"]
        current = in_post.get(role)
        row: dict[str, Any] = {"role": role, "current_wte": current, **{k: s[k] for k in s}}
        for k in ("p10", "p50", "p90"):
            row[f"gap_{k}"] = None if current is None else s[k] - current
        rows.append(row)
    return rows


def _waterfall(
    base: dict[str, np.ndarray], steps: list[tuple[str, dict[str, np.ndarray]]]
) -> list[dict[str, Any]]:
    """The principal run's change in each measure at each step (each step from the one before)."""
    rows, before = [], base
    for name, after in steps:
        rows.append({"step": name, **{m: float(after[m][0] - before[m][0]) for m in after}})
        before = after
    return rows


def run(
    baseline: Baseline, scenario: Scenario, rates: DemographyRates, costs: UnitCosts, runs: int | None = None
) -> Result:
    """Project ``baseline`` to the scenario's horizon with its levers over ``runs`` runs (default:
    the scenario's)."""
    n = runs or scenario.runs
    pops = demography.project(baseline.population, rates, scenario.horizon_years)
    start, flags = strata(baseline, scenario.levers, demography.cell_factors(baseline, pops[-1]))
    values = sample_levers(scenario, n)
    steps = apply_all(start, flags, scenario.levers, values, n)
    # every step is one array per run; demography alone is the same in every run
    measured = [(name, measures(totals, scenario, costs)) for name, totals in steps]
    base = measures(baseline.activity.sum(axis=0)[None, :], scenario, costs)
    final = measured[-1][1]
    summary = _summary(base, final)
    return Result(
        scenario=scenario.name,
        as_of=baseline.as_of.isoformat(),
        horizon_years=scenario.horizon_years,
        runs=n,
        seed=scenario.seed,
        population=[float(p.sum()) for p in pops],
        summary=summary,
        workforce=_workforce(scenario, summary, float(baseline.population.sum())),
        waterfall=_waterfall(base, measured),
        samples={**values, **final},
        notes=[f"not in the baseline: {k} ({v})" for k, v in baseline.left_out.items()],
    )
