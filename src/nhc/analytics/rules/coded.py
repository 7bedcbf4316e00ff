"""The combined event-to-cluster join: every coded event matched to every codelist it is in.

This is built once per run and reused by registers, eFI, the Cambridge Multimorbidity Score,
segmentation, worklists and the risk model: codelists are tables joined to events, never literal
lists of codes in code. Codes that are in no codelist do not match and so are ignored by design
(the pipeline counts them in the run summary).

:func:`cluster_summary` reduces the join to one row per patient and cluster with the first and
last date, the codes on those dates and the latest numeric value. A condition "present at date d"
is then simply ``first_date <= d`` (for any d up to the as-of date), which lets the risk model use
the same summary for its features one year earlier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

import ibis

from nhc.analytics.rules.inputs import require_columns

if TYPE_CHECKING:
    import ibis.expr.types as ir


def coded_events(
    events: ir.Table, codelists: ir.Table, as_of: dt.date, clusters: Collection[str] | None = None
) -> ir.Table:
    """Events on or before ``as_of`` joined to codelists: patient_id, date, code, value, cluster.

    ``clusters``, if given, keeps only those codelists (the ones the rules read).
    """
    require_columns(events, "clinical_events")
    require_columns(codelists, "codelists")
    ev = events.filter(events.date <= ibis.literal(as_of))
    cl = codelists.select("code", "cluster")
    if clusters is not None:
        cl = cl.filter(cl.cluster.isin(sorted(clusters)))
    cl = cl.distinct()
    joined = ev.join(cl, ev.snomed_code == cl.code)
    # the codelist's code (equal to the event's): engines may hold it in a cheaper categorical type
    return joined.select(
        joined.patient_id, joined.date, code=joined.code, value=joined.value, cluster=joined.cluster
    )


def earliest(of: ir.Column, when: ir.Column, where: ir.BooleanValue | None = None) -> ir.Scalar:
    """``of`` at the smallest ``when``, and on a tie the smallest ``of``.

    A plain ``argmin`` breaks ties by the order the engine happens to read rows in, which differs
    between engines, threads and runs (a nightly refresh reads a person's rows from the change log,
    a full run from the source tables): someone with two codes of a codelist on their first day
    would be shown one code or the other. Ordering by the pair makes the choice the same everywhere.
    """
    return of.argmin(ibis.struct({"when": when, "of": of}), where=where)


def latest(of: ir.Column, when: ir.Column, where: ir.BooleanValue | None = None) -> ir.Scalar:
    """``of`` at the largest ``when``, and on a tie the largest ``of`` (see :func:`earliest`)."""
    return of.argmax(ibis.struct({"when": when, "of": of}), where=where)


def summarise(coded: ir.Table) -> ir.Table:
    """One row per (patient_id, cluster) from :func:`coded_events` output, in one aggregation.

    The latest numeric value and its date look only at the events that carry a value
    (observations); a cluster with none has nulls there.
    """
    keys = ["patient_id", "cluster"]
    dates = coded.group_by(keys).aggregate(
        first_date=coded.date.min(),
        last_date=coded.date.max(),
        first_code=earliest(coded.code, coded.date),
        n_codes=coded.count(),
    )
    # Values are aggregated apart and joined back: few groups have any (one in twenty on the
    # county), and value aggregates in the main one cost every group their state.
    v = coded.filter(coded.value.notnull())
    values = v.group_by(keys).aggregate(last_value=latest(v.value, v.date), last_value_date=v.date.max())
    j = dates.left_join(values, keys)
    return j.select(*[dates[c] for c in dates.columns], j.last_value, j.last_value_date)


def cluster_summary(
    events: ir.Table, codelists: ir.Table, as_of: dt.date, clusters: Collection[str] | None = None
) -> ir.Table:
    """patient_id, cluster, first_date, last_date, first_code, n_codes, last_value, last_value_date —
    for events on or before ``as_of``, in the codelists ``clusters`` (default: all)."""
    return summarise(coded_events(events, codelists, as_of, clusters))


YEAR_DAYS = 365


def nullable(table: ir.Table) -> ir.Table:
    """``table`` with every column typed as nullable (so tables from any source can be unioned)."""
    schema = table.schema()
    wanted = {n: t.copy(nullable=True) for n, t in schema.items() if not t.nullable}
    return table.cast(wanted) if wanted else table


def window_start(as_of: dt.date, days: int = YEAR_DAYS) -> dt.date:
    """The exclusive start of the look-back window of ``days`` ending on ``as_of``.

    "In the 12 months before as-of" means ``window_start(as_of) < date <= as_of`` throughout.
    """
    return as_of - dt.timedelta(days=days)


def in_window(date: ir.DateValue, as_of: dt.date, days: int = YEAR_DAYS) -> ir.BooleanValue:
    return (date > ibis.literal(window_start(as_of, days))) & (date <= ibis.literal(as_of))


def this_year_and_before(
    table: ir.Table,
    date: ir.DateValue,
    as_of: dt.date,
    earlier: Callable[[ir.Table], ir.BooleanValue],
) -> ir.Table:
    """Rows dated in the 12 months to ``as_of`` (``year_before`` 0) and the rows in the 12 months
    before those that ``earlier`` selects (``year_before`` 1).

    One pass for both years: the run reads each large source once for the as-of facts and for the
    risk model's history one year earlier (``earlier`` picks its training sample). Aggregate by
    patient and ``year_before``, then take each year with :func:`year_before`.
    """
    now = in_window(date, as_of)
    before = in_window(date, window_start(as_of)) & earlier(table)
    return table.filter(now | before).mutate(year_before=now.ifelse(0, 1).cast("int8"))


def year_before(table: ir.Table, years: int) -> ir.Table:
    """The rows of a by-year aggregate (see :func:`this_year_and_before`) for one year, without the
    ``year_before`` column: 0 is the 12 months to as-of, 1 the 12 months before those."""
    return table.filter(table.year_before == years).drop("year_before")
