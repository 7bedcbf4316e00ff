"""A plan as HTML and as PDF: one partial (``plans/_sections.html``) renders the sections for the
page and for print; charts are the pages' server-rendered SVG (:func:`nhc.web.charts.bar_chart`),
Making Data Count icons and planning measures are labelled as the outcomes and planning pages
label them, and the PDF is WeasyPrint over the print template (``@page`` numbers "Page N of M",
a contents list, a page break before each section, charts inline as SVG).

Used by the web pages and by ``nhc plans build`` (which has no web app: :func:`environment` makes
the template environment on its own).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from nhc.plans.plan import Chart, NeighbourhoodPlan, Table
from nhc.web.charts import bar_chart
from nhc.web.outcomes.views import ASSURANCE, NO_ASSURANCE, NO_CHART, VARIATION
from nhc.web.planning.views import ROLE_LABELS, measure_label

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
STATIC = Path(__file__).resolve().parents[1] / "static"


def cell(value: Any, kind: str, key: str = "") -> str:
    """A table cell as people read it: counts ``suppressed`` / ``none`` / ``1,234``; percentages
    ``12.3%``; icons and planning keys in words."""
    if kind == "icon":
        if key == "assurance":
            return ASSURANCE.get(value, NO_ASSURANCE).label
        return VARIATION.get(value, NO_CHART).label
    if kind == "measure":
        return measure_label(str(value))
    if kind == "role":
        return ROLE_LABELS.get(str(value), str(value))
    if kind == "text":
        return "" if value is None else str(value)
    if value is None:
        return "suppressed" if kind == "count" else "–"
    if kind == "count":
        return "none" if value == 0 else f"{value:,}"
    if kind == "pct":
        return f"{value:.1f}%"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


def chart_svg(chart: Chart) -> Markup:
    """The chart as the analytics pages draw one (the numbers are in a table beside it)."""
    return bar_chart(list(chart.rows), title=chart.title, unit=chart.unit)


def csv_rows(table: Table) -> list[dict[str, Any]]:
    """A table's rows for its CSV file: counts and numbers as they are (``None`` is written as
    suppressed), icons and planning keys in words."""
    words = {k for k, _, kind in table.columns if kind in ("icon", "measure", "role")}
    return [
        {k: (cell(v, kind, k) if k in words else v) for (k, _, kind), v in _cells(table, row)}
        for row in table.rows
    ]


def _cells(table: Table, row: dict[str, Any]) -> list[tuple[tuple[str, str, str], Any]]:
    return [(col, row.get(col[0])) for col in table.columns]


@cache
def environment() -> Environment:
    """The Jinja environment of the print template (the web app has its own for the pages)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    install(env.globals)
    return env


def install(globals_: dict[str, Any]) -> None:
    """The helpers the plan templates call, added to a Jinja environment's globals."""
    globals_.update(plan_cell=cell, plan_chart=chart_svg)


def print_html(plan: NeighbourhoodPlan) -> str:
    """The whole plan as one printable HTML document (what the PDF is made from)."""
    css = (STATIC / "plans-print.css").read_text()
    return environment().get_template("plans/print.html").render(plan=plan, css=Markup(css))


def pdf_bytes(plan: NeighbourhoodPlan) -> bytes:
    """The plan as a PDF (WeasyPrint)."""
    from weasyprint import HTML  # a heavy optional import, loaded when a PDF is first asked for

    return HTML(string=print_html(plan), base_url=str(STATIC)).write_pdf()
