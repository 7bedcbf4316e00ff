"""Server-rendered SVG charts (no JavaScript): horizontal bar charts and funnel plots.

Each chart is an ``<svg role="img">`` with a title and description; the same numbers are always
shown in a table beside it, which is what screen-reader users read.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape

from markupsafe import Markup

from nhc.insights.funnel import Funnel, FunnelPoint

#: Average advance of a character of the charts' 14 px sans-serif, in viewBox units: wide enough
#: for Arial and for the wider DejaVu Sans that stands in for it where Arial is not installed
#: (about 8.1 measured in Chromium), so that no label is cut off.
CHAR_WIDTH = 8.6
LABEL_MAX_CHARS = 44


def _fmt(v: float | None, digits: int = 1) -> str:
    """A value as the tables show it: ``None`` is "suppressed", a count of 0 is "none"."""
    if v is None:
        return "suppressed"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return "none" if v == 0 else f"{v:,}"


def _label_width(labels: list[str]) -> int:
    """The width of the label column: the longest label's."""
    longest = max((len(label) for label in labels), default=0)
    return int(max(80, longest * CHAR_WIDTH + 12))


def bar_chart(
    rows: list[tuple[str, float | None]],
    *,
    title: str,
    unit: str = "",
    css: str = "",
    width: int = 560,
    max_value: float | None = None,
) -> Markup:
    """Horizontal bars, one per (label, value); ``None`` values are drawn as 'suppressed'."""
    bar_h, gap, value_w = 22, 8, 90
    shorts = [
        label if len(label) <= LABEL_MAX_CHARS else label[: LABEL_MAX_CHARS - 1] + "…" for label, _ in rows
    ]
    label_w = _label_width(shorts)
    width = max(width, label_w + 320)  # long labels widen the chart rather than squeeze the bars
    height = max(1, len(rows)) * (bar_h + gap) + gap
    top = max_value or max([v for _, v in rows if v is not None] or [1]) or 1
    plot_w = width - label_w - value_w
    parts = [
        f'<svg class="nhc-chart {escape(css)}" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, ((_, value), short) in enumerate(zip(rows, shorts, strict=True)):
        y = gap + i * (bar_h + gap)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" class="nhc-chart__label">'
            f"{escape(short)}</text>"
        )
        if value is None or value == 0:  # no bar: "suppressed", or "none" for a count of 0
            parts.append(
                f'<text x="{label_w + 4}" y="{y + bar_h * 0.7:.1f}" class="nhc-chart__value">'
                f"{escape(_fmt(value))}</text>"
            )
            continue
        w = max(1.0, plot_w * value / top)
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" class="nhc-chart__bar"/>')
        parts.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * 0.7:.1f}" class="nhc-chart__value">'
            f"{escape(_fmt(value))}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _axis_title(per: int) -> str:
    return "Percentage of the denominator (%)" if per == 100 else f"Rate per {per:,} in the denominator"


def _funnel_points(
    pts: list[FunnelPoint],
    sx: Callable[[float], float],
    sy: Callable[[float], float],
    per: int,
    highlight: str | None,
) -> list[str]:
    """The funnel's points, the highlighted unit last (larger and ringed) so that none hides it."""
    parts = []
    for p in sorted(pts, key=lambda p: p.unit == highlight):
        css = "nhc-point" if p.flag == "within" else "nhc-point nhc-point--outlier"
        ring = (
            ' r="7" stroke="#212b32" stroke-width="3" data-highlight="true"'
            if p.unit == highlight
            else ' r="4"'
        )
        parts.append(
            f'<circle cx="{sx(p.n):.1f}" cy="{sy(p.value):.1f}"{ring} class="{css}">'  # type: ignore[arg-type]
            f"<title>{escape(p.label)} ({escape(p.unit)}): {p.value * per:,.1f}{'%' if per == 100 else ''}</title></circle>"
        )  # type: ignore[operator]
    return parts


def funnel_chart(
    f: Funnel,
    *,
    per: int,
    title: str,
    width: int = 640,
    height: int = 400,
    suppressed: int | None = None,
    highlight: str | None = None,
) -> Markup:
    """A funnel plot: points (practices) against their denominator with 95% and 99.8% limits; the
    y axis is titled with the measure ("%" for percentages, "per 1,000" for rates), and the chart
    says how many practices are not plotted because their figures are suppressed. ``highlight``: a
    unit drawn as a larger ringed point, last so that no other point hides it (the page names it in
    words too)."""
    left, right, top, bottom = 84, 16, 16, 64
    pw, ph = width - left - right, height - top - bottom
    pts = [p for p in f.points if p.value is not None and p.n]
    if not pts or not f.limits:
        return Markup(f'<p class="nhsuk-body">No data to plot for {escape(title)}.</p>')
    xs = [p.n for p in pts] + [lim[0] for lim in f.limits]
    x0, x1 = 0.0, max(xs)  # type: ignore[type-var]
    ys = [p.value * per for p in pts] + [v * per for lim in f.limits for v in lim[1:] if math.isfinite(v)]  # type: ignore[operator]
    y0, y1 = max(0.0, min(ys) * 0.9), max(ys) * 1.05 or 1.0

    def sx(n: float) -> float:
        return left + pw * (n - x0) / (x1 - x0 or 1)

    def sy(v: float) -> float:
        return top + ph * (1 - (v * per - y0) / (y1 - y0 or 1))

    parts = [
        f'<svg class="nhc-chart nhc-funnel" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" class="nhc-axis"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" class="nhc-axis"/>',
    ]
    for i in range(5):
        v = y0 + (y1 - y0) * i / 4
        yy = top + ph * (1 - i / 4)
        parts.append(
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" class="nhc-chart__tick">{v:,.1f}</text>'
        )
        n = x0 + (x1 - x0) * i / 4
        xx = left + pw * i / 4
        parts.append(
            f'<text x="{xx:.1f}" y="{top + ph + 18}" text-anchor="middle" class="nhc-chart__tick">{n:,.0f}</text>'
        )
    not_plotted = sum(1 for p in f.points if p.value is None) if suppressed is None else suppressed
    parts.append(
        f'<text x="{left + pw / 2}" y="{top + ph + 38}" text-anchor="middle" class="nhc-chart__tick">'
        "People in the denominator</text>"
    )
    parts.append(
        f'<text x="16" y="{top + ph / 2:.1f}" text-anchor="middle" class="nhc-chart__tick" '
        f'transform="rotate(-90 16 {top + ph / 2:.1f})" data-testid="y-axis-title">{escape(_axis_title(per))}</text>'
    )
    parts.append(
        f'<text x="{left}" y="{height - 4}" class="nhc-chart__tick" data-testid="not-plotted">'
        f"{len(pts)} of {len(f.points)} practices plotted; {not_plotted} suppressed (7 or fewer people)</text>"
    )
    for idx, css in ((1, "nhc-limit-95"), (2, "nhc-limit-95"), (3, "nhc-limit-998"), (4, "nhc-limit-998")):
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{sx(lim[0]):.1f},{sy(min(lim[idx], y1 / per)):.1f}"
            for i, lim in enumerate(f.limits)
            if math.isfinite(lim[idx])
        )
        parts.append(f'<path d="{path}" class="{css}"/>')
    parts.append(
        f'<line x1="{left}" y1="{sy(f.target):.1f}" x2="{left + pw}" y2="{sy(f.target):.1f}" class="nhc-target"/>'
    )
    parts += _funnel_points(pts, sx, sy, per, highlight)
    parts.append("</svg>")
    return Markup("".join(parts))
