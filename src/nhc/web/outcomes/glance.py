"""Diabetes at a glance: the practice's or neighbourhood's care processes and targets against the
county, the gaps, and — for clinical roles — each person's processes and a worklist of who is missing
what.

* ``/outcomes/diabetes`` (``?practice=CODE`` or ``?neighbourhood=NAME``): aggregates from the
  outcomes report (:func:`nhc.outcomes.report.build_report`, disclosure-controlled), latest month
  only; ``/outcomes/diabetes.csv`` is the same table.
* ``/outcomes/diabetes/patients/{id}``: one person's processes (:mod:`nhc.outcomes.care_processes`),
  through the one access decision (:class:`nhc.insights.access.PatientAccess`), audited.
* ``/outcomes/diabetes/worklist?neighbourhood=NAME`` (and ``.csv``): people missing a process;
  every person shown (or written to the file) passes the same decision, audited, first.

The lake is read once per as-of date (DuckDB, in the web process) and kept in memory.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from nhc.analytics.pipeline.run import DEFAULT_AS_OF
from nhc.identifiers import parse_patient_id
from nhc.insights.service import NotFound
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from nhc.outcomes.care_processes import PROCESS_GROUPS, care_processes, diabetes_register, due_next
from nhc.outcomes.catalogue import BY_ID, CARE_PROCESSES
from nhc.outcomes.report import DISCLOSURE, OutcomesReport, build_report
from nhc.reference.codelists import load_codelists
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.access import patient_access
from nhc.web.deps import client_ip, current_user, insights, render
from nhc.web.routers.downloads import csv_response
from nhc.web.tables import Col, by, table

router = APIRouter(include_in_schema=False)

#: The page's indicators, in the audit's order: the eight, all eight, the three targets.
INDICATORS = (
    *(f"diabetes-{name}" for _, name, _ in CARE_PROCESSES),
    "diabetes-all-eight",
    "diabetes-hba1c-target",
    "diabetes-bp-target",
    "diabetes-statins",
)
#: The indicators shown in the gaps tables (columns), with short headings.
GAP_INDICATORS = (
    ("diabetes-all-eight", "All eight processes"),
    ("diabetes-hba1c-target", "HbA1c target"),
    ("diabetes-bp-target", "Blood pressure target"),
    ("diabetes-statins", "Statin"),
)
BREAKDOWNS = ("county", "practice", "neighbourhood", "imd_quintile", "ethnicity")
PAGE = 100
_LOCK = threading.Lock()


@dataclass
class Glance:
    """What the pages read, for one as-of date: the report and the people on the register."""

    as_of: dt.date
    generation: int  # the insight tables' generation it was built at (a new run rebuilds it)
    report: OutcomesReport
    people: dict[int, dict[str, Any]]


def _as_of(request: Request) -> dt.date:
    day = insights(request).as_of()
    return dt.date.fromisoformat(day) if day else DEFAULT_AS_OF


def glance(request: Request) -> Glance:
    """The app's :class:`Glance` for the lake's as-of date, built on first use (one at a time) and
    again when the analytics are run again."""
    as_of, generation = _as_of(request), insights(request).generation()
    state = request.app.state
    with _LOCK:
        cached = getattr(state, "diabetes_glance", None)
        if cached is not None and (cached.as_of, cached.generation) == (as_of, generation):
            return cached
        engine = DuckDBEngine.open(Lake(state.settings.lake_dir))
        engine.backend.raw_sql("SET enable_progress_bar = false")  # it would write to the server's log
        codelists = engine.from_arrow(load_codelists().select(["code", "cluster"]), "nhc_glance_codelists")
        report = build_report(
            engine, codelists, as_of, 1, [BY_ID[i] for i in INDICATORS], by=BREAKDOWNS, chart=False
        )
        t = {n: engine.table(n) for n in ("patients", "practice_registrations", "practices", "deaths")}
        events, medicines = engine.table("clinical_events"), engine.table("medications")
        register = diabetes_register(
            t["patients"], t["practice_registrations"], t["practices"], t["deaths"], events, codelists, as_of
        )
        rows = engine.to_arrow(care_processes(register, events, medicines, codelists, as_of)).to_pylist()
        state.diabetes_glance = Glance(as_of, generation, report, {r["patient_id"]: r for r in rows})
        return state.diabetes_glance


def _latest(report: OutcomesReport, indicator: str, by: str, group: str) -> dict[str, Any]:
    """The published latest month of one series: numerator, denominator, value (None: suppressed)."""
    series = report.series.get((indicator, by, group))
    point = series.latest() if series else None
    if point is None:
        return {"numerator": None, "denominator": None, "value": None}
    return {"numerator": point.numerator, "denominator": point.denominator, "value": point.value}


def _selection(request: Request, g: Glance, practice: str | None, neighbourhood: str | None) -> tuple:
    """(breakdown, group, words) of the page's choice; unknown names are 404s."""
    if practice:
        if not any(k[1] == "practice" and k[2] == practice for k in g.report.series):
            raise NotFound(f"there is no practice {practice[:20]!r} with people with diabetes")
        return "practice", practice, f"practice {practice}"
    if neighbourhood:
        insights(request).check_neighbourhood(neighbourhood)
        return "neighbourhood", neighbourhood, f"{neighbourhood} neighbourhood"
    return "county", "All", "the county"


def indicator_rows(g: Glance, by_: str, group: str) -> list[dict[str, Any]]:
    """One row per indicator: its published value for the selection and for the county."""
    rows = []
    for ind in INDICATORS:
        here, county = _latest(g.report, ind, by_, group), _latest(g.report, ind, "county", "All")
        rows.append(
            {
                "id": ind,
                "title": BY_ID[ind].title,
                "numerator": here["numerator"],
                "denominator": here["denominator"],
                "value": None if here["value"] is None else round(here["value"], 1),
                "county": None if county["value"] is None else round(county["value"], 1),
            }
        )
    return rows


def gap_rows(g: Glance, by_: str) -> list[dict[str, Any]]:
    """One row per group of ``by_`` (IMD quintile or ethnicity): the gap indicators' values."""
    groups = sorted({k[2] for k in g.report.series if k[1] == by_})
    rows = []
    for group in groups:
        row: dict[str, Any] = {"group": group}
        for ind, _ in GAP_INDICATORS:
            value = _latest(g.report, ind, by_, group)["value"]
            row[ind] = None if value is None else round(value, 1)
        rows.append(row)
    return rows


COLUMNS = (
    ("title", "Indicator"),
    ("numerator", "People meeting it"),
    ("denominator", "People it applies to"),
    ("value", "Selection (%)"),
    ("county", "County (%)"),
)


@router.get("/outcomes/diabetes")
def diabetes(
    request: Request,
    practice: str | None = Query(None, max_length=20),
    neighbourhood: str | None = Query(None, max_length=100),
    user: Principal = Depends(current_user),
):
    g = glance(request)
    by_, group, words = _selection(request, g, practice, neighbourhood)
    rows = indicator_rows(g, by_, group)
    register = _latest(g.report, "diabetes-hba1c", by_, group)["denominator"]
    cols = [Col(k, by(k)) for k, _ in COLUMNS]
    keep = {"practice": practice or "", "neighbourhood": neighbourhood or ""}
    return render(
        request,
        "outcomes/glance.html",
        {
            "table": table(request.query_params, rows, cols, path="/outcomes/diabetes", keep=keep),
            "gaps": {"imd_quintile": gap_rows(g, "imd_quintile"), "ethnicity": gap_rows(g, "ethnicity")},
            "gap_indicators": GAP_INDICATORS,
            "register": register,
            "words": words,
            "practice": practice,
            "neighbourhood": neighbourhood,
            "neighbourhoods": sorted(insights(request).geography()["neighbourhoods"]),
            "disclosure": DISCLOSURE,
            "can_see_people": user.is_clinical,
            "data_as_of": {"kind": "analytics", "date": g.as_of},
            "page_title": f"Diabetes at a glance: {words}",
        },
    )


@router.get("/outcomes/diabetes.csv")
def diabetes_csv(
    request: Request,
    practice: str | None = Query(None, max_length=20),
    neighbourhood: str | None = Query(None, max_length=100),
    user: Principal = Depends(current_user),
):
    """The page's indicator table as CSV (the same published figures)."""
    g = glance(request)
    by_, group, _ = _selection(request, g, practice, neighbourhood)
    name = "diabetes" + (f"-{by_}-{group}".lower().replace(" ", "-") if by_ != "county" else "")
    return csv_response(name, COLUMNS, indicator_rows(g, by_, group), g.as_of.isoformat())


def _person(row: dict[str, Any]) -> str:
    return " ".join(p for p in (row.get("given_name"), row.get("family_name")) if p) or "Unnamed person"


@router.get("/outcomes/diabetes/patients/{patient_id}")
def patient(request: Request, patient_id: str, user: Principal = Depends(current_user)):
    """PERSON-LEVEL: one person's care processes, after the access decision (audited)."""
    pid = parse_patient_id(patient_id)
    try:  # the one decision, on the id that will be read, audited with it
        patient_access(request).authorise(
            user,
            frozenset({pid}),
            action="view_diabetes_care_processes",
            resource=f"patient:{pid}:diabetes",
            ip=client_ip(request),
        )
    except AccessDenied as exc:
        if not user.is_clinical:
            raise
        context = {"patient_id": pid, "message": exc.message, "can_break_glass": exc.can_break_glass}
        return render(request, "patient_denied.html", {**context, "page_title": "Access refused"}, 403)
    g = glance(request)
    row = g.people.get(pid)
    if row is None:
        raise NotFound(f"person {pid} is not on the diabetes register on {g.as_of:%d %B %Y}")
    return render(
        request,
        "outcomes/glance_patient.html",
        {
            "p": row,
            "name": _person(row),
            "processes": due_next(row, g.as_of),
            "as_of": g.as_of,
            "data_as_of": {"kind": "analytics", "date": g.as_of},
            "page_title": f"Diabetes care processes: {_person(row)}",
        },
    )


def _missing(g: Glance, neighbourhood: str, practice: str | None) -> list[dict[str, Any]]:
    """The people of the neighbourhood (and practice) missing at least one process, with the
    names of what they miss."""
    titles = {grp: title for grp, _, title in CARE_PROCESSES}
    out = []
    for r in g.people.values():
        if r["neighbourhood"] != neighbourhood or (practice and r["practice_code"] != practice):
            continue
        if r["processes_missing"]:
            missing = [titles[grp] for grp in PROCESS_GROUPS if r[f"last_{grp}"] is None]
            out.append({**r, "person": _person(r), "missing": "; ".join(missing)})
    out.sort(key=lambda r: (-r["processes_missing"], r["family_name"] or "", r["patient_id"]))
    return out


WORKLIST_COLS = (
    Col("person", by("person")),
    Col("age", by("age")),
    Col("practice", by("practice_code")),
    Col("missing", by("processes_missing")),
)


def _check_list(request: Request, user: Principal, neighbourhood: str) -> None:
    """Lists of people are for the neighbourhood's team (the person-level decision follows)."""
    insights(request).check_neighbourhood(neighbourhood)
    if not user.is_clinical:
        raise AccessDenied(f"Your role ({user.role_label}) cannot see lists of individual people.")


@router.get("/outcomes/diabetes/worklist")
def worklist(
    request: Request,
    neighbourhood: str = Query(..., max_length=100),
    practice: str | None = Query(None, max_length=20),
    user: Principal = Depends(current_user),
):
    """PERSON-LEVEL: people missing a care process; each person on the page shown is authorised
    and audited (one decision each, one transaction) before the page is made."""
    _check_list(request, user, neighbourhood)
    g = glance(request)
    keep = {"neighbourhood": neighbourhood, "practice": practice or ""}
    everyone = _missing(g, neighbourhood, practice)
    t = table(
        request.query_params,
        everyone,
        WORKLIST_COLS,
        path="/outcomes/diabetes/worklist",
        keep=keep,
        paginate=True,
        page_size=PAGE,
    )
    patient_access(request).authorise(
        user,
        frozenset(r["patient_id"] for r in t.rows),
        action="view_diabetes_worklist",
        resource=f"diabetes-worklist:{neighbourhood}:{practice or 'all'}:page{t.page}",
        ip=client_ip(request),
    )
    return render(
        request,
        "outcomes/glance_worklist.html",
        {
            "table": t,
            "rows": t.rows,
            "neighbourhood": neighbourhood,
            "practice": practice,
            "data_as_of": {"kind": "analytics", "date": g.as_of},
            "page_title": f"People with diabetes missing care processes in {neighbourhood}",
        },
    )


WORKLIST_CSV = (
    ("patient_id", "Patient id"),
    ("nhs_number", "NHS number"),
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("age", "Age"),
    ("practice_code", "Practice"),
    ("processes_missing", "Care processes missing"),
    ("missing", "Missing"),
)


@router.get("/outcomes/diabetes/worklist.csv")
def worklist_csv(
    request: Request,
    neighbourhood: str = Query(..., max_length=100),
    practice: str | None = Query(None, max_length=20),
    user: Principal = Depends(current_user),
):
    """PERSON-LEVEL: the whole list as CSV, every person authorised and audited as an export first."""
    _check_list(request, user, neighbourhood)
    g = glance(request)
    rows = _missing(g, neighbourhood, practice)
    patient_access(request).authorise(
        user,
        frozenset(r["patient_id"] for r in rows),
        action="export_diabetes_worklist",
        resource=f"diabetes-worklist:{neighbourhood}:{practice or 'all'}:csv",
        ip=client_ip(request),
    )
    name = f"diabetes-missing-{neighbourhood.lower().replace(' ', '-')}{'-' + practice if practice else ''}"
    return csv_response(name, WORKLIST_CSV, rows, g.as_of.isoformat())
