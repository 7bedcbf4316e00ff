"""How the planning pages write numbers: never more precise than the model's inputs.

Modelled figures are rounded to three significant figures (``sig``): the inputs (unit costs,
lever intervals, minutes per contact) are known to a few per cent at best.
"""

from __future__ import annotations

import math


def round_sig(value: float | None, digits: int = 3) -> float | None:
    """``value`` rounded to ``digits`` significant figures (``None`` stays ``None``)."""
    if value is None or not math.isfinite(value):
        return None
    if value == 0:
        return 0.0
    places = digits - 1 - math.floor(math.log10(abs(value)))
    return round(value, places)


def sig(value: float | None, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures with thousands separators: 12,345 -> "12,300",
    0.04567 -> "0.0457"; ``None`` -> "–"."""
    v = round_sig(value, digits)
    if v is None:
        return "–"
    places = max(0, digits - 1 - math.floor(math.log10(abs(v)))) if v else 0
    return f"{v:,.{places}f}"


def signed(value: float | None, digits: int = 3) -> str:
    """Like :func:`sig`, with a plus sign for a rise."""
    text = sig(value, digits)
    return f"+{text}" if value is not None and round_sig(value, digits) and value > 0 else text


def money(value: float | None) -> str:
    """Pounds to three significant figures: £527m, £3.2m, £41,200."""
    v = round_sig(value)
    if v is None:
        return "–"
    sign = "−" if v < 0 else ""
    if abs(v) >= 1_000_000:
        return f"{sign}£{sig(abs(v) / 1_000_000)}m"
    return f"{sign}£{sig(abs(v))}"
