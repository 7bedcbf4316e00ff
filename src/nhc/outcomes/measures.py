"""The indicators' cells: true numerator and denominator per indicator, month and cell.

Pure rules over Ibis tables, naming no engine (like :mod:`nhc.analytics.rules`). Each function returns
one row per (``indicator``, :data:`~nhc.outcomes.months.CELL`) with ``numerator`` and ``denominator``:
the counts before disclosure control, which :mod:`nhc.outcomes.series` sums into breakdowns and
then controls. Only cells with a denominator are returned.

* :func:`rate_cells` — the rate indicators: events in the month (attributed to the cell of the
  person at the month's end) over the month's registered population;
* :func:`proportion_cells` — one population's proportions: people of the population at the month's
  end meeting the denominator condition, and of them those meeting the numerator condition;
* :func:`death_cells` — deaths at home over deaths, in the cell of the person on the day they died.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import ibis

from nhc.analytics.rules.inputs import require_columns
from nhc.outcomes.catalogue import (
    EVENT_GROUPS,
    FRAIL_DEFICITS,
    POPULATIONS,
    RATE_EVENTS,
    EventGroup,
    Indicator,
    Kind,
)
from nhc.outcomes.months import (
    CELL,
    Span,
    age_on,
    band_index,
    band_label,
    month_date,
    month_index,
    person_attributes,
    population_cells,
    registered_months,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

COUNTS = ("numerator", "denominator")


def _codes(codelists: ir.Table, clusters: Sequence[str]) -> ir.Table:
    cl = require_columns(codelists, "codelists")
    return cl.filter(cl.cluster.isin(sorted(set(clusters)))).select("code", "cluster").distinct()


def relevant(table: ir.Table, codelists: ir.Table, clusters: Sequence[str], column: str) -> ir.Table:
    """The rows of ``table`` (clinical events or medications) whose ``column`` code is in one of
    ``clusters``: the same columns, far fewer rows, for an edge to read the large table once."""
    cl = _codes(codelists, clusters).select("code").distinct()
    return table.semi_join(cl, table[column] == cl.code)


def first_months(events: ir.Table, codelists: ir.Table, clusters: Sequence[str], last: int) -> ir.Table:
    """patient_id, ``since``: the month of each person's first code in ``clusters`` up to month
    ``last`` (a register's "first coded on or before the month's end")."""
    ev = require_columns(events, "clinical_events")
    cl = _codes(codelists, clusters)
    j = ev.join(cl, ev.snomed_code == cl.code)
    j = j.mutate(month=month_index(j.date))
    j = j.filter(j.month <= last)
    return j.group_by("patient_id").aggregate(since=j.month.min())


def frail_since(events: ir.Table, codelists: ir.Table, clusters: Sequence[str], last: int) -> ir.Table:
    """patient_id, ``since``: the month each person's :data:`FRAIL_DEFICITS`-th distinct eFI deficit
    was first coded (from then on they have at least that many; deficits are "ever recorded")."""
    ev = require_columns(events, "clinical_events")
    cl = _codes(codelists, clusters)
    j = ev.join(cl, ev.snomed_code == cl.code)
    j = j.mutate(month=month_index(j.date))
    j = j.filter(j.month <= last)
    firsts = j.group_by(["patient_id", "cluster"]).aggregate(month=j.month.min())
    rank = ibis.row_number().over(group_by="patient_id", order_by=[firsts.month, firsts.cluster])
    ranked = firsts.mutate(n=rank + 1)
    nth = ranked.filter(ranked.n == FRAIL_DEFICITS)
    return nth.select("patient_id", since=nth.month)


def population_since(events: ir.Table, codelists: ir.Table, population: str, last: int) -> ir.Table:
    """patient_id, since: when each person joined the population (before any age limit)."""
    pop = POPULATIONS[population]
    rule = frail_since if pop.frailty else first_months
    return rule(events, codelists, pop.clusters, last)


def _group_events(
    events: ir.Table,
    medications: ir.Table,
    codelists: ir.Table,
    groups: Sequence[EventGroup],
    people: ir.Table,
) -> ir.Table:
    """patient_id, group, date, value: the events of each group (medicines have no value) of the
    people of ``people`` (a table with patient_id), kept before the codes are matched."""
    mapping = ibis.memtable(
        {
            "cluster": [c for g in groups for c in g.clusters],
            "group": [g.name for g in groups for _ in g.clusters],
            "medicine": [g.medicine for g in groups for _ in g.clusters],
        },
        schema={"cluster": "string", "group": "string", "medicine": "boolean"},
    )
    cl = _codes(codelists, [c for g in groups for c in g.clusters]).join(mapping, "cluster")
    parts = []
    if any(not g.medicine for g in groups):
        ev = require_columns(events, "clinical_events").semi_join(people, "patient_id")
        c = cl.filter(~cl.medicine)
        j = ev.join(c, ev.snomed_code == c.code)
        parts.append(j.select("patient_id", "group", "date", value=j.value.cast("float64")))
    if any(g.medicine for g in groups):
        md = require_columns(medications, "medications").semi_join(people, "patient_id")
        c = cl.filter(cl.medicine)
        j = md.join(c, md.dmd_code == c.code)
        parts.append(j.select("patient_id", "group", "date", value=ibis.null("float64")))
    return parts[0] if len(parts) == 1 else parts[0].union(parts[1])


def latest_spans(
    events: ir.Table, since: ir.Table, span: Span, groups: Sequence[str], valued: Collection[str] = ()
) -> ir.Table:
    """For each person of ``since`` (patient_id, since: the month they joined a population), their
    months from ``since`` (or the span's first) to the span's last, in runs over which their latest
    events are the same: ``patient_id``, ``start`` and ``end`` (month indices, both included), for each
    group ``g`` of ``groups`` ``last_<g>`` (the month of their latest event of ``g`` on or before the
    month's end, null if none) and, for each group of ``valued``, ``value_<g>`` (the latest value
    recorded in that month). ``events``: patient_id, group, date, value.

    The person's event months are pivoted and carried forward (one row per person and event month,
    plus one before them all), never expanded to months: :func:`registered_months` does that once."""
    first, last = span.first, span.last
    e = events.mutate(k=month_index(events.date))
    e = e.filter(e.k <= last)
    per = e.group_by(["patient_id", "group", "k"]).aggregate(value=e.value.argmax(e.date))
    wide = per.group_by(["patient_id", "k"]).aggregate(
        **{f"at_{g}": per.k.max(where=per.group == g) for g in groups}
    )
    before = since.select(
        "patient_id", k=ibis.literal(-1, "int32"), **{f"at_{g}": ibis.null("int32") for g in groups}
    )
    wide = wide.union(before)
    upto = ibis.cumulative_window(group_by="patient_id", order_by="k")
    nxt = wide.k.lead().over(group_by="patient_id", order_by=wide.k)
    held = wide.select(
        "patient_id",
        **{f"last_{g}": wide[f"at_{g}"].max().over(upto) for g in groups},
        k=wide.k,
        end=ibis.least(nxt.fill_null(last + 1) - 1, last),
    )
    held = held.join(since, "patient_id")
    held = held.mutate(start=ibis.greatest(held.k, held.since, first)).drop("k", "since")
    held = held.filter(held.start <= held.end)
    for g in sorted(valued):
        # the value of the latest event: that event month's row of ``per``
        pg = per.filter(per.group == g)
        pg = pg.select("patient_id", **{f"last_{g}": pg.k, f"value_{g}": pg.value})
        held = held.left_join(pg, ["patient_id", f"last_{g}"]).drop("patient_id_right", f"last_{g}_right")
    return held


def proportion_cells(
    indicators: Sequence[Indicator],
    people: tuple[ir.Table, ir.Table, ir.Table, ir.Table],
    since: ir.Table,
    events: ir.Table,
    medications: ir.Table,
    codelists: ir.Table,
    span: Span,
) -> ir.Table:
    """Cells of proportion indicators that share one population. ``people``: patients,
    practice_registrations, deaths and small_areas; ``since``: :func:`population_since`.

    Each person's months in the population are runs over which their latest events are the same
    (:func:`latest_spans`), expanded to months once, with their registrations."""
    (population,) = {i.population for i in indicators}
    pop = POPULATIONS[population]
    names = sorted(set().union(*(i.groups() for i in indicators)))
    if names:
        groups = [EVENT_GROUPS[n] for n in names]
        ev = _group_events(events, medications, codelists, groups, since.select("patient_id"))
        valued = set().union(*(i.valued() for i in indicators))
        spans = latest_spans(ev, since, span, names, valued)
    else:
        spans = since.select(
            "patient_id", start=ibis.greatest(since.since, span.first), end=ibis.literal(span.last)
        )
    rows = registered_months(*people, span, spans=spans)
    rows = rows.filter(rows.age >= pop.min_age)
    aggs = {}
    for i in indicators:
        den = i.denominator_rule.expr(rows)
        aggs[f"n__{i.id}"] = rows.count(where=den & i.numerator_rule.expr(rows))
        aggs[f"d__{i.id}"] = rows.count(where=den)
    wide = rows.group_by(list(CELL)).aggregate(**aggs)
    return _long(wide, [i.id for i in indicators])


def _long(wide: ir.Table, ids: Sequence[str]) -> ir.Table:
    parts = [
        wide.select(
            indicator=ibis.literal(i),
            **{c: wide[c] for c in CELL if c not in ("month", "age_band")},
            month=month_date(wide.month),
            age_band=band_label(wide.age_band),
            numerator=wide[f"n__{i}"].cast("int64"),
            denominator=wide[f"d__{i}"].cast("int64"),
        )
        for i in ids
    ]
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out.filter(out.denominator > 0)


def rate_cells(
    indicators: Sequence[Indicator],
    people: tuple[ir.Table, ir.Table, ir.Table, ir.Table],
    encounters: ir.Table,
    acs_since: ir.Table | None,
    span: Span,
) -> ir.Table:
    """Cells of the rate indicators: events in the month of people registered and alive at its end,
    over the people registered and alive then. ``people``: patients, practice_registrations, deaths and
    small_areas; ``acs_since``: when each person joined an ACS register (for ``acs_admission``).

    Events are counted per person and month and put in their cells apart from the population, so the
    monthly population (the largest table here) is only grouped, never joined."""
    enc = require_columns(encounters, "encounters")
    types = sorted({RATE_EVENTS[i.events][0] for i in indicators})
    e = enc.filter(enc.type.isin(types))
    e = e.select("patient_id", "type", month=month_index(e.start_date))
    e = e.filter(e.month >= span.first, e.month <= span.last)
    if acs_since is not None:
        e = e.left_join(acs_since, "patient_id").drop("patient_id_right")
    counts = {}
    for i in indicators:
        typ, registers = RATE_EVENTS[i.events]
        hit = e.type == typ
        if registers:
            hit = hit & e.since.notnull() & (e.since <= e.month)
        counts[f"n__{i.id}"] = e.count(where=hit)
    per_month = e.group_by(["patient_id", "month"]).aggregate(**counts)
    events = registered_months(*people, span, at=per_month)
    num = events.group_by(list(CELL)).aggregate(
        **{f"n__{i.id}": events[f"n__{i.id}"].sum() for i in indicators}
    )
    den = population_cells(*people, span).rename(d="people")
    w = den.left_join(num, list(CELL))
    wide = w.select(
        *[den[c] for c in CELL],
        **{f"d__{i.id}": w.d for i in indicators},
        **{f"n__{i.id}": w[f"n__{i.id}"].fill_null(0) for i in indicators},
    )
    return _long(wide, [i.id for i in indicators])


def death_cells(
    indicator: Indicator,
    patients: ir.Table,
    registrations: ir.Table,
    deaths: ir.Table,
    small_areas: ir.Table,
    span: Span,
) -> ir.Table:
    """Deaths in the months of ``span`` of people registered on the day they died, in their
    cell that day: numerator the deaths at home."""
    assert indicator.kind is Kind.DEATHS
    dth = require_columns(deaths, "deaths", ("patient_id", "date_of_death", "place_of_death"))
    r = require_columns(registrations, "practice_registrations")
    d = dth.mutate(month=month_index(dth.date_of_death))
    d = d.filter(d.month >= span.first, d.month <= span.last)
    j = d.join(r, [d.patient_id == r.patient_id, r.start_date <= d.date_of_death])
    j = j.filter(j.end_date.isnull() | (j.end_date >= j.date_of_death))
    j = j.select(d.patient_id, d.month, d.date_of_death, d.place_of_death, r.practice_code)
    j = j.join(person_attributes(patients, small_areas), "patient_id")
    age = age_on(j.date_of_birth, j.date_of_death)
    cells = j.mutate(age_band=band_index(age))
    wide = cells.group_by(list(CELL)).aggregate(
        **{
            f"n__{indicator.id}": cells.count(where=cells.place_of_death == "home"),
            f"d__{indicator.id}": cells.count(),
        }
    )
    return _long(wide, [indicator.id])
