"""Statistical disclosure control for anything that leaves the clinical setting.

Rule (OpenSAFELY output checking, https://docs.opensafely.org/releasing-files/ and
https://docs.opensafely.org/outputs/sdc/): counts of 7 or fewer are suppressed (redacted) and every
other count is rounded to the nearest 5 (midpoint 6 rounding). Zero is suppressed too, as "7 or
fewer" includes it. NHS Digital's HES rules are similar (1-7 shown as ``*``, others rounded to 5).

Suppressed counts become NULL; so a consumer can never recover a small number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    import ibis.expr.types as ir

SUPPRESS_AT_OR_BELOW = 7
ROUND_TO = 5


def safe_count(n: int | None) -> int | None:
    """The disclosure-controlled value of one count (``None`` means suppressed)."""
    if n is None or n <= SUPPRESS_AT_OR_BELOW:
        return None
    return int(((2 * n + ROUND_TO) // (2 * ROUND_TO)) * ROUND_TO)


def published_interval(value: int | None) -> tuple[int, int]:
    """What a published value says about the true count, to anyone who knows this rule:
    suppressed (``None``) is 0..7, ``0`` ("none", a structural zero) is exactly 0, and a rounded
    value ``r`` is ``r-2..r+2`` and at least 8."""
    if value is None:
        return 0, SUPPRESS_AT_OR_BELOW
    if value == 0:
        return 0, 0
    half = ROUND_TO // 2
    return max(SUPPRESS_AT_OR_BELOW + 1, value - half), value + half


def derived_total(values: Iterable[int | None]) -> int | None:
    """A margin derived from published cells: the sum of those with people in them, ``0`` when
    every cell is a structural zero, and suppressed (``None``) when no cell is published. Being a
    function of published values, it discloses nothing the cells do not."""
    cells = list(values)
    shown = [v for v in cells if v]
    if shown:
        return sum(shown)
    return 0 if all(v == 0 for v in cells) else None


def safe_count_column(count: ir.IntegerValue) -> ir.IntegerValue:
    """The same rule as :func:`safe_count` on an Ibis column: NULL if <= 7, else nearest 5 (halves up)."""
    rounded = ((count * 2 + ROUND_TO) // (2 * ROUND_TO)) * ROUND_TO
    return ibis.cases(
        (count.isnull() | (count <= SUPPRESS_AT_OR_BELOW), ibis.null("int64")), else_=rounded.cast("int64")
    )


def apply(table: ir.Table, column: str = "count") -> ir.Table:
    """``table`` with ``column`` disclosure-controlled."""
    return table.mutate(**{column: safe_count_column(table[column])})
