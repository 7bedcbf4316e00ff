"""The naive baseline a coordinator might follow by hand: whenever a clinician becomes free (the
earliest first), they go to the nearest visit they can do and still reach within its window and
finish in time to get back to base by the end of their shift, highest priority first among visits
equally near (urgent, then high, then routine). The break is taken at base as soon as it is due,
as in the optimised plan. Nothing is ever moved once given.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence

from nhc.access.domain.visits import Clinician, DayPlan, Place, Route, Stop, VisitRequest, hhmm
from nhc.access.routing.travel import TravelSettings, road_km

RANK = {"urgent": 0, "high": 1, "routine": 2}


def plan(
    visits: Sequence[VisitRequest], clinicians: Sequence[Clinician], settings: TravelSettings | None = None
) -> DayPlan:
    settings = settings or TravelSettings()
    began = time.perf_counter()
    left = {v.id: v for v in visits}
    routes = {c.id: Route(c.id, end=c.shift_start) for c in clinicians}
    state = {c.id: (c.start_base, c.shift_start, c.break_minutes == 0) for c in clinicians}
    queue = [(c.shift_start, c.id) for c in clinicians]
    heapq.heapify(queue)
    by_id = {c.id: c for c in clinicians}
    while queue:
        _, cid = heapq.heappop(queue)
        c, route = by_id[cid], routes[cid]
        here, now, rested = state[cid]
        if not rested and now >= c.break_earliest:
            here, now = _take_break(c, route, here, now, settings)
            state[cid] = (here, now, True)
            heapq.heappush(queue, (now, cid))
            continue
        choice = _nearest(c, here, now, left.values(), settings)
        if choice is None:
            if not rested:  # nothing more before the break: go and take it
                here, now = _take_break(c, route, here, now, settings)
                state[cid] = (here, now, True)
                heapq.heappush(queue, (now, cid))
                continue
            _go_home(c, route, here, now, settings)
            continue
        v, km = choice
        travel = settings.minutes(km)
        arrive = now + travel
        start = max(arrive, v.window_start)
        reason = f"nearest visit {c.name} could do next ({travel:.0f} min away)"
        route.stops.append(
            Stop(v.id, round(arrive), round(start), round(start + v.duration), travel, 0, reason)
        )
        route.travel_km += km
        route.travel_minutes += travel
        del left[v.id]
        state[cid] = (v.place, start + v.duration, rested)
        heapq.heappush(queue, (start + v.duration, cid))
    unplanned = {v: "no clinician reached it first (baseline)" for v in left}
    return DayPlan("naive", list(routes.values()), unplanned, time.perf_counter() - began)


def _nearest(
    c: Clinician, here: Place, now: float, left, settings: TravelSettings
) -> tuple[VisitRequest, float] | None:
    best = None
    for v in left:
        if not c.can_do(v):
            continue
        km = road_km(here, v.place, settings.road_factor)
        start = max(now + settings.minutes(km), v.window_start)
        home = settings.minutes(road_km(v.place, c.end_base, settings.road_factor))
        if start > v.window_end or start + v.duration + home > c.shift_end:
            continue
        key = (round(km, 1), RANK[v.priority.value], v.id)
        if best is None or key < best[0]:
            best = (key, v, km)
    return None if best is None else (best[1], best[2])


def _take_break(
    c: Clinician, route: Route, here: Place, now: float, settings: TravelSettings
) -> tuple[Place, float]:
    km = road_km(here, c.end_base, settings.road_factor)
    travel = settings.minutes(km)
    arrive = now + travel
    start = max(arrive, c.break_earliest)
    late = max(0, round(start - c.break_latest))
    route.stops.append(
        Stop(
            None,
            round(arrive),
            round(start),
            round(start + c.break_minutes),
            travel,
            late,
            f"break at base from {hhmm(start)}",
        )
    )
    route.travel_km += km
    route.travel_minutes += travel
    return c.end_base, start + c.break_minutes


def _go_home(c: Clinician, route: Route, here: Place, now: float, settings: TravelSettings) -> None:
    km = road_km(here, c.end_base, settings.road_factor)
    route.travel_km += km
    route.travel_minutes += settings.minutes(km)
    route.end = round(now + settings.minutes(km))
