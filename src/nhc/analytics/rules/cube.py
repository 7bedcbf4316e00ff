"""The aggregate cube: counts of people by need band, PNG, age band, sex, IMD quintile, practice,
neighbourhood and locality, with disclosure control applied (:mod:`nhc.analytics.rules.disclosure`).

Cells are produced for a set of grouping sets (:data:`GROUPINGS`); a dimension outside a grouping
set reads ``All``. Each grouping set is computed from person-level data and controlled on its own,
so consumers should read totals from the grouping set that has them rather than add controlled
cells up (sums of rounded cells drift, and suppressed cells are missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis

from nhc.analytics.rules import disclosure
from nhc.analytics.rules.coded import nullable

if TYPE_CHECKING:
    import ibis.expr.types as ir

DIMENSIONS: tuple[str, ...] = (
    "band",
    "png",
    "age_band",
    "sex",
    "imd_quintile",
    "practice_code",
    "neighbourhood",
    "locality",
)
GROUPINGS: tuple[tuple[str, ...], ...] = (
    DIMENSIONS,  # the finest grain
    ("band", "png"),
    ("band", "age_band", "sex"),
    ("band", "imd_quintile"),
    ("locality", "band", "png"),
    ("neighbourhood", "band", "png"),
    ("practice_code", "band"),
    ("neighbourhood", "band", "age_band"),
)
ALL = "All"


def _dims(t: ir.Table) -> dict[str, ir.StringValue]:
    png_label = t.png.cast("string") + ibis.literal(" ") + t.png_name
    return {
        "band": t.band.cast("string"),
        "png": png_label,
        "age_band": t.age_band.cast("string"),
        "sex": t.sex.cast("string"),
        "imd_quintile": t.imd_quintile.cast("string").fill_null("unknown"),
        "practice_code": t.practice_code.cast("string"),
        "neighbourhood": t.neighbourhood.cast("string"),
        "locality": t.locality.cast("string"),
    }


def cells(insights: ir.Table) -> ir.Table:
    """People counted once at the finest grain (a few thousand cells for a county), the dimensions
    as text: what every grouping set of :func:`cube` sums."""
    raw = [*DIMENSIONS, "png_name"]  # the dimensions as stored (the PNG label adds its name)
    fine = insights.group_by(raw).aggregate(people=insights.count())
    return fine.select(**_dims(fine), people=fine.people)


def cube(
    insights: ir.Table, groupings: tuple[tuple[str, ...], ...] = GROUPINGS, *, control: bool = True
) -> ir.Table:
    """grouping, the eight dimensions and count (disclosure-controlled unless ``control=False``)."""
    return cube_of_cells(cells(insights), groupings, control=control)


def cube_of_cells(
    t: ir.Table, groupings: tuple[tuple[str, ...], ...] = GROUPINGS, *, control: bool = True
) -> ir.Table:
    """:func:`cube` from its :func:`cells` (materialise them first where an engine would otherwise
    count everyone again for each grouping set)."""
    # every grouping set sums the exact counts of the cells, and disclosure control is applied to
    # the sums
    parts = []
    for g in groupings:
        agg = t.group_by(list(g)).aggregate(count=t.people.sum())
        agg = agg.mutate(**{d: ibis.literal(ALL) for d in DIMENSIONS if d not in g})
        agg = agg.select(
            grouping=ibis.literal("+".join(g)),
            **{d: agg[d] for d in DIMENSIONS},
            count=agg["count"].cast("int64"),
        )
        parts.append(nullable(agg))
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return disclosure.apply(out, "count") if control else out


def changed_counts(
    kept: ir.Table, before: ir.Table, after: ir.Table, keys: Sequence[str], n: str
) -> ir.Table:
    """Counts (``n`` people by ``keys``) ``kept`` from everyone, with those of some people's rows
    ``before`` taken away and of their rows ``after`` added: what counting everyone again gives,
    from a day's few thousand rows. Keys left with nobody are dropped, as a count of everyone has
    none."""
    parts = [
        t.select(*keys, change=sign * t[n].cast("int64")) for t, sign in ((kept, 1), (after, 1), (before, -1))
    ]
    every = parts[0].union(parts[1]).union(parts[2])  # all rows (union keeps duplicates)
    summed = every.group_by(list(keys)).aggregate(total=every.change.sum())
    return summed.filter(summed.total > 0).select(*keys, **{n: summed.total.cast("int64")})
