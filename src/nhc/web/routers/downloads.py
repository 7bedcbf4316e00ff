"""CSV downloads: every aggregate table the pages show, and a neighbourhood's worklist.

Aggregate tables are written from the very results the pages render — the insights service's
disclosure-controlled figures — never from a second computation: a suppressed cell is
``suppressed`` in the file as on the page. A worklist download is person-level: the team check
comes first, then every person in the file passes the one access decision
(:class:`nhc.insights.access.PatientAccess`) and is audited as an export, before anything is sent.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from nhc.insights.service import DIMENSIONS, NotFound
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.access import patient_access
from nhc.web.deps import client_ip, current_user, insights, plain_label

router = APIRouter(include_in_schema=False)

Columns = Sequence[tuple[str, str]]  # (key in the service's row, column heading)
SUPPRESSED = "suppressed"


def csv_response(filename: str, columns: Columns, rows: Iterable[Mapping[str, Any]], as_of: str) -> Response:
    """A CSV file: a heading row, one row per table row (``None`` written as ``suppressed``), and
    the file name carrying the data's as-of date."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([heading for _, heading in columns])
    for row in rows:
        writer.writerow([SUPPRESSED if row.get(key) is None else row.get(key) for key, _ in columns])
    name = f"{filename}-{as_of}.csv" if as_of else f"{filename}.csv"
    return Response(
        out.getvalue().encode("utf-8-sig"),  # with a BOM, so spreadsheet programs read it as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


BANDS: Columns = (("number", "Band"), ("label", "Need band"), ("count", "People"), ("share", "Share (%)"))
PNGS: Columns = (("png", "PNG"), ("name", "Patient Need Group"), ("band", "Need band"), ("count", "People"),
                 ("share", "Share (%)"))  # fmt: skip
BREAKDOWN: Columns = (("label", "Category"), ("total", "People"), ("low", "Lower need"),
                      ("moderate", "Moderate need"), ("high", "Higher need"))  # fmt: skip
NEIGHBOURHOODS: Columns = (("name", "Neighbourhood"), ("locality", "Locality"), ("population", "People"),
                           ("high", "Higher need"), ("high_share", "Higher need (%)"),
                           ("practices", "Practices"))  # fmt: skip
PROFILE: dict[str, Columns] = {
    "registers": (("label", "Register"), ("count", "People"), ("share", "Share (%)"),
                  ("county_share", "County share (%)")),
    "frailty": (("category", "eFI category (65+)"), ("count", "People"), ("share", "Share (%)"),
                ("county_share", "County share (%)")),
    "imd": (("quintile", "IMD quintile (1 = most deprived)"), ("population", "People"),
            ("population_share", "Share (%)"), ("high", "Higher need"), ("high_share", "Higher need (%)"),
            ("county_high_share", "County higher need (%)"), ("admissions_per_1000", "Emergency admissions per 1,000"),
            ("county_admissions_per_1000", "County emergency admissions per 1,000")),
    "practices": (("code", "Practice code"), ("name", "Practice"), ("population", "People"),
                  ("aged_65_plus", "Aged 65+"), ("high", "Higher need"), ("high_share", "Higher need (%)"),
                  ("admissions_per_1000", "Emergency admissions per 1,000")),
}  # fmt: skip
FUNNEL: Columns = (("unit", "Practice code"), ("label", "Practice"), ("n", "Denominator"),
                   ("y", "Numerator"), ("value", "Value"), ("flag", "Compared with the limits"))  # fmt: skip


def _filters(request: Request, png: str | None) -> tuple:
    return (("png", insights(request).check_png(png)),) if png else ()


def _aggregate(request: Request, table: str, params: Mapping[str, str | None]) -> tuple[str, Columns, list]:
    """(file name, columns, rows) of one aggregate table, from the service the page uses."""
    svc = insights(request)
    png = params.get("png")
    if table == "bands":
        return (
            f"need-bands{'-png-' + png if png else ''}",
            BANDS,
            svc.overview(_filters(request, png))["bands"],
        )
    if table == "pngs":
        return "patient-need-groups", PNGS, svc.overview(())["pngs"]
    if table == "breakdown":
        dimension = params.get("dimension") or "age_band"
        bd = svc.breakdown(dimension, _filters(request, png))
        return f"breakdown-{dimension}{'-png-' + png if png else ''}", BREAKDOWN, bd["rows"]
    if table == "neighbourhoods":
        return "neighbourhoods", NEIGHBOURHOODS, svc.neighbourhoods()
    if table in PROFILE or table == "neighbourhood-bands":
        name = params.get("name") or ""
        profile = svc.neighbourhood_profile(name)
        slug = name.lower().replace(" ", "-")
        if table == "neighbourhood-bands":
            county = {b["band"]: b["share"] for b in profile["county"]["bands"]}
            rows = [{**b, "county_share": county.get(b["band"])} for b in profile["overview"]["bands"]]
            return f"{slug}-need-bands", (*BANDS, ("county_share", "County share (%)")), rows
        return f"{slug}-{table}", PROFILE[table], profile[table]
    if table == "variation":
        return _variation(svc.variation(params.get("indicator") or "emergency_admissions"))
    raise NotFound(f"there is no table called {table[:40]!r} to download")


def _variation(v: Mapping[str, Any]) -> tuple[str, Columns, list]:
    """Every practice on the funnel plot, the value per 100 or per 1,000 as the page shows it."""
    per = v["indicator"].per
    rows = []
    for point in v["funnel"].points:
        row = dataclasses.asdict(point)
        row["value"] = None if point.value is None else round(point.value * per, 1)
        rows.append(row)
    columns = (*FUNNEL[:4], ("value", f"Value (per {per:,})"), FUNNEL[5])
    return f"variation-{v['indicator'].name}", columns, rows


@router.get("/downloads/worklist-counts.csv")
def worklist_counts(request: Request, user: Principal = Depends(current_user)):
    """People on each worklist by neighbourhood (disclosure-controlled counts, as the page)."""
    svc = insights(request)
    defs = svc.worklist_definitions()
    columns: list[tuple[str, str]] = [("neighbourhood", "Neighbourhood")]
    columns += [(k, d["title"]) for k, d in defs.items()]
    rows = [{"neighbourhood": r["neighbourhood"], **r["counts"]} for r in svc.worklist_counts()]
    return csv_response("worklist-counts", columns, rows, svc.as_of())


@router.get("/downloads/{table}.csv")
def aggregate(
    request: Request,
    table: str,
    png: str | None = Query(None, max_length=4),
    dimension: str | None = Query(None, max_length=40),
    name: str | None = Query(None, max_length=100),
    indicator: str | None = Query(None, max_length=64),
    user: Principal = Depends(current_user),
):
    if dimension is not None and dimension not in DIMENSIONS:
        raise NotFound(f"there is no breakdown by {dimension[:40]!r}")
    params = {"png": png, "dimension": dimension, "name": name, "indicator": indicator}
    filename, columns, rows = _aggregate(request, table, params)
    return csv_response(filename, columns, rows, insights(request).as_of())


WORKLIST: Columns = (("worklist_title", "Worklist"), ("rank", "Rank"), ("patient_id", "Patient id"),
                     ("nhs_number", "NHS number"), ("given_name", "Given name"), ("family_name", "Family name"),
                     ("age", "Age"), ("sex", "Sex"), ("practice_code", "Practice"), ("png_name", "Need group"),
                     ("reasons", "Why listed"))  # fmt: skip


@router.get("/downloads/worklists/{neighbourhood}.csv")
def worklist(
    request: Request,
    neighbourhood: str,
    worklist: str | None = Query(None, max_length=64),
    user: Principal = Depends(current_user),
):
    """PERSON-LEVEL: the neighbourhood's worklist (all pages) for its team, every person in it
    authorised and audited as ``export_worklist`` before the file is made."""
    svc = insights(request)
    svc.check_neighbourhood(neighbourhood)
    svc.check_worklist(worklist or None)
    if not request.app.state.security.can_view_neighbourhood_people(user, neighbourhood):
        if not user.is_clinical:
            raise AccessDenied(f"Your role ({user.role_label}) cannot see lists of individual people.")
        raise AccessDenied(f"You are not a member of the {neighbourhood} neighbourhood team.")
    rows, _ = svc.worklist_page(neighbourhood, worklist or None, 5000, 0)
    patient_access(request).authorise(
        user,
        frozenset(r["patient_id"] for r in rows),
        action="export_worklist",
        resource=f"worklist:{neighbourhood}:{worklist or 'all'}:csv",
        ip=client_ip(request),
    )
    defs = svc.worklist_definitions()
    title: Callable[[str], str] = lambda w: defs.get(w, {}).get("title") or plain_label(w)  # noqa: E731
    out = [{**r, "worklist_title": title(r["worklist"])} for r in rows]
    name = f"worklist-{neighbourhood.lower().replace(' ', '-')}{'-' + worklist if worklist else ''}"
    return csv_response(name, WORKLIST, out, svc.as_of())
