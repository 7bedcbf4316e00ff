"""A scenario run: demography, levers sampled from their intervals, and what the activity needs.

Run 0 is the principal (every lever at its interval's midpoint); runs 1.. draw each lever from a
normal distribution whose 10th and 90th centiles are the interval's ends, cut to 0..1. Each lever
draws from its own generator seeded by ``(seed, lever index)``, so the same seed gives the same
runs and adding a lever leaves the others' draws unchanged. Demography is the principal
projection in every run (its uncertainty is not sampled yet). When the baseline has the year's
moves between need groups and the scenario uses them, the projection moves people between groups
as they age and the waterfall shows that as its own step after demography.

From the activity of each run: bed days and the beds they need at the target occupancy
(bed days / 365 / occupancy), virtual ward beds likewise, cost (activity x unit cost) and WTE by
role (activity x minutes per contact / productive minutes per WTE) against the staff in post: the
gap. Staff in post come from the scenario file, or by role from ``staff`` (the care side's teams)
where given. Outputs are P10/P50/P90 over the runs, the principal and the baseline (no change), and the
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
from nhc.planning.staff import StaffInPost

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
    #: Whether people moved between need groups in the projection.
    need_group_moves: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Everything but the per-run samples, for JSON."""
        keys = (
            "scenario",
            "as_of",
            "horizon_years",
            "runs",
            "seed",
            "population",
            "summary",
            "need_group_moves",
        )
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


def staff_in_post(
    scenario: Scenario, population: float, staff: StaffInPost | None = None
) -> dict[str, tuple[float, str]]:
    """Staff in post by role (WTE) and where each figure came from: ``staff``'s source for the roles
    it has, else the scenario file (scaled to ``population`` when the file says which population its
    figures serve)."""
    wf = scenario.workforce
    scale = population / wf.current_wte_population if wf.current_wte_population else 1.0
    note = "scenario file" + (", scaled to the population" if wf.current_wte_population else "")
    out = {role: (wte * scale, note) for role, wte in wf.current_wte.items()}
    if staff is not None:
        out.update({role: (wte, staff.source) for role, wte in staff.wte.items()})
    return out


def _workforce(
    scenario: Scenario, summary: dict[str, dict[str, float]], in_post: dict[str, tuple[float, str]]
) -> list[dict[str, Any]]:
    rows = []
    for role in scenario.workforce.roles():
        s = summary[f"wte.{role}"]
        current, source = in_post.get(role, (None, "none given"))
        row: dict[str, Any] = {"role": role, "current_wte": current, "current_source": source}
        row.update({k: s[k] for k in s})
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


def _projection(
    baseline: Baseline, scenario: Scenario, rates: DemographyRates
) -> tuple[list[float], np.ndarray, np.ndarray | None]:
    """Population by year, each cell's factor from demography alone and, when the moves between
    need groups are used, each cell's factor with them (else ``None``)."""
    pops = demography.project(baseline.population, rates, scenario.horizon_years)
    ageing = demography.cell_factors(baseline, pops[-1])
    moves, by_need = baseline.transitions, baseline.by_need
    if not scenario.need_group_transitions or moves is None or by_need is None:
        return [float(p.sum()) for p in pops], ageing, None
    need = demography.project_by_need(by_need, rates, moves, scenario.horizon_years)
    return [float(p.sum()) for p in need], ageing, demography.need_cell_factors(baseline, need[-1])


def _measured(
    name: str, totals: np.ndarray, scenario: Scenario, costs: UnitCosts, values: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """:func:`measures` of a step's totals; at the productivity step, the WTE needed x (1 - gain)."""
    out = measures(totals, scenario, costs)
    if name == "workforce_productivity":
        gain = values[name]
        out = {m: (v * (1.0 - gain) if m.startswith("wte.") else v) for m, v in out.items()}
    return out


def run(
    baseline: Baseline,
    scenario: Scenario,
    rates: DemographyRates,
    costs: UnitCosts,
    runs: int | None = None,
    *,
    staff: StaffInPost | None = None,
) -> Result:
    """Project ``baseline`` to the scenario's horizon with its levers over ``runs`` runs (default:
    the scenario's), against staff in post from the file or, by role, ``staff``."""
    n = runs or scenario.runs
    population, ageing, with_moves = _projection(baseline, scenario, rates)
    start, flags = strata(baseline, scenario.levers, ageing if with_moves is None else with_moves)
    values = sample_levers(scenario, n)
    steps = apply_all(start, flags, scenario.levers, values, n)
    if with_moves is not None:  # demography alone first, then what moving between groups adds
        alone = strata(baseline, scenario.levers, ageing)[0].sum(axis=0)
        steps = [
            ("demography", np.repeat(alone[None, :], n, axis=0)),
            ("need_group_moves", steps[0][1]),
            *steps[1:],
        ]
    # every step is one array per run; demography alone is the same in every run
    measured = [(name, _measured(name, totals, scenario, costs, values)) for name, totals in steps]
    base = measures(baseline.activity.sum(axis=0)[None, :], scenario, costs)
    final = measured[-1][1]
    summary = _summary(base, final)
    notes = [f"not in the baseline: {k} ({v})" for k, v in baseline.left_out.items()]
    if baseline.transitions_note:
        notes.append(f"moves between need groups: {baseline.transitions_note}")
    return Result(
        scenario=scenario.name,
        as_of=baseline.as_of.isoformat(),
        horizon_years=scenario.horizon_years,
        runs=n,
        seed=scenario.seed,
        population=population,
        summary=summary,
        workforce=_workforce(
            scenario, summary, staff_in_post(scenario, float(baseline.population.sum()), staff)
        ),
        waterfall=_waterfall(base, measured),
        samples={**values, **final},
        notes=notes,
        need_group_moves=with_moves is not None,
    )
