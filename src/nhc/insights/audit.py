"""The disclosure audit: can anyone pin a small count by combining the published figures?

The published figures of one neighbourhood (its base cells, see :mod:`nhc.insights.release`) and the
facts that hold of any population (the same people counted two ways) are linear constraints on the
true counts. For every suppressed figure whose true count is 1–7, a linear programme (GLOP, from
OR-Tools) finds the smallest and largest value it can take. If that interval is 4 wide or less
(the count is known to within ±2) the audit *withholds* a group of figures — a whole breakdown of
one population — and runs again, until nothing is pinned. Withheld figures are published as
withheld (no value, no bound), so "suppressed" keeps meaning 0–7 people.

Deterministic: the groups are tried in the order the caller gives, and the linear programme is
exact (no randomness, no time limit).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ortools.linear_solver import pywraplp

from nhc.analytics.rules.disclosure import SUPPRESS_AT_OR_BELOW, published_interval

PINNED_WIDTH = 4  # a count of 1-7 known to within ±2 is disclosed
Linear = Mapping[Hashable, int]  # unknown -> coefficient


@dataclass(frozen=True)
class Figure:
    """One published figure: which true counts it sums, what was published, and the group of
    figures (a breakdown of one population) withheld together if the audit must."""

    key: Hashable
    terms: Linear
    value: int | None
    group: Hashable


@dataclass(frozen=True)
class Fact:
    """A relation true of any population: ``lo <= sum(terms) <= hi`` (``lo == hi``: an equality)."""

    terms: Linear
    lo: float
    hi: float


def pinned(
    figures: Sequence[Figure],
    facts: Sequence[Fact],
    truth: Mapping[Hashable, int],
    withheld: set,
    only: Figure | None = None,
) -> list[Figure]:
    """The suppressed figures (true count 1-7; or just ``only``) that the other figures pin to
    within ±2."""
    shown = [f for f in figures if f.group not in withheld]
    small = [
        f
        for f in shown
        if f.value is None
        and 1 <= _value(f.terms, truth) <= SUPPRESS_AT_OR_BELOW
        and (only is None or f == only)
    ]
    if not small:
        return []
    solver = pywraplp.Solver.CreateSolver("GLOP")
    unknowns = sorted({k for f in shown for k in f.terms} | {k for x in facts for k in x.terms}, key=repr)
    var = {k: solver.NumVar(0, solver.infinity(), f"x{i}") for i, k in enumerate(unknowns)}
    for f in shown:
        lo, hi = published_interval(f.value)
        solver.Add(_expr(var, f.terms) >= lo)
        solver.Add(_expr(var, f.terms) <= hi)
    for x in facts:
        if math.isfinite(x.lo):
            solver.Add(_expr(var, x.terms) >= x.lo)
        if math.isfinite(x.hi):
            solver.Add(_expr(var, x.terms) <= x.hi)
    # Every optimum is a feasible point for every target: a target two feasible points already put
    # more than 4 apart is not pinned, whatever the remaining solves would say.
    seen = {f.key: [_value(f.terms, truth)] * 2 for f in small}

    def solve(terms: Linear, maximise: bool) -> float | None:
        objective = solver.Objective()
        objective.Clear()
        for k, c in terms.items():
            objective.SetCoefficient(var[k], c)
        objective.SetMaximization() if maximise else objective.SetMinimization()
        if solver.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        point = {k: v.solution_value() for k, v in var.items()}
        for f in small:
            value = sum(point[k] * c for k, c in f.terms.items())
            seen[f.key] = [min(seen[f.key][0], value), max(seen[f.key][1], value)]
        return objective.Value()

    def open_(f: Figure) -> bool:
        lo, hi = seen[f.key]
        return math.floor(hi + 1e-6) - math.ceil(lo - 1e-6) > PINNED_WIDTH

    everything: dict[Hashable, int] = {}
    for f in small:
        for k, c in f.terms.items():
            everything[k] = everything.get(k, 0) + c
    solve(everything, False), solve(everything, True)
    out = []
    for f in small:
        if open_(f):
            continue
        lo, hi = solve(f.terms, False), solve(f.terms, True)
        ends = (0.0 if lo is None else lo, math.inf if hi is None else hi)
        if math.floor(ends[1] + 1e-6) - math.ceil(ends[0] - 1e-6) <= PINNED_WIDTH:
            out.append(f)
    return out


def withhold_until_safe(
    figures: Sequence[Figure],
    facts: Sequence[Fact],
    truth: Mapping[Hashable, int],
    remedies: Callable[[Figure], Sequence[Hashable]],
) -> set:
    """The groups to withhold so that no small count is pinned: while something is pinned, take
    the first pinned figure and withhold the first group ``remedies(figure)`` offers that frees it
    on its own (or, if none does, the first group offered). Ends because each round withholds one
    more group (at worst every group offered)."""
    withheld: set = set()
    groups = {f.group for f in figures}
    while True:
        found = pinned(figures, facts, truth, withheld)
        if not found:
            return withheld
        first = found[0]
        options = [g for g in dict.fromkeys(remedies(first)) if g in groups and g not in withheld]
        if not options:
            raise RuntimeError(f"disclosure audit: nothing left to withhold for {first.key!r}")
        frees = (g for g in options if not pinned(figures, facts, truth, withheld | {g}, only=first))
        withheld.add(next(frees, options[0]))


def _value(terms: Linear, truth: Mapping[Hashable, int]) -> int:
    return sum(truth.get(k, 0) * c for k, c in terms.items())


def _expr(var: dict, terms: Linear) -> Any:  # an OR-Tools linear expression
    return sum(var[k] * c for k, c in terms.items())
