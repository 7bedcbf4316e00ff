"""Use case: plan a day of the primary care visiting service (optimised, and the naive baseline).

Visit requests are not yet stored: the day is the synthetic one for the date (the same date gives
the same day), until the virtual ward and the visit-request intake feed it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from nhc.access.domain.visits import Clinician, DayPlan, VisitRequest
from nhc.access.routing import baseline, solver, synth
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
