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

from ortools.linear_solver import pywraplp

from nhc.analytics.disclosure import SUPPRESS_AT_OR_BELOW, published_interval

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
    figures: Sequence[Figure], facts: Sequence[Fact], truth: Mapping[Hashable, int], withheld: set
) -> list[Figure]:
    """The suppressed figures (true count 1-7) that the other figures pin to within ±2."""
    shown = [f for f in figures if f.group not in withheld]
    small = [
        f
        for f in shown
        if f.value is None and 1 <= _value(f.terms, truth) <= SUPPRESS_AT_OR_BELOW
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
    out = []
    for f in small:
        ends = []
        for maximise in (False, True):
            objective = solver.Objective()
            objective.Clear()
            for k, c in f.terms.items():
                objective.SetCoefficient(var[k], c)
            objective.SetMaximization() if maximise else objective.SetMinimization()
            status = solver.Solve()
            if status != pywraplp.Solver.OPTIMAL:  # unbounded above: not pinned
                ends.append(math.inf if maximise else 0.0)
                continue
            ends.append(objective.Value())
        if math.floor(ends[1] + 1e-6) - math.ceil(ends[0] - 1e-6) <= PINNED_WIDTH:
            out.append(f)
    return out


def withhold_until_safe(
    figures: Sequence[Figure],
    facts: Sequence[Fact],
    truth: Mapping[Hashable, int],
    remedies: Callable[[Figure], Sequence[Hashable]],
) -> set:
    """The groups to withhold so that no small count is pinned: while something is pinned,
    withhold the first group ``remedies(figure)`` offers for the first pinned figure that is not
    withheld yet. Ends because each round withholds one more group (at worst all of them)."""
    withheld: set = set()
    while True:
        found = pinned(figures, facts, truth, withheld)
        if not found:
            return withheld
        options = [g for f in found for g in remedies(f) if g not in withheld]
        if not options:
            raise RuntimeError(f"disclosure audit: nothing left to withhold for {found[0].key!r}")
        withheld.add(options[0])


def _value(terms: Linear, truth: Mapping[Hashable, int]) -> int:
    return sum(truth.get(k, 0) * c for k, c in terms.items())


def _expr(var: dict, terms: Linear):  # noqa: ANN202 - an OR-Tools linear expression
    return sum(var[k] * c for k, c in terms.items())
