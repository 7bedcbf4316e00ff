"""An XmR (SPC) chart drawn as inline SVG, no JavaScript: the monthly values joined by a line, the
mean, the process limits, the target when there is one, and each special-cause point marked by
*shape and colour* (the page's legend names each shape in words, and the table beside the chart
gives every point's type, which is what screen-reader users read).

Suppressed months are gaps: the line is broken there and no point is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape

from markupsafe import Markup

from nhc.outcomes.report import Series
from nhc.web.outcomes.views import POINT_TYPES

WIDTH, HEIGHT = 720, 340
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48
MEAN_COLOUR, LIMIT_COLOUR, TARGET_COLOUR, LINE_COLOUR = "#212b32", "#4c6272", "#007f3b", "#768692"


def marker(kind: str, x: float, y: float, size: float = 6) -> str:
    """One point's marker: its shape and colour by point type (see :data:`POINT_TYPES`)."""
    _, shape, colour = POINT_TYPES[kind]
    if shape == "square":
        return f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size}" height="{2 * size}" fill="{colour}"/>'
    if shape == "triangle":
        pts = f"{x:.1f},{y - size * 1.2:.1f} {x - size * 1.1:.1f},{y + size:.1f} {x + size * 1.1:.1f},{y + size:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if shape == "diamond":
        s = size * 1.3
        pts = f"{x:.1f},{y - s:.1f} {x + s:.1f},{y:.1f} {x:.1f},{y + s:.1f} {x - s:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size * 0.7:.1f}" fill="{colour}"/>'


def legend_marker(kind: str) -> Markup:
    """A point type's marker as a small inline SVG for the legend (hidden from screen readers:
    the words beside it say the same)."""
    return Markup(
        '<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false">'
        f"{marker(kind, 8, 8, 5)}</svg>"
    )


def _range(series: Series, target: float | None) -> tuple[float, float]:
    ys = [p.value for p in series.points if p.value is not None]
    if series.chart:
        ys += [v for p in series.chart.points for v in (p.limits.lower, p.limits.upper, p.limits.mean)]
    if target is not None:
        ys.append(target)
    lo, hi = min(ys), max(ys)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.1, 1.0)
    return lo - pad, hi + pad


def _path(points: list[tuple[float, float] | None]) -> str:
    """An SVG path through the points, broken at each ``None``."""
    out, pen = [], "M"
    for p in points:
        if p is None:
            pen = "M"
            continue
        out.append(f"{pen}{p[0]:.1f},{p[1]:.1f}")
        pen = "L"
    return " ".join(out)


def _axes(
    months: list,
    y0: float,
    y1: float,
    unit: str,
    sx: Callable[[int], float],
    sy: Callable[[float], float],
    weekly: bool = False,
) -> list[str]:
    """The axes' ticks and titles: five values up the side, January of each year along the bottom
    (for ``weekly`` series: the first week of each month, labelled with its day and month)."""
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = []
    for k in range(5):
        v = y0 + (y1 - y0) * k / 4
        parts.append(
            f'<text x="{LEFT - 6}" y="{sy(v) + 4:.1f}" text-anchor="end" font-size="13" fill="#212b32">{v:,.1f}</text>'
        )
    # January of each year, and the first and last months when they are not too close to one
    firsts = (i for i, m in enumerate(months) if (m.day <= 7 if weekly else m.month == 1))
    ticks = sorted({0, len(months) - 1, *firsts})
    ticks = [
        t
        for n, t in enumerate(ticks)
        if n in (0, len(ticks) - 1) or min(t - ticks[n - 1], ticks[-1] - t) >= 4
    ]
    for n, i in enumerate(ticks):
        anchor = "start" if n == 0 else "end" if n == len(ticks) - 1 and n else "middle"
        parts.append(
            f'<text x="{sx(i):.1f}" y="{TOP + ph + 18}" text-anchor="{anchor}" font-size="13" '
            f'fill="#212b32">{months[i].strftime("%d %b" if weekly else "%b %Y").lstrip("0")}</text>'
        )
    period = "Week starting" if weekly else "Month"
    parts.append(
        f'<text x="{LEFT + pw / 2}" y="{HEIGHT - 6}" text-anchor="middle" font-size="13" fill="#212b32">{period}</text>'
    )
    axis = "Percentage (%)" if unit == "%" else unit.capitalize()
    parts.append(
        f'<text x="14" y="{TOP + ph / 2:.1f}" text-anchor="middle" font-size="13" fill="#212b32" '
        f'transform="rotate(-90 14 {TOP + ph / 2:.1f})">{escape(axis)}</text>'
    )
    return parts


def spc_chart(
    series: Series, *, title: str, unit: str, target: float | None = None, weekly: bool = False
) -> Markup:
    """The chart of ``series`` (its published values and its SPC chart, if it has one); its points'
    ``month`` is the start of a week when ``weekly``."""
    months = [p.month for p in series.points]
    if not any(p.value is not None for p in series.points):
        return Markup(f'<p class="nhsuk-body">No published months to chart for {escape(title)}.</p>')
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    y0, y1 = _range(series, target)

    def sx(i: int) -> float:
        return LEFT + pw * (i / max(1, len(months) - 1))

    def sy(v: float) -> float:
        return TOP + ph * (1 - (v - y0) / (y1 - y0 or 1))

    parts = [
        f'<svg class="nhc-chart nhc-spc" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(title)}" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{TOP + ph}" x2="{LEFT + pw}" y2="{TOP + ph}" stroke="{LIMIT_COLOUR}"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + ph}" stroke="{LIMIT_COLOUR}"/>',
    ]
    parts += _axes(months, y0, y1, unit, sx, sy, weekly)
    published = [i for i, p in enumerate(series.points) if p.value is not None]
    if series.chart:
        limits = list(zip(published, series.chart.points, strict=True))
        for attr, colour, dash in (
            ("mean", MEAN_COLOUR, ""),
            ("lower", LIMIT_COLOUR, "6 4"),
            ("upper", LIMIT_COLOUR, "6 4"),
        ):
            d = _path([(sx(i), sy(getattr(p.limits, attr))) for i, p in limits])
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.5"{dashed} data-line="{attr}"/>'
            )
    if target is not None and math.isfinite(target):
        parts.append(
            f'<line x1="{LEFT}" y1="{sy(target):.1f}" x2="{LEFT + pw}" y2="{sy(target):.1f}" stroke="{TARGET_COLOUR}" '
            'stroke-width="1.5" stroke-dasharray="2 3" data-line="target"/>'
        )
    line = [None if p.value is None else (sx(i), sy(p.value)) for i, p in enumerate(series.points)]
    parts.append(f'<path d="{_path(line)}" fill="none" stroke="{LINE_COLOUR}" stroke-width="1.5"/>')
    types = [p.type.value for p in series.chart.points] if series.chart else ["common_cause"] * len(published)
    for i, kind in zip(published, types, strict=True):
        value = series.points[i].value
        parts.append(f'<g data-point="{kind}">{marker(kind, sx(i), sy(value))}</g>')  # type: ignore[arg-type]
    parts.append("</svg>")
    return Markup("".join(parts))
