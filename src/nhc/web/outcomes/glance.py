"""Diabetes, COPD and asthma at a glance: a practice's or neighbourhood's care processes (and, for
diabetes, treatment targets) against the county, the gaps, and — for clinical roles — each person's
processes and a worklist of who is missing what. For each condition ``C`` of :data:`PAGES`:

* ``/outcomes/C`` (``?practice=CODE`` or ``?neighbourhood=NAME``): aggregates from the outcomes
  report (:func:`nhc.outcomes.report.build_report`, disclosure-controlled), latest month only;
  ``/outcomes/C.csv`` is the same table.
* ``/outcomes/C/patients/{id}``: one person's processes (:mod:`nhc.outcomes.care_processes`),
  through the one access decision (:class:`nhc.insights.access.PatientAccess`), audited.
* ``/outcomes/C/worklist?neighbourhood=NAME`` (and ``.csv``): people missing a process; every person
  shown (or written to the file) passes the same decision, audited, first.

The lake is read once per as-of date and analytics run (DuckDB, in the web process) and kept in
memory. The SPC charts the page links to (``/outcomes/{indicator}``) are the outcomes pages'.
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
from nhc.outcomes.care_processes import (
    ASTHMA,
    COPD,
    DIABETES,
    Audit,
    care_processes,
    due_next,
    on_register,
)
from nhc.outcomes.catalogue import BY_ID, CARE_PROCESSES
from nhc.outcomes.report import DISCLOSURE, OutcomesReport, build_report
from nhc.reference.codelists import load_codelists
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.access import patient_access
from nhc.web.deps import client_ip, current_user, insights, render
from nhc.web.outcomes.glance_charts import funnel_view, trend_view
from nhc.web.outcomes.reports import report_cache
from nhc.web.routers.downloads import csv_response
from nhc.web.tables import Col, by, table

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Page:
    """One condition's page: its audit, the indicators it shows (the first's denominator is the
    register), the indicators of the gaps tables (id, short heading), and what it says."""

    audit: Audit
    title: str
    indicators: tuple[str, ...]
    gaps: tuple[tuple[str, str], ...]
    intro: str
    headline: str  # the care-process measure of the funnel plot and the trend

    @property
    def name(self) -> str:
        return self.audit.name

    @property
    def noun(self) -> str:
        """The condition in a sentence: "diabetes", "COPD", "asthma"."""
        return self.title if self.title.isupper() else self.title.lower()


PAGES = {
    p.name: p
    for p in (
        Page(
            DIABETES,
            "Diabetes",
            (
                *(f"diabetes-{name}" for _, name, _ in CARE_PROCESSES),
                "diabetes-all-eight",
                "diabetes-hba1c-target",
                "diabetes-bp-target",
                "diabetes-statins",
            ),
            (
                ("diabetes-all-eight", "All eight processes"),
                ("diabetes-hba1c-target", "HbA1c target"),
                ("diabetes-bp-target", "Blood pressure target"),
                ("diabetes-statins", "Statin"),
            ),
            "The National Diabetes Audit checks eight care processes each year and three treatment "
            "targets. Each figure counts the 15 months to the end of the latest month, as the audit does.",
            "diabetes-all-eight",
        ),
        Page(
            COPD,
            "COPD",
            ("copd-review",),
            (("copd-review", "Reviewed in 12 months"),),
            "Everyone with COPD should have a review every year (Quality and Outcomes Framework COPD010). "
            "The figure counts the 12 months to the end of the latest month.",
            "copd-review",
        ),
        Page(
            ASTHMA,
            "Asthma",
            ("asthma-review",),
            (("asthma-review", "Reviewed in 12 months"),),
            "Everyone aged 6 or over with asthma should have a review every year (Quality and Outcomes "
            "Framework AST007). The figure counts the 12 months to the end of the latest month.",
            "asthma-review",
        ),
    )
}
BREAKDOWNS = ("county", "practice", "neighbourhood", "imd_quintile", "ethnicity")
PAGE = 100
_LOCK = threading.Lock()


@dataclass
class Glance:
    """What the pages read, for one as-of date: the report, and each audit's people by id."""

    as_of: dt.date
    generation: int  # the insight tables' generation it was built at (a new run rebuilds it)
    report: OutcomesReport
    people: dict[str, dict[int, dict[str, Any]]]


def glance(request: Request) -> Glance:
    """The app's :class:`Glance` (see :func:`glance_of`)."""
    return glance_of(request.app.state)


def glance_of(state: Any) -> Glance:
    """The :class:`Glance` of an app's state for the lake's as-of date, built on first use (one at a
    time) and again when the analytics are run again."""
    day = state.insights.as_of()
    as_of, generation = dt.date.fromisoformat(day) if day else DEFAULT_AS_OF, state.insights.generation()
    with _LOCK:
        cached = getattr(state, "outcomes_glance", None)
        if cached is not None and (cached.as_of, cached.generation) == (as_of, generation):
            return cached
        engine = DuckDBEngine.open(Lake(state.settings.lake_dir))
        engine.backend.raw_sql("SET enable_progress_bar = false")  # it would write to the server's log
        codelists = engine.from_arrow(load_codelists().select(["code", "cluster"]), "nhc_glance_codelists")
        wanted = [BY_ID[i] for page in PAGES.values() for i in page.indicators]
        report = build_report(engine, codelists, as_of, 1, wanted, by=BREAKDOWNS, chart=False)
        t = {n: engine.table(n) for n in ("patients", "practice_registrations", "practices", "deaths")}
        events, medicines = engine.table("clinical_events"), engine.table("medications")
        people = {}
        for page in PAGES.values():
            register = on_register(
                t["patients"], t["practice_registrations"], t["practices"], t["deaths"], events, codelists,
                as_of, page.audit,
            )  # fmt: skip
            expr = care_processes(register, events, medicines, codelists, as_of, page.audit)
            people[page.name] = {r["patient_id"]: r for r in engine.to_arrow(expr).to_pylist()}
        state.outcomes_glance = Glance(as_of, generation, report, people)
        return state.outcomes_glance


def _latest(report: OutcomesReport, indicator: str, by: str, group: str) -> dict[str, Any]:
    """The published latest month of one series: numerator, denominator, value (None: suppressed)."""
    series = report.series.get((indicator, by, group))
    point = series.latest() if series else None
    if point is None:
        return {"numerator": None, "denominator": None, "value": None}
    return {"numerator": point.numerator, "denominator": point.denominator, "value": point.value}


def _selection(
    request: Request, g: Glance, page: Page, practice: str | None, neighbourhood: str | None
) -> tuple[str, str, str]:
    """(breakdown, group, words) of the page's choice; unknown names are 404s."""
    if practice:
        if not any(k[0] == page.indicators[0] and k[1:] == ("practice", practice) for k in g.report.series):
            raise NotFound(f"there is no practice {practice[:20]!r} with people with {page.noun}")
        return "practice", practice, f"practice {practice}"
    if neighbourhood:
        insights(request).check_neighbourhood(neighbourhood)
        return "neighbourhood", neighbourhood, f"{neighbourhood} neighbourhood"
    return "county", "All", "the county"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def indicator_rows(g: Glance, page: Page, by_: str, group: str) -> list[dict[str, Any]]:
    """One row per indicator: its published value for the selection and for the county."""
    rows = []
    for ind in page.indicators:
        here, county = _latest(g.report, ind, by_, group), _latest(g.report, ind, "county", "All")
        rows.append(
            {
                "id": ind,
                "title": BY_ID[ind].title,
                "numerator": here["numerator"],
                "denominator": here["denominator"],
                "value": _rounded(here["value"]),
                "county": _rounded(county["value"]),
            }
        )
    return rows


def gap_rows(g: Glance, page: Page, by_: str) -> list[dict[str, Any]]:
    """One row per group of ``by_`` (IMD quintile or ethnicity): the gap indicators' values."""
    groups = sorted({k[2] for k in g.report.series if k[1] == by_ and k[0] == page.indicators[0]})
    return [
        {
            "group": group,
            **{ind: _rounded(_latest(g.report, ind, by_, group)["value"]) for ind, _ in page.gaps},
        }
        for group in groups
    ]


COLUMNS = (
    ("title", "Indicator"),
    ("numerator", "People meeting it"),
    ("denominator", "People it applies to"),
    ("value", "Selection (%)"),
    ("county", "County (%)"),
)


def aggregate_page(
    request: Request, page: Page, practice: str | None, neighbourhood: str | None, user: Principal
):
    g = glance(request)
    by_, group, words = _selection(request, g, page, practice, neighbourhood)
    rows = indicator_rows(g, page, by_, group)
    cols = [Col(k, by(k)) for k, _ in COLUMNS]
    keep = {"practice": practice or "", "neighbourhood": neighbourhood or ""}
    computed, path, query = report_cache(request).get(), f"/outcomes/{page.name}", request.query_params
    names = computed.practice_names
    funnel = funnel_view(query, g.report, page.headline, names, path=path, keep=keep, practice=practice)
    trend = trend_view(query, computed.report, page.headline, (by_, group, words), path=path, keep=keep)
    return render(
        request,
        "outcomes/glance.html",
        {
            "page": page,
            "table": table(request.query_params, rows, cols, path=f"/outcomes/{page.name}", keep=keep),
            "gaps": {k: gap_rows(g, page, k) for k in ("imd_quintile", "ethnicity")},
            "register": _latest(g.report, page.indicators[0], by_, group)["denominator"],
            "words": words,
            "practice": practice,
            "neighbourhood": neighbourhood,
            "neighbourhoods": sorted(insights(request).geography()["neighbourhoods"]),
            "disclosure": DISCLOSURE,
            "can_see_people": user.is_clinical,
            "headline": BY_ID[page.headline],
            "funnel": funnel,
            "trend": trend,
            "data_as_of": {"kind": "analytics", "date": g.as_of},
            "page_title": f"{page.title} at a glance: {words}",
        },
    )


def aggregate_csv(request: Request, page: Page, practice: str | None, neighbourhood: str | None):
    """The page's indicator table as CSV (the same published figures)."""
    g = glance(request)
    by_, group, _ = _selection(request, g, page, practice, neighbourhood)
    name = page.name + (f"-{by_}-{group}".lower().replace(" ", "-") if by_ != "county" else "")
    return csv_response(name, COLUMNS, indicator_rows(g, page, by_, group), g.as_of.isoformat())


def _person(row: dict[str, Any]) -> str:
    return " ".join(p for p in (row.get("given_name"), row.get("family_name")) if p) or "Unnamed person"


def patient_page(request: Request, page: Page, patient_id: str, user: Principal):
    """PERSON-LEVEL: one person's care processes, after the access decision (audited)."""
    pid = parse_patient_id(patient_id)
    try:  # the one decision, on the id that will be read, audited with it
        patient_access(request).authorise(
            user,
            frozenset({pid}),
            action=f"view_{page.name}_care_processes",
            resource=f"patient:{pid}:{page.name}",
            ip=client_ip(request),
        )
    except AccessDenied as exc:
        if not user.is_clinical:
            raise
        context = {"patient_id": pid, "message": exc.message, "can_break_glass": exc.can_break_glass}
        return render(request, "patient_denied.html", {**context, "page_title": "Access refused"}, 403)
    g = glance(request)
    row = g.people[page.name].get(pid)
    if row is None:
        raise NotFound(f"person {pid} is not on the {page.noun} register on {g.as_of:%d %B %Y}")
    return render(
        request,
        "outcomes/glance_patient.html",
        {
            "page": page,
            "p": row,
            "name": _person(row),
            "processes": due_next(row, g.as_of, page.audit),
            "as_of": g.as_of,
            "data_as_of": {"kind": "analytics", "date": g.as_of},
            "page_title": f"{page.title} care processes: {_person(row)}",
        },
    )


def _missing(g: Glance, page: Page, neighbourhood: str, practice: str | None) -> list[dict[str, Any]]:
    """The people of the neighbourhood (and practice) missing at least one process, with the
    names of what they miss; most missing first."""
    titles = {grp: title for grp, _, title in page.audit.processes}
    out = []
    for r in g.people[page.name].values():
        if r["neighbourhood"] != neighbourhood or (practice and r["practice_code"] != practice):
            continue
        if r["processes_missing"]:
            missing = [titles[grp] for grp in page.audit.groups if r[f"last_{grp}"] is None]
            out.append({**r, "person": _person(r), "missing": "; ".join(missing)})
    out.sort(key=lambda r: (-r["processes_missing"], r["family_name"] or "", r["patient_id"]))
    return out


WORKLIST_COLS = (
    Col("person", by("person")),
    Col("age", by("age")),
    Col("practice", by("practice_code")),
    Col("missing", by("processes_missing")),
)


def _check_list(request: Request, user: Principal, page: Page, neighbourhood: str, action: str) -> None:
    """Lists of people are for clinical roles: anyone else is refused by the one decision (a
    request about no named person), audited (each person on a list is decided on afterwards)."""
    insights(request).check_neighbourhood(neighbourhood)
    if not user.is_clinical:
        patient_access(request).authorise(
            user, None, action=action, resource=f"{page.name}-worklist:{neighbourhood}", ip=client_ip(request)
        )


def worklist_page(request: Request, page: Page, neighbourhood: str, practice: str | None, user: Principal):
    """PERSON-LEVEL: people missing a care process; each person on the page shown is authorised
    and audited (one decision each, one transaction) before the page is made."""
    _check_list(request, user, page, neighbourhood, f"view_{page.name}_worklist")
    g = glance(request)
    t = table(
        request.query_params,
        _missing(g, page, neighbourhood, practice),
        WORKLIST_COLS,
        path=f"/outcomes/{page.name}/worklist",
        keep={"neighbourhood": neighbourhood, "practice": practice or ""},
        paginate=True,
        page_size=PAGE,
    )
    patient_access(request).authorise(
        user,
        frozenset(r["patient_id"] for r in t.rows),
        action=f"view_{page.name}_worklist",
        resource=f"{page.name}-worklist:{neighbourhood}:{practice or 'all'}:page{t.page}",
        ip=client_ip(request),
    )
    return render(
        request,
        "outcomes/glance_worklist.html",
        {
            "page": page,
            "table": t,
            "rows": t.rows,
            "neighbourhood": neighbourhood,
            "practice": practice,
            "data_as_of": {"kind": "analytics", "date": g.as_of},
            "page_title": f"People with {page.noun} missing care processes in {neighbourhood}",
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


def worklist_csv(request: Request, page: Page, neighbourhood: str, practice: str | None, user: Principal):
    """PERSON-LEVEL: the whole list as CSV, every person authorised and audited as an export first."""
    _check_list(request, user, page, neighbourhood, f"export_{page.name}_worklist")
    g = glance(request)
    rows = _missing(g, page, neighbourhood, practice)
    patient_access(request).authorise(
        user,
        frozenset(r["patient_id"] for r in rows),
        action=f"export_{page.name}_worklist",
        resource=f"{page.name}-worklist:{neighbourhood}:{practice or 'all'}:csv",
        ip=client_ip(request),
    )
    slug = neighbourhood.lower().replace(" ", "-")
    name = f"{page.name}-missing-{slug}{'-' + practice if practice else ''}"
    return csv_response(name, WORKLIST_CSV, rows, g.as_of.isoformat())


Practice = Query(None, max_length=20)
Neighbourhood = Query(None, max_length=100)
NeedNeighbourhood = Query(..., max_length=100)


def _install(page: Page) -> None:
    """The page's five routes, each with its condition fixed (a literal path, so that
    ``/outcomes/{indicator}`` routes of other modules keep every other name)."""
    base = f"/outcomes/{page.name}"

    def aggregate(request: Request, practice: str | None = Practice, neighbourhood: str | None = Neighbourhood,
                  user: Principal = Depends(current_user)):  # fmt: skip
        return aggregate_page(request, page, practice, neighbourhood, user)

    def aggregate_file(request: Request, practice: str | None = Practice,
                       neighbourhood: str | None = Neighbourhood, user: Principal = Depends(current_user)):  # fmt: skip
        return aggregate_csv(request, page, practice, neighbourhood)

    def person(request: Request, patient_id: str, user: Principal = Depends(current_user)):
        return patient_page(request, page, patient_id, user)

    def worklist(request: Request, neighbourhood: str = NeedNeighbourhood, practice: str | None = Practice,
                 user: Principal = Depends(current_user)):  # fmt: skip
        return worklist_page(request, page, neighbourhood, practice, user)

    def worklist_file(request: Request, neighbourhood: str = NeedNeighbourhood, practice: str | None = Practice,
                      user: Principal = Depends(current_user)):  # fmt: skip
        return worklist_csv(request, page, neighbourhood, practice, user)

    router.add_api_route(base, aggregate, methods=["GET"])
    router.add_api_route(f"{base}.csv", aggregate_file, methods=["GET"])
    router.add_api_route(f"{base}/patients/{{patient_id}}", person, methods=["GET"])
    router.add_api_route(f"{base}/worklist", worklist, methods=["GET"])
    router.add_api_route(f"{base}/worklist.csv", worklist_file, methods=["GET"])


for _page in PAGES.values():
    _install(_page)
