"""Plan a visiting day with PyVRP (https://pyvrp.org): time windows, a start and an end base per
clinician (several depots), skills, a break, and prizes for optional visits.

How the day becomes a PyVRP problem
-----------------------------------
* Units: seconds for time, metres for distance; the objective is metres driven minus the prizes of
  the visits made, so a visit is left out only when reaching it costs more road than it is worth.
* Every clinician is one vehicle type (one vehicle) with its own start and end depot, shift as the
  vehicle's time window, and its own **routing profile**: in that profile, the edges into visits
  needing a skill the clinician lacks, and into other clinicians' breaks, are :data:`BLOCKED`, so
  the search never gives a clinician a visit they cannot do.
* Every visit is an optional client with a prize by priority (:data:`PRIZE_KM`): urgent and high
  prizes dwarf any day's driving, so they are left out only when no able clinician can reach them.
* A break is a required client at the clinician's end base with the break window (PyVRP has no
  break primitive: the clinician goes back to base for lunch and handover).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from nhc.access.domain.visits import Clinician, DayPlan, Place, Priority, Route, Stop, VisitRequest, hhmm
from nhc.access.routing.travel import TravelSettings, km_matrix

BLOCKED = 10**8
PRIZE_KM: dict[Priority, int] = {Priority.URGENT: 2000, Priority.HIGH: 500, Priority.ROUTINE: 25}


@dataclass(frozen=True)
class Start:
    """Where and when a clinician's (remaining) day starts; ``break_done`` if it was already taken."""

    place: Place
    at: int
    break_done: bool = False


def unreachable_reason(visit: VisitRequest, clinicians: Sequence[Clinician]) -> str | None:
    """Why no clinician could ever make ``visit``, or None if someone might."""
    able = [c for c in clinicians if c.can_do(visit)]
    if not able:
        return f"no clinician on shift has the skill it needs ({visit.skill.value})"
    if not any(c.shift_start <= visit.window_end and visit.window_start < c.shift_end for c in able):
        return f"its window {hhmm(visit.window_start)}-{hhmm(visit.window_end)} is outside every able clinician's shift"
    return None


def plan(
    visits: Sequence[VisitRequest],
    clinicians: Sequence[Clinician],
    settings: TravelSettings | None = None,
    *,
    seconds: float = 5.0,
    seed: int = 1,
    starts: Mapping[str, Start] | None = None,
) -> DayPlan:
    """The optimised plan of ``visits`` for ``clinicians`` (``starts`` override where and when each
    clinician's day starts: used by re-planning)."""
    settings = settings or TravelSettings()
    began = time.perf_counter()
    starts = starts or {}
    unplanned = {v.id: why for v in visits if (why := unreachable_reason(v, clinicians))}
    todo = [v for v in visits if v.id not in unplanned]
    problem = _Problem(todo, list(clinicians), settings, starts)
    result = pyvrp.solve(
        problem.data(), stop=MaxRuntime(seconds), seed=seed, display=False, collect_stats=False
    )
    routes = problem.routes(result.best)
    planned = {s.visit_id for r in routes for s in r.stops if s.visit_id}
    for v in todo:
        if v.id not in planned:
            unplanned[v.id] = (
                "routine: no able clinician had time for it without missing a higher-priority visit, "
                "its window or the end of their shift"
                if v.priority is Priority.ROUTINE
                else "no able clinician can fit it in their day (its window, their shift and break)"
            )
    return DayPlan("pyvrp", routes, unplanned, time.perf_counter() - began)


class _Problem:
    """The day as PyVRP data, and PyVRP's solution back as routes with reasons.

    Locations: start bases, end bases (the depots), then visits, then breaks (the clients)."""

    def __init__(
        self,
        visits: list[VisitRequest],
        clinicians: list[Clinician],
        settings: TravelSettings,
        starts: Mapping[str, Start],
    ) -> None:
        self.visits, self.clinicians, self.settings = visits, clinicians, settings
        self.starts = {c.id: starts.get(c.id, Start(c.start_base, c.shift_start)) for c in clinicians}
        self.breaks = [c for c in clinicians if c.break_minutes > 0 and not self.starts[c.id].break_done]
        places = (
            [self.starts[c.id].place for c in clinicians]
            + [c.end_base for c in clinicians]
            + [v.place for v in visits]
            + [c.end_base for c in self.breaks]
        )
        self.km = km_matrix(places, settings)
        self.places = places

    def data(self) -> pyvrp.ProblemData:
        k, n = len(self.clinicians), len(self.visits)
        metres = np.round(self.km * 1000).astype(np.int64)
        secs = np.round(self.km / self.settings.speed_kmh * 3600).astype(np.int64)
        locations = [pyvrp.Location(x=p.longitude, y=p.latitude) for p in self.places]
        depots = [pyvrp.Depot(location=i) for i in range(2 * k)]
        clients = [
            pyvrp.Client(
                location=2 * k + i,
                service_duration=v.duration * 60,
                tw_early=v.window_start * 60,
                tw_late=v.window_end * 60,
                prize=PRIZE_KM[v.priority] * 1000,
                required=False,
                name=v.id,
            )
            for i, v in enumerate(self.visits)
        ] + [
            pyvrp.Client(
                location=2 * k + n + j,
                service_duration=c.break_minutes * 60,
                tw_early=c.break_earliest * 60,
                tw_late=c.break_latest * 60,
                required=True,
                name=f"break:{c.id}",
            )
            for j, c in enumerate(self.breaks)
        ]
        vehicle_types, dist, dur = [], [], []
        for i, c in enumerate(self.clinicians):
            start = self.starts[c.id]
            vehicle_types.append(
                pyvrp.VehicleType(
                    num_available=1,
                    start_depot=i,
                    end_depot=k + i,
                    tw_early=max(start.at, c.shift_start) * 60,
                    tw_late=c.shift_end * 60,
                    profile=i,
                    name=c.id,
                )
            )
            blocked = [2 * k + j for j, v in enumerate(self.visits) if not c.can_do(v)]
            blocked += [2 * k + n + j for j, b in enumerate(self.breaks) if b.id != c.id]
            d, t = metres.copy(), secs.copy()
            d[:, blocked], t[:, blocked] = BLOCKED, BLOCKED
            np.fill_diagonal(d, 0)
            np.fill_diagonal(t, 0)
            dist.append(d)
            dur.append(t)
        return pyvrp.ProblemData(locations, clients, depots, vehicle_types, dist, dur)

    def routes(self, solution: pyvrp.Solution) -> list[Route]:
        by_type = {r.vehicle_type(): r for r in solution.routes()}
        out = []
        for i, c in enumerate(self.clinicians):
            route = Route(c.id, end=self.starts[c.id].at)
            found = by_type.get(i)
            if found is not None:
                self._fill(route, found, i)
            out.append(route)
        return out

    def _fill(self, route: Route, found: pyvrp.Route, i: int) -> None:
        """Stops of clinician ``i`` from PyVRP's schedule, with travel, lateness and reasons."""
        k, n, clinician = len(self.clinicians), len(self.visits), self.clinicians[i]
        prev_idx, prev_name = i, "base"
        for act in found.schedule():
            if not act.is_client():
                continue
            loc = 2 * k + act.idx
            km = float(self.km[prev_idx, loc])
            travel = self.settings.minutes(km)
            start, end = act.start_time / 60, act.end_time / 60
            arrive = start - act.wait_duration / 60
            late = round(act.time_warp / 60)
            if act.idx < n:
                v = self.visits[act.idx]
                reason = (
                    f"{v.priority.value} {v.skill.value} visit; {clinician.name} has the skill; arrives "
                    f"{hhmm(arrive)} (window {hhmm(v.window_start)}-{hhmm(v.window_end)}), "
                    f"{travel:.0f} min from {prev_name}"
                )
                route.stops.append(Stop(v.id, round(arrive), round(start), round(end), travel, late, reason))
                prev_name = v.id
            else:
                reason = f"break at base, between {hhmm(clinician.break_earliest)} and {hhmm(clinician.break_latest)}"
                route.stops.append(Stop(None, round(arrive), round(start), round(end), travel, late, reason))
                prev_name = "base"
            route.travel_km += km
            route.travel_minutes += travel
            prev_idx = loc
        back = float(self.km[prev_idx, k + i])
        route.travel_km += back
        route.travel_minutes += self.settings.minutes(back)
        route.end = round(found.end_time() / 60)
