"""The hub utilisation dashboard (``/access/utilisation``) and its tables as CSV
(``/access/utilisation.csv?table=<name>``, :data:`TABLES`; the hubs' table when none is named).

An aggregate of slots (no people), open to every signed-in user, for the weeks chosen: how full
each hub, GP practice, type of appointment and way of being seen was (booked / (booked + free)),
by day and hour (a heatmap: a table whose cells are shaded *and* carry the share as text), how many
appointments that have taken place were missed, how soon the third free appointment is at each
hub for each type (from now), and the weekly share booked as an SPC chart -- drawn by the outcomes
pages' chart (:func:`nhc.web.outcomes.spc_chart.spc_chart`, reused, never copied) with a table of
its figures. Every table sorts by its headers (links, no JavaScript) and downloads as CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from nhc.access.domain import ServiceType
from nhc.access.domain.utilisation import WEEKDAYS
from nhc.access.services import Dashboard
from nhc.outcomes.catalogue import Indicator, Kind
from nhc.outcomes.report import Point, Series
from nhc.outcomes.spc import Improvement
from nhc.security.roles import Principal
from nhc.web import tables
from nhc.web.appointments.pages.booking import CHANNEL_LABELS
from nhc.web.appointments.pages.common import FormError, day_values, page, parse_day, service
from nhc.web.deps import current_user
from nhc.web.outcomes.spc_chart import legend_marker, spc_chart
from nhc.web.outcomes.views import POINT_TYPES

router = APIRouter(prefix="/access", include_in_schema=False)
MAX_WEEKS = 12
DAY_NAMES = dict(
    zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
#: The weekly series as the outcomes chart takes it (a proportion, higher is better).
WEEKLY = Indicator(
    id="hub-utilisation",
    title="Share of hub appointments booked, week by week",
    kind=Kind.PROPORTION,
    unit="%",
    improvement=Improvement.INCREASE,
    source="hub slots and bookings",
    numerator="slots booked",
    denominator="slots booked or left free",
)
#: How "fewer than three free slots" sorts among days to the third free one: after all of them.
NO_THIRD = 10**6
USE_COLUMNS = [tables.Col(k, tables.by(k)) for k in ("label", "booked", "free", "utilisation")]


def _period(request: Request) -> tuple[dt.date, int, dict[str, str], FormError | None]:
    values = {k: v.strip()[:20] for k, v in request.query_params.items()}
    today = service(request).clock().date()
    first, error = parse_day(values, today - dt.timedelta(days=today.weekday()))
    weeks = values.get("weeks", "1")
    if not weeks.isdigit() or not 1 <= int(weeks) <= MAX_WEEKS:
        return first, 1, values, error or FormError("weeks", f"Choose from 1 to {MAX_WEEKS} weeks")
    return first, int(weeks), values, error


def _dashboard(request: Request, first: dt.date, weeks: int) -> Dashboard:
    start = dt.datetime.combine(first, dt.time.min)
    return service(request).dashboard(start, start + dt.timedelta(weeks=weeks))


#: How full, in words: the first label whose floor the share reaches.
WORDS = ((0.9, "Nearly full"), (0.6, "Busy"), (0.3, "Room to book"), (0.0, "Mostly free"))


def words(booked: float, free: float, share: float) -> str:
    """How full, in plain English."""
    if booked + free == 0:
        return "No appointments offered"
    return next(label for floor, label in WORDS if share >= floor)


def _row(key: str, label: str, use: dict[str, float], **extra: Any) -> dict[str, Any]:
    booked, free, share = use["booked"], use["free"], use["utilisation"]
    return {
        "key": key,
        "label": label,
        "booked": booked,
        "free": free,
        "utilisation": share,
        "words": words(booked, free, share),
        **extra,
    }


def hub_rows(d: Dashboard) -> list[dict[str, Any]]:
    empty = {"booked": 0, "free": 0, "utilisation": 0.0}
    hubs = sorted(d.hubs.values(), key=lambda h: h.name)
    return [_row(h.id, h.name, d.by_hub.get(h.id, empty), neighbourhood=h.neighbourhood) for h in hubs]


def practice_rows(d: Dashboard) -> list[dict[str, Any]]:
    rows = []
    for code, use in d.by_practice.items():
        hub = d.hub_of_practice(code)
        name = d.practice_names.get(code, code)
        rows.append(
            _row(code, f"{name} ({code})" if name != code else code, use, hub=hub.name if hub else "")
        )
    return sorted(rows, key=lambda r: r["label"])


def role_rows(d: Dashboard) -> list[dict[str, Any]]:
    return [_row(role, ServiceType(role).label, use) for role, use in d.by_role.items()]


def channel_rows(d: Dashboard) -> list[dict[str, Any]]:
    labels = {c.value: label for c, label in CHANNEL_LABELS.items()}
    return [_row(ch, labels.get(ch, ch), use) for ch, use in d.by_channel.items()]


def third_rows(d: Dashboard) -> list[dict[str, Any]]:
    """Each hub and type of appointment: days from now to the third free appointment."""
    rows = [
        {"hub": d.hubs[hub].name if hub in d.hubs else hub, "role": ServiceType(role).label, "days": days}
        for (hub, role), days in d.third_next.items()
    ]
    return sorted(rows, key=lambda r: (r["hub"], r["role"]))


def heatmap(d: Dashboard) -> dict[str, Any]:
    """The weekday-by-hour table: days that had slots as columns, hours as rows; each cell the
    share booked (text), its counts and a shade from 0 (under 20%) to 4 (80% or more)."""
    days = [w for w in WEEKDAYS if any(day == w for day, _ in d.grid)]
    hours = sorted({hour for _, hour in d.grid})
    cells = {
        cell: {**use, "shade": min(4, int(use["utilisation"] * 5)), "offered": use["booked"] + use["free"]}
        for cell, use in d.grid.items()
    }
    return {"days": [(w, DAY_NAMES[w]) for w in days], "hours": hours, "cells": cells}


def weekly_rows(d: Dashboard) -> list[dict[str, Any]]:
    """The chart's figures: each week's share booked (percent) and its SPC point type."""
    if d.chart is None:
        return []
    return [
        {"week": w, "value": p.value, "point_type": p.type.value, "point_label": POINT_TYPES[p.type.value][0]}
        for w, p in zip(d.weeks, d.chart.points, strict=True)
    ]


def weekly_chart(d: Dashboard) -> Markup:
    """The weekly share booked on the outcomes pages' SPC chart (the x axis is weeks, not months)."""
    if d.chart is None:
        return Markup('<p class="nhsuk-body">No appointments were offered in these weeks.</p>')
    points = [Point(w, None, None, p.value) for w, p in zip(d.weeks, d.chart.points, strict=True)]
    series = Series(WEEKLY, "county", "all hubs", points, d.chart)
    return spc_chart(series, title=WEEKLY.title, unit="%", weekly=True)


def _tables(request: Request, d: Dashboard, keep: dict[str, Any]) -> dict[str, tables.Table]:
    """The page's sortable tables (each sorted by its own header links)."""

    def table(name: str, rows: list[dict[str, Any]], columns: list[tables.Col]) -> tables.Table:
        return tables.table(
            request.query_params, rows, columns, path="/access/utilisation", name=name, keep=keep, anchor=name
        )

    hubs = hub_rows(d)
    third = third_rows(d)
    return {
        "hub": table("hub", hubs, [tables.Col("label", tables.position(hubs)), *USE_COLUMNS[1:]]),
        "practice": table("practice", practice_rows(d), [*USE_COLUMNS, tables.Col("hub", tables.by("hub"))]),
        "role": table("role", role_rows(d), USE_COLUMNS),
        "channel": table("channel", channel_rows(d), USE_COLUMNS),
        "third": table(
            "third",
            third,
            [
                tables.Col("hub", tables.position(third)),
                tables.Col("role", tables.by("role")),
                # fewer than three free slots sorts after any number of days (tables sorts
                # infinities as zero)
                tables.Col("days", lambda r: r["days"] if r["days"] is not None else NO_THIRD),
            ],
        ),
        "weekly": table(
            "weekly", weekly_rows(d), [tables.Col(k, tables.by(k)) for k in ("week", "value", "point_type")]
        ),
    }


@router.get("/utilisation")
def utilisation(request: Request, user: Principal = Depends(current_user)):
    first, weeks, values, error = _period(request)
    ctx: dict[str, Any] = {
        "page_title": "How full the hubs are",
        "values": {**day_values(first), "weeks": str(weeks), **values},
        "error": error,
        "first": first,
        "last": first + dt.timedelta(weeks=weeks, days=-1),
        "weeks": weeks,
        "csv_query": urlencode({**day_values(first), "weeks": weeks}),
    }
    if not error:
        d = _dashboard(request, first, weeks)
        booked, free = sum(u["booked"] for u in d.by_hub.values()), sum(u["free"] for u in d.by_hub.values())
        ctx |= {
            "d": d,
            "t": _tables(request, d, {**day_values(first), "weeks": weeks}),
            "total": {
                "booked": booked,
                "free": free,
                "utilisation": booked / (booked + free) if booked + free else 0.0,
            },
            "heatmap": heatmap(d),
            "chart": weekly_chart(d),
            "limits": d.chart.limits if d.chart else None,
            "point_types": [(k, label, legend_marker(k)) for k, (label, _, _) in POINT_TYPES.items()],
        }
    return page(request, "access/utilisation.html", ctx, status_code=400 if error else 200)


def _use_csv(rows: list[dict[str, Any]], keys: list[str], period: list[Any]) -> list[list[Any]]:
    return [
        [*(r[k] for k in keys), *period, r["booked"], r["free"], f"{100 * r['utilisation']:.1f}"]
        for r in rows
    ]


def csv_rows(name: str, d: Dashboard, first: dt.date, last: dt.date) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of one of :data:`TABLES` as CSV (the figures the page shows)."""
    use = ["from", "to", "booked_slots", "free_slots", "utilisation_percent"]
    period = [first, last]
    if name == "hub":
        return ["hub", "neighbourhood", *use], _use_csv(hub_rows(d), ["label", "neighbourhood"], period)
    if name == "practice":
        header = ["practice", "hub", "from", "to", "booked_slots", "free_slot_share", "utilisation_percent"]
        return header, _use_csv(practice_rows(d), ["label", "hub"], period)
    if name in ("role", "channel"):
        rows = role_rows(d) if name == "role" else channel_rows(d)
        return ["type" if name == "role" else "channel", *use], _use_csv(rows, ["label"], period)
    if name == "heatmap":
        rows = [
            [DAY_NAMES[day], hour, *period, u["booked"], u["free"], f"{100 * u['utilisation']:.1f}"]
            for (day, hour), u in d.grid.items()
        ]
        return ["weekday", "hour", *use], rows
    if name == "third-next":
        rows = [
            [r["hub"], r["role"], "" if r["days"] is None else r["days"], d.now.isoformat()]
            for r in third_rows(d)
        ]
        return ["hub", "type", "days_to_third_next_available", "as_of"], rows
    rows = [[r["week"], r["value"], r["point_label"]] for r in weekly_rows(d)]
    return ["week_starting", "utilisation_percent", "spc_point_type"], rows


TABLES = ("hub", "practice", "role", "channel", "heatmap", "third-next", "weekly")


@router.get("/utilisation.csv")
def utilisation_csv(request: Request, user: Principal = Depends(current_user)):
    first, weeks, _, error = _period(request)
    name = request.query_params.get("table", "hub")
    if name not in TABLES:
        error = error or FormError("table", f"Choose a table: {', '.join(TABLES)}")
    if error:
        return Response(f"{error.message}\n", status_code=400, media_type="text/plain")
    last = first + dt.timedelta(weeks=weeks, days=-1)
    header, rows = csv_rows(name, _dashboard(request, first, weeks), first, last)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    stem = "hub-utilisation" if name == "hub" else f"hub-utilisation-{name}"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{stem}-{first.isoformat()}-{weeks}w.csv"'},
    )
