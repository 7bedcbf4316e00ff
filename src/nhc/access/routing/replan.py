"""Re-plan the rest of the day when a visit (typically urgent) arrives mid-day.

Contract: every stop that has started by ``at`` (a visit under way or done, or the break) stays as it
is, with the same clinician and times. Each clinician's remaining day starts where their last
started stop is, when it ends (or ``at``, if later); the visits not yet started, the ones unplanned
so far and the new ones are planned again with :func:`nhc.access.routing.solver.plan`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from nhc.access.domain.visits import Clinician, DayPlan, Place, Route, Stop, VisitRequest
from nhc.access.routing import solver
from nhc.access.routing.travel import TravelSettings


def replan(
    current: DayPlan,
    visits: Sequence[VisitRequest],
    clinicians: Sequence[Clinician],
    new: Sequence[VisitRequest],
    *,
    at: int,
    settings: TravelSettings | None = None,
    seconds: float = 5.0,
    seed: int = 1,
) -> DayPlan:
    """The plan after ``new`` visits arrive at minute ``at`` (``visits``: the day's earlier requests)."""
    settings = settings or TravelSettings()
    began = time.perf_counter()
    by_id = {v.id: v for v in [*visits, *new]}
    kept: dict[str, list[Stop]] = {}
    starts: dict[str, solver.Start] = {}
    for c in clinicians:
        started = [s for s in current.route_of(c.id).stops if s.start <= at]
        kept[c.id] = started
        starts[c.id] = _start_after(c, started, by_id, at)
    done = {s.visit_id for stops in kept.values() for s in stops if s.visit_id}
    remaining = [v for v in by_id.values() if v.id not in done]
    rest = solver.plan(remaining, clinicians, settings, seconds=seconds, seed=seed, starts=starts)
    routes = [_join(kept[c.id], rest.route_of(c.id), settings) for c in clinicians]
    return DayPlan("pyvrp re-plan", routes, rest.unplanned, time.perf_counter() - began)


def _start_after(c: Clinician, started: list[Stop], by_id: dict[str, VisitRequest], at: int) -> solver.Start:
    rested = any(s.is_break for s in started) or c.break_minutes == 0
    if not started:
        return solver.Start(c.start_base, max(at, c.shift_start), rested)
    last = started[-1]
    place: Place = c.end_base if last.is_break else by_id[last.visit_id].place  # type: ignore[index]
    return solver.Start(place, max(at, last.end), rested)


def _join(kept: list[Stop], rest: Route, settings: TravelSettings) -> Route:
    minutes = sum(s.travel_minutes for s in kept)
    return Route(
        rest.clinician_id,
        [*kept, *rest.stops],
        travel_minutes=minutes + rest.travel_minutes,
        travel_km=minutes * settings.speed_kmh / 60 + rest.travel_km,
        end=rest.end,
    )
