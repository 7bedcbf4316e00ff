"""The planning pages' SVG charts (no JavaScript): a fan chart of P10/P50/P90 by year, and a waterfall.

Like :mod:`nhc.web.charts`, each is an ``<svg role="img">`` with a title; the same numbers are in a
table beside it, which is what screen-reader users read. Colours are SVG presentation attributes
(the shared stylesheet has no planning classes, and inline ``style`` is not needed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

from nhc.web.planning.numbers import sig, signed

BLUE, PALE, DARK, GREEN, RED, GREY = "#005eb8", "#c5dcf0", "#212b32", "#007f3b", "#d5281b", "#4c6272"


def _open(title: str, width: int, height: int, css: str) -> list[str]:
    return [
        f'<svg class="nhc-chart {css}" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]


def _scale(lo: float, hi: float, top: float, height: float) -> Callable[[float], float]:
    span = (hi - lo) or 1.0
    return lambda v: top + height * (1 - (v - lo) / span)


def _y_ticks(parts: list[str], lo: float, hi: float, left: int, top: int, ph: int) -> None:
    sy = _scale(lo, hi, top, ph)
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        parts.append(
            f'<text x="{left - 6}" y="{sy(v) + 4:.1f}" text-anchor="end" class="nhc-chart__tick">{escape(sig(v))}</text>'
            f'<line x1="{left}" y1="{sy(v):.1f}" x2="{left + 4}" y2="{sy(v):.1f}" stroke="{GREY}"/>'
        )


def fan_chart(
    points: Sequence[tuple[int, float, float, float]], *, title: str, width: int = 640, height: int = 320
) -> Markup:
    """P10-P90 as a shaded band and P50 as a line over ``points`` ``(year, p10, p50, p90)``; year 0
    is the baseline (one value)."""
    if not points:
        return Markup(f'<p class="nhsuk-body">No data to plot for {escape(title)}.</p>')
    left, right, top, bottom = 80, 16, 16, 44
    pw, ph = width - left - right, height - top - bottom
    lo = min(0.0, min(p[1] for p in points))
    hi = max(p[3] for p in points) * 1.05 or 1.0
    last = max(p[0] for p in points) or 1
    sy = _scale(lo, hi, top, ph)

    def sx(year: float) -> float:
        return left + pw * year / last

    parts = _open(title, width, height, "nhc-fan")
    parts.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="{GREY}"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="{GREY}"/>')
    _y_ticks(parts, lo, hi, left, top, ph)
    for year, *_ in points:
        parts.append(
            f'<text x="{sx(year):.1f}" y="{top + ph + 18}" text-anchor="middle" class="nhc-chart__tick">{year}</text>'
        )
    parts.append(
        f'<text x="{left + pw / 2}" y="{height - 6}" text-anchor="middle" class="nhc-chart__tick">Years from the baseline</text>'
    )
    upper = " ".join(f"{sx(y):.1f},{sy(p90):.1f}" for y, _, _, p90 in points)
    lower = " ".join(f"{sx(y):.1f},{sy(p10):.1f}" for y, p10, _, _ in reversed(points))
    parts.append(f'<polygon points="{upper} {lower}" fill="{PALE}" stroke="none" data-band="p10-p90"/>')
    middle = " ".join(f"{sx(y):.1f},{sy(p50):.1f}" for y, _, p50, _ in points)
    parts.append(
        f'<polyline points="{middle}" fill="none" stroke="{BLUE}" stroke-width="2.5" data-line="p50"/>'
    )
    for year, p10, p50, p90 in points:
        parts.append(
            f'<circle cx="{sx(year):.1f}" cy="{sy(p50):.1f}" r="3.5" fill="{BLUE}">'
            f"<title>Year {year}: P50 {escape(sig(p50))} (P10 {escape(sig(p10))}, P90 {escape(sig(p90))})</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def waterfall_chart(
    start: float, steps: Sequence[tuple[str, float]], *, title: str, width: int = 900, bar_h: int = 24
) -> Markup:
    """Horizontal waterfall: the baseline bar, one floating bar per step (green for a fall, red for a
    rise) and the result bar. The axis spans the running totals, not 0 (the steps are small beside
    the totals), so the totals' bars start at the axis' left edge; the title should say so."""
    label_w, value_w, gap = 380, 110, 8
    spans, running = [("Baseline", start, start, start, "total")], start
    for name, value in steps:
        spans.append((name, running, running + value, value, "step"))
        running += value
    spans.append(("Result (principal run)", running, running, running, "total"))
    lo = min(min(a, b) for _, a, b, _, _ in spans)
    hi = max(max(a, b) for _, a, b, _, _ in spans)
    pad = (hi - lo) * 0.15 or abs(hi) * 0.05 or 1.0
    lo, hi = lo - pad, hi + pad
    plot_w = width - label_w - value_w
    height = len(spans) * (bar_h + gap) + gap

    def sx(v: float) -> float:
        return label_w + plot_w * (v - lo) / (hi - lo)

    parts = _open(title, width, height, "nhc-waterfall")
    for i, (name, a, b, value, kind) in enumerate(spans):
        y = gap + i * (bar_h + gap)
        colour = BLUE if kind == "total" else (GREEN if value < 0 else RED)
        x0, x1 = (label_w, sx(value)) if kind == "total" else sorted((sx(a), sx(b)))
        short = name if len(name) <= 52 else name[:51] + "…"
        text = sig(value) if kind == "total" else signed(value)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" font-size="13" '
            f'class="nhc-chart__label">{escape(short)}</text>'
            f'<rect x="{x0:.1f}" y="{y}" width="{max(1.0, x1 - x0):.1f}" height="{bar_h}" fill="{colour}"/>'
            f'<text x="{max(x0, x1) + 6:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="13" '
            f'class="nhc-chart__value">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
