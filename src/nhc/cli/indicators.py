"""``nhc outcomes``: the outcome indicators over time, with their SPC icons and inequality gaps.

``nhc outcomes [--json]`` lists every indicator with its latest county value, its Making Data Count
variation and assurance icons, the Core20 gap and the slope index of inequality;
``nhc outcomes --indicator ID --by practice [--json]`` prints one indicator's monthly series for each
group of a breakdown. Every figure is disclosure-controlled. The work is in
:mod:`nhc.outcomes.report`; this module only translates. Registered by :mod:`nhc.cli.outcomes` (the
outcomes area's commands).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from nhc.analytics.pipeline.run import DEFAULT_AS_OF
from nhc.cli.common import DataOption, JsonOption, console, parse_date, print_json, settings_for
from nhc.errors import NhcError
from nhc.lake.engine import DuckDBEngine, connect
from nhc.outcomes.catalogue import BY_ID
from nhc.outcomes.report import OutcomesReport, build_report
from nhc.outcomes.series import BREAKDOWNS
from nhc.reference.codelists import load_codelists

ICONS = {
    "common_cause": "common cause",
    "improvement_high": "improving (high)",
    "improvement_low": "improving (low)",
    "concern_high": "concern (high)",
    "concern_low": "concern (low)",
    "neutral_high": "high",
    "neutral_low": "low",
}


def _report(
    data, as_of: str | None, months: int, indicator: str | None, by: str, quiet: bool
) -> OutcomesReport:
    if indicator is not None and indicator not in BY_ID:
        raise NhcError(f"no indicator {indicator!r}", hint="`nhc outcomes` lists them")
    if by not in BREAKDOWNS:
        raise NhcError(f"--by must be one of {', '.join(BREAKDOWNS)}, not {by!r}")
    if not 1 <= months <= 240:
        raise NhcError(f"--months must be 1 to 240, not {months}")
    date = parse_date(as_of, "--as-of") or DEFAULT_AS_OF
    settings = settings_for(data)
    chosen = [BY_ID[indicator]] if indicator else list(BY_ID.values())
    wanted = ("county", "imd_quintile") if indicator is None else tuple(dict.fromkeys((by, "imd_quintile")))
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    ) as progress:
        task = progress.add_task("connecting", total=None)
        engine = connect(settings)
        if isinstance(engine, DuckDBEngine):  # its own progress bar would print into --json output
            engine.backend.raw_sql("SET enable_progress_bar = false")
        codes = load_codelists().select(["code", "cluster"])
        codelists = engine.from_arrow(codes, "nhc_outcomes_codelists")
        return build_report(
            engine,
            codelists,
            date,
            months,
            chosen,
            progress=lambda msg: progress.update(task, description=msg),
            by=wanted,
        )


def _fmt(value: float | None, unit: str = "") -> str:
    return "suppressed" if value is None else f"{value:.1f}{' ' + unit if unit == '%' else ''}"


def _print_summary(doc: dict[str, Any]) -> None:
    table = Table(title=f"Outcome indicators, {doc['months']['first']} to {doc['months']['last']}")
    table.add_column("indicator", no_wrap=True)
    table.add_column("latest", no_wrap=True)
    for col in ("variation", "assurance", "Core20 gap", "SII (95% CI)"):
        table.add_column(col)
    for row in doc["indicators"]:
        if not row["available"]:
            table.add_row(
                row["id"], f"not available: no {', '.join(row['missing_clusters'])}", "", "", "", ""
            )
            continue
        latest = row["latest"] or {}
        spc = row["spc"] or {}
        gap, sii = row["core20_gap"], row["sii"]
        table.add_row(
            row["id"],
            f"{_fmt(latest.get('value'), row['unit'])} {latest.get('month', '')}",
            ICONS.get(spc.get("variation_icon"), "-"),
            (spc.get("assurance_icon") or "-").replace("_", " "),
            "-" if gap is None else f"{gap['absolute']:+.1f}",
            "-" if sii is None else f"{sii['value']:+.1f} ({sii['lower']:.1f} to {sii['upper']:.1f})",
        )
    console.print(table)
    for name, why in doc["left_out"].items():
        console.print(f"left out: {name}: {why}", highlight=False)
    console.print(doc["disclosure"], highlight=False)


def _print_series(doc: dict[str, Any]) -> None:
    table = Table(title=f"{doc['title']} by {doc['by']}")
    table.add_column("group")
    months = [p["month"] for p in doc["series"][0]["points"]] if doc["series"] else []
    for month in months[-6:]:
        table.add_column(month, justify="right")
    table.add_column("variation")
    for s in doc["series"]:
        values = [_fmt(p["value"]) for p in s["points"][-6:]]
        icon = ICONS.get((s["spc"] or {}).get("variation_icon"), "-")
        table.add_row(s["group"], *values, icon)
    console.print(table)


def outcomes(
    indicator: Annotated[
        str | None, typer.Option("--indicator", "-i", help="One indicator's series (ids: `nhc outcomes`).")
    ] = None,
    by: Annotated[
        str, typer.Option("--by", help=f"Breakdown of the series: {', '.join(BREAKDOWNS)}.")
    ] = "county",
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="As-of date (default 2026-03-31); the last full month ends it."),
    ] = None,
    months: Annotated[int, typer.Option("--months", help="How many months of series.")] = 60,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Outcome indicators over time: latest values, SPC variation and assurance, and inequality gaps
    (Core20 and the slope index of inequality). Disclosure-controlled."""
    report = _report(data, as_of, months, indicator, by, quiet=as_json)
    if indicator is None:
        doc = report.summary_json()
        print_json(doc) if as_json else _print_summary(doc)
        return
    chosen = BY_ID[indicator]
    doc = {
        "indicator": indicator,
        "title": chosen.title,
        "unit": chosen.unit,
        "by": by,
        "as_of": report.as_of.isoformat(),
        "series": [s.as_json() for s in report.of(indicator, by)],
    }
    print_json(doc) if as_json else _print_series(doc)
