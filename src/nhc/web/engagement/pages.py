"""The staff engagement pages: the inbox and themes (``/engagement``, with a CSV of the theme counts),
entering a meeting or survey note (``/engagement/notes``) and changing one comment's themes
(``/engagement/comments/{id}``). Any signed-in member of staff may use them: comments are scrubbed
and hold no one's identity, and the counts are disclosure-controlled. Every page works without
JavaScript; changes are POSTs with the CSRF token, audited by the service.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from nhc.engagement.domain import (
    CHANNEL_LABELS,
    IMD_LABELS,
    STAFF_CHANNELS,
    BadField,
    Channel,
    EngagementError,
    EngagementSummary,
)
from nhc.engagement.domain.feedback import parse_channel
from nhc.engagement.services import Comment, EngagementService
from nhc.identifiers import MAX_RECORD_ID
from nhc.security.roles import Principal
from nhc.vocab import AGE_BANDS, THEMES, WHAT_PEOPLE_VALUE
from nhc.web import tables
from nhc.web.deps import check_csrf, current_user, render
from nhc.web.engagement.deps import engagement_service

router = APIRouter(include_in_schema=False)
#: The feedback item's names for what the forms call otherwise.
FORM_FIELDS = {"text": "comment"}

INBOX_PAGE = 20
#: A comment's id in a path: a whole number the database's 32-bit column can hold (else 422).
ItemId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID, description="A comment's id")]


def _theme_columns() -> list[tables.Col]:
    cols = [tables.Col("neighbourhood", tables.by("key")), tables.Col("total", tables.by("total"))]
    return cols + [tables.Col(t, lambda row, i=i: row.themes[i]) for i, t in enumerate(THEMES)]


def _themes_table(request: Request, summary: EngagementSummary) -> tables.Table:
    query = dict(request.query_params)
    return tables.table(
        query, summary.by_neighbourhood, _theme_columns(), path="/engagement", name="themes", anchor="themes",
        keep={k: query.get(k) for k in ("neighbourhood", "theme", "channel")},
    )  # fmt: skip


def _filters(request: Request, service: EngagementService) -> dict[str, Any]:
    q = {k: (request.query_params.get(k) or "")[:200] for k in ("neighbourhood", "theme", "channel")}
    if q["neighbourhood"] and q["neighbourhood"] not in service.neighbourhoods():
        raise BadField("neighbourhood", "is not a neighbourhood of the county", "")
    if q["theme"] and q["theme"] not in THEMES:
        raise BadField("theme", f"unknown theme {q['theme']!r}", THEMES)
    channel = parse_channel(q["channel"]) if q["channel"] else None
    return {"neighbourhood": q["neighbourhood"] or None, "theme": q["theme"] or None, "channel": channel}


@router.get("/engagement")
def inbox(
    request: Request,
    user: Principal = Depends(current_user),
    service: EngagementService = Depends(engagement_service),
):
    """The inbox (filtered, newest first, in pages) and the theme counts by neighbourhood."""
    filters = _filters(request, service)
    items = service.inbox(**filters)
    query = dict(request.query_params)
    inbox_table = tables.table(
        query, items, [tables.Col("received", tables.by("received")), tables.Col("neighbourhood", tables.by("neighbourhood"))],
        path="/engagement", name="inbox", anchor="inbox", paginate=True, page_size=INBOX_PAGE,
        keep={k: query.get(k) for k in ("neighbourhood", "theme", "channel")},
    )  # fmt: skip
    summary = service.summary()
    ctx = {
        "page_title": "Engagement: what people told us",
        "now": service.clock(),
        "summary": summary,
        "inbox": inbox_table,
        "themes_table": _themes_table(request, summary),
        "filters": {k: (v.value if isinstance(v, Channel) else v) for k, v in filters.items()},
        "neighbourhoods": service.neighbourhoods(),
        "theme_labels": WHAT_PEOPLE_VALUE,
        "channel_labels": {c.value: label for c, label in CHANNEL_LABELS.items()},
        "imd_labels": IMD_LABELS,
        "csv_query": request.url.query,
    }
    return render(request, "engagement/inbox.html", ctx)


@router.get("/engagement/themes.csv")
def themes_csv(
    request: Request,
    user: Principal = Depends(current_user),
    service: EngagementService = Depends(engagement_service),
):
    """The theme counts by neighbourhood as CSV: every row, sorted as on the page, the same
    disclosure-controlled figures (blank: suppressed, 7 or fewer)."""
    summary = service.summary()
    table = _themes_table(request, summary)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["neighbourhood", "comments", *(WHAT_PEOPLE_VALUE[t] for t in THEMES)])
    for row in table.rows:
        writer.writerow([row.label, *("" if v is None else v for v in (row.total, *row.themes))])
    as_of = summary.as_of.isoformat() if summary.as_of else "none"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="engagement-themes-{as_of}.csv"'},
    )


def _note_context(service: EngagementService, values: dict[str, str], error: EngagementError | None = None):
    return {
        "page_title": "Add a meeting or survey note",
        "now": service.clock(),
        "neighbourhoods": service.neighbourhoods(),
        "channels": [(c.value, CHANNEL_LABELS[c]) for c in STAFF_CHANNELS],
        "age_bands": AGE_BANDS,
        "imd_labels": IMD_LABELS,
        "values": values,
        "error": error,
    }


@router.get("/engagement/notes")
def note_form(
    request: Request,
    user: Principal = Depends(current_user),
    service: EngagementService = Depends(engagement_service),
):
    values = {"channel": Channel.MEETING_NOTE.value, "received": service.clock().date().isoformat()}
    return render(request, "engagement/note.html", _note_context(service, values))


def _comment(values: dict[str, str]) -> Comment:
    try:
        received = dt.date.fromisoformat(values["received"]) if values["received"] else None
    except ValueError:
        raise BadField(
            "received", f"{values['received']!r} is not a date", "a date like 2026-03-31"
        ) from None
    return Comment(
        neighbourhood=values["neighbourhood"],
        text=values["comment"],
        channel=parse_channel(values["channel"]),
        received=received,
        age_band=values["age_band"] or None,
        imd_quintile=values["imd_quintile"] or None,
        tags=tuple(t for t in values["tags"].split(",") if t.strip()),
    )


@router.post("/engagement/notes")
async def note_add(
    request: Request,
    user: Principal = Depends(current_user),
    service: EngagementService = Depends(engagement_service),
):
    """Keep the note (scrubbed and themed) and show it, so its themes can be changed at once."""
    form = await request.form()
    keys = ("neighbourhood", "channel", "comment", "received", "age_band", "imd_quintile", "tags")
    values = {k: str(form.get(k) or "")[: 2001 if k == "comment" else 300] for k in keys}
    try:
        if not check_csrf(request, str(form.get("csrf_token") or "")):
            raise BadField("comment", "the form expired: send the note again", "")
        item = service.add_note(user, _comment(values))
    except EngagementError as exc:
        exc = exc.renamed(FORM_FIELDS) if isinstance(exc, BadField) else exc
        return render(request, "engagement/note.html", _note_context(service, values, exc), 400)
    return RedirectResponse(f"/engagement/comments/{item.id}?added=1", status_code=303)


def _comment_context(service: EngagementService, item_id: int, error: EngagementError | None = None):
    return {
        "page_title": "A comment and its themes",
        "now": service.clock(),
        "item": service.item(item_id),
        "theme_labels": WHAT_PEOPLE_VALUE,
        "error": error,
    }


@router.get("/engagement/comments/{item_id}")
def comment(
    request: Request,
    item_id: ItemId,
    user: Principal = Depends(current_user),
    service: EngagementService = Depends(engagement_service),
):
    ctx = _comment_context(service, item_id)
    ctx["added"] = request.query_params.get("added") == "1"
    ctx["saved"] = request.query_params.get("saved") == "1"
    return render(request, "engagement/comment.html", ctx)


@router.post("/engagement/comments/{item_id}")
async def retag(
    request: Request,
    item_id: ItemId,
    user: Principal = Depends(current_user),
    service: EngagementService = Depends(engagement_service),
):
    """Replace the comment's themes and tags with the ones chosen (audited)."""
    form = await request.form()
    themes = [str(t)[:40] for t in form.getlist("themes")][: len(THEMES)]
    tags = [t for t in str(form.get("tags") or "")[:300].split(",") if t.strip()]
    try:
        if not check_csrf(request, str(form.get("csrf_token") or "")):
            raise BadField("themes", "the form expired: choose the themes again", "")
        service.retag(user, item_id, themes, tags)
    except EngagementError as exc:
        if exc.http_status == 404:
            raise
        return render(request, "engagement/comment.html", _comment_context(service, item_id, exc), 400)
    return RedirectResponse(f"/engagement/comments/{item_id}?saved=1", status_code=303)
