"""The day's routes drawn as an SVG map over the neighbourhoods (no JavaScript, no map tiles).

A flat projection is close enough over a city: x is longitude scaled by cos(latitude), y is
latitude. Each route is a line in its clinician's colour from their start base through their visits
in order to their end base; visits are dots, missed visits hollow squares, bases squares, and the
neighbourhoods are labelled at their centres. The map is a picture of the tables beside it, which
give the same routes in words: it is marked as an image with a title that says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

from markupsafe import Markup, escape

from nhc.access.domain.visits import Clinician, DayPlan, Place, VisitRequest

WIDTH, PAD = 640, 24
#: Colours far enough apart to tell routes apart (the tables name every stop: colour is not the only cue).
PALETTE = (
    "#005eb8", "#d5281b", "#007f3b", "#7c2855", "#ed8b00", "#330072",
    "#00a499", "#425563", "#ae2573", "#0072ce", "#ffb81c", "#78be20",
)  # fmt: skip


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _projector(
    points: Iterable[tuple[float, float]],
) -> tuple[Callable[[float, float], tuple[float, float]], int]:
    pts = list(points)
    lat0 = sum(p[0] for p in pts) / len(pts)
    k = math.cos(math.radians(lat0))
    xs, ys = [p[1] * k for p in pts], [p[0] for p in pts]
    span_x, span_y = (max(xs) - min(xs)) or 1e-3, (max(ys) - min(ys)) or 1e-3
    scale = (WIDTH - 2 * PAD) / span_x
    height = int(span_y * scale + 2 * PAD)

    def project(lat: float, lon: float) -> tuple[float, float]:
        return round(PAD + (lon * k - min(xs)) * scale, 1), round(height - PAD - (lat - min(ys)) * scale, 1)

    return project, height


def route_map(
    plan: DayPlan,
    visits: list[VisitRequest],
    clinicians: list[Clinician],
    centres: Mapping[str, tuple[float, float]],
) -> Markup:
    """The SVG of ``plan`` (the routes of ``clinicians`` through ``visits``) over ``centres``."""
    by_id = {v.id: v for v in visits}
    bases: list[Place] = [p for c in clinicians for p in (c.start_base, c.end_base)]
    points = [(v.place.latitude, v.place.longitude) for v in visits]
    points += [(p.latitude, p.longitude) for p in bases] + list(centres.values())
    project, height = _projector(points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        'role="img" aria-labelledby="route-map-title" class="nhc-route-map" data-testid="route-map">',
        '<title id="route-map-title">Map of the day\'s routes over the neighbourhoods: one line per '
        "clinician from their base through their visits in order. The tables below give the same "
        "routes in words.</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#f0f4f5"/>',
    ]
    for name, (lat, lon) in centres.items():
        x, y = project(lat, lon)
        parts.append(
            f'<text x="{x}" y="{y}" font-size="11" fill="#4c6272" text-anchor="middle">{escape(name)}</text>'
        )
    for i, (route, clinician) in enumerate(zip(plan.routes, clinicians, strict=True)):
        stops = [by_id[s.visit_id].place for s in route.stops if s.visit_id in by_id]
        path = [clinician.start_base, *stops, clinician.end_base]
        xy = " ".join(f"{x},{y}" for x, y in (project(p.latitude, p.longitude) for p in path))
        parts.append(
            f'<polyline points="{xy}" fill="none" stroke="{colour(i)}" stroke-width="2" opacity="0.8"/>'
        )
        for p in stops:
            x, y = project(p.latitude, p.longitude)
            parts.append(f'<circle cx="{x}" cy="{y}" r="4" fill="{colour(i)}"/>')
        x, y = project(clinician.start_base.latitude, clinician.start_base.longitude)
        parts.append(
            f'<rect x="{x - 5}" y="{y - 5}" width="10" height="10" fill="{colour(i)}" stroke="#212b32"/>'
        )
    for vid in plan.unplanned:
        if vid in by_id:
            x, y = project(by_id[vid].place.latitude, by_id[vid].place.longitude)
            parts.append(
                f'<rect x="{x - 4}" y="{y - 4}" width="8" height="8" fill="none" stroke="#212b32" stroke-width="1.5"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
