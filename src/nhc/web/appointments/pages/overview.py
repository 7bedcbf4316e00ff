"""The access area's start page (``/access``) and the hub utilisation table (``/access/utilisation``,
``/access/utilisation.csv``).

The start page links only to what the user's role can use. Utilisation is an aggregate of slots
(no people), open to every signed-in user: for each hub, how many slots in the chosen weeks were
booked, how many were left free, and the share booked, in plain English, with a CSV download of the
same figures.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from nhc.access.services import HubUse
from nhc.security.roles import Principal
from nhc.web.appointments.pages.common import FormError, day_values, page, parse_day, service
from nhc.web.deps import current_user

router = APIRouter(prefix="/access", include_in_schema=False)
MAX_WEEKS = 12


@router.get("")
def start(request: Request, user: Principal = Depends(current_user)):
    return page(request, "access/start.html", {"page_title": "Access hubs and home visits"})


def _period(request: Request) -> tuple[dt.date, int, dict[str, str], FormError | None]:
    values = {k: v.strip()[:20] for k, v in request.query_params.items()}
    today = service(request).clock().date()
    first, error = parse_day(values, today - dt.timedelta(days=today.weekday()))
    weeks = values.get("weeks", "1")
    if not weeks.isdigit() or not 1 <= int(weeks) <= MAX_WEEKS:
        return first, 1, values, error or FormError("weeks", f"Choose from 1 to {MAX_WEEKS} weeks")
    return first, int(weeks), values, error


def _rows(request: Request, first: dt.date, weeks: int) -> list[HubUse]:
    start = dt.datetime.combine(first, dt.time.min)
    return service(request).utilisation(start, start + dt.timedelta(weeks=weeks))


@router.get("/utilisation")
def utilisation(request: Request, user: Principal = Depends(current_user)):
    first, weeks, values, error = _period(request)
    rows = [] if error else _rows(request, first, weeks)
    booked, free = sum(r.booked for r in rows), sum(r.free for r in rows)
    ctx = {
        "page_title": "How full the hubs are",
        "values": {**day_values(first), "weeks": str(weeks), **values},
        "error": error,
        "rows": rows,
        "first": first,
        "last": first + dt.timedelta(weeks=weeks, days=-1),
        "weeks": weeks,
        "total": {
            "booked": booked,
            "free": free,
            "utilisation": booked / (booked + free) if booked + free else 0.0,
        },
        "csv_query": urlencode({**day_values(first), "weeks": weeks}),
    }
    return page(request, "access/utilisation.html", ctx, status_code=400 if error else 200)


@router.get("/utilisation.csv")
def utilisation_csv(request: Request, user: Principal = Depends(current_user)):
    first, weeks, _, error = _period(request)
    if error:
        return Response(f"{error.message}\n", status_code=400, media_type="text/plain")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["hub", "neighbourhood", "from", "to", "booked_slots", "free_slots", "utilisation_percent"]
    )
    last = first + dt.timedelta(weeks=weeks, days=-1)
    for r in _rows(request, first, weeks):
        writer.writerow(
            [r.hub.name, r.hub.neighbourhood, first, last, r.booked, r.free, f"{100 * r.utilisation:.1f}"]
        )
    name = f"hub-utilisation-{first.isoformat()}-{weeks}w.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
