"""Use case: plan a day of the primary care visiting service (optimised, and the naive baseline).

Visit requests are not yet stored: the day is the synthetic one for the date (the same date gives
the same day), until the virtual ward and the visit-request intake feed it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from nhc.access.domain.visits import Clinician, DayPlan, Priority, Skill, VisitRequest, hhmm
from nhc.access.routing import baseline, solver, synth
from nhc.access.routing.replan import replan
from nhc.access.routing.travel import TravelSettings


@dataclass(frozen=True)
class DayRequest:
    """Which synthetic day to plan and how long the optimiser may take."""

    date: dt.date
    visits: int = 150
    clinicians: int = 12
    locality: str | None = "Oxford City"
    seconds: float = 5.0
    travel: TravelSettings = field(default_factory=TravelSettings)

    @property
    def seed(self) -> int:
        return self.date.toordinal()


def synthetic_day(request: DayRequest) -> tuple[list[VisitRequest], list[Clinician]]:
    return (
        synth.visits(request.visits, seed=request.seed, locality=request.locality),
        synth.clinicians(request.clinicians, seed=request.seed, locality=request.locality),
    )


def plan_day(request: DayRequest, *, compare: bool = False) -> dict[str, Any]:
    """The optimised plan as a JSON-ready document; with ``compare``, the naive baseline's summary too."""
    visits, clinicians = synthetic_day(request)
    best: DayPlan = solver.plan(visits, clinicians, request.travel, seconds=request.seconds, seed=1)
    out = {"date": request.date.isoformat(), **best.as_dict(visits)}
    if compare:
        out["baseline"] = baseline.plan(visits, clinicians, request.travel).summary(visits)
    return out


def urgent_visit(request: DayRequest, at: int) -> VisitRequest:
    """A deterministic urgent GP visit arriving at minute ``at``, to be seen within two hours."""
    (template,) = synth.visits(1, seed=request.seed + 7, locality=request.locality)
    return replace(
        template,
        id="URGENT",
        window_start=at,
        window_end=min(at + 120, 24 * 60),
        skill=Skill.GP,
        priority=Priority.URGENT,
        duration=30,
        source="new request",
    )


def replan_day(request: DayRequest, at: int) -> dict[str, Any]:
    """Plan the day, then re-plan at minute ``at`` when an urgent visit arrives: the new plan, with
    ``kept`` (stops already started, unchanged) and where the urgent visit went."""
    visits, clinicians = synthetic_day(request)
    first = solver.plan(visits, clinicians, request.travel, seconds=request.seconds, seed=1)
    urgent = urgent_visit(request, at)
    second = replan(
        first, visits, clinicians, [urgent], at=at, settings=request.travel, seconds=request.seconds
    )
    kept = sum(1 for r in first.routes for s in r.stops if s.start <= at)
    return {
        "date": request.date.isoformat(),
        "replanned_at": hhmm(at),
        "kept": kept,
        "urgent": {"visit": urgent.id, "clinician": second.assignment().get(urgent.id)},
        **second.as_dict([*visits, urgent]),
    }
