"""Planning commands: ``nhc plan baseline`` and ``nhc plan scenario FILE``.

Contract: ``nhc plan baseline [--json]`` prints the lake's baseline (activity per 1,000 person-years
by setting and by need group, disclosure-controlled, with the settings left out and the coverage);
``nhc plan scenario FILE [--runs N] [--json]`` runs the scenario file's Monte Carlo on that baseline
and prints P10/P50/P90 of activity, beds, cost and WTE by role against staff in post, and the
waterfall. A bad scenario file prints one line naming the file, the field and the allowed range,
and exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from nhc.cli.common import DataOption, JsonOption, add_group, console, print_json, settings_for
from nhc.planning.baseline import COUNTED
from nhc.planning.service import PlanningService


def _service(data: Path | None) -> PlanningService:
    return PlanningService(settings_for(data))


def _num(value: float | None, digits: int = 0, missing: str = "suppressed") -> str:
    return missing if value is None else f"{value:,.{digits}f}"


def baseline(data: DataOption = None, as_json: JsonOption = False) -> None:
    """The baseline: activity per 1,000 person-years by setting and need group, from the lake."""
    report = _service(data).baseline_report()
    if as_json:
        print_json(report)
        return
    console.print(f"Baseline at {report['as_of']}: {_num(report['person_years'])} person-years")
    t = Table(title="Activity per 1,000 person-years by Patient Need Group")
    for col in ("group", "person-years", *COUNTED):
        t.add_column(col, justify="left" if col == "group" else "right")
    for row in report["by"]["png"]:
        t.add_row(
            f"{row['png']} {row.get('png_name', '')}",
            _num(row["person_years"]),
            *(_num(row[s], 1) for s in COUNTED),
        )
    t.add_row("all", _num(report["person_years"]), *(_num(report["per_1000"][s], 1) for s in COUNTED))
    console.print(t)
    for setting, why in report["left_out"].items():
        console.print(f"  not in the baseline: {setting} ({why})")
    console.print(f"  unit costs: {report['unit_costs']['status']} ({report['unit_costs']['price_year']})")


def _summary_table(result: dict[str, Any]) -> Table:
    t = Table(title=f"{result['scenario']}: {result['horizon_years']} years, {result['runs']} runs")
    for col in ("measure", "baseline", "principal", "P10", "P50", "P90"):
        t.add_column(col, justify="left" if col == "measure" else "right")
    for name, s in result["summary"].items():
        digits = 1 if name.startswith(("wte.", "beds", "virtual")) else 0
        t.add_row(name, *(_num(s[k], digits) for k in ("baseline", "principal", "p10", "p50", "p90")))
    return t


def _workforce_table(rows: list[dict[str, Any]]) -> Table:
    t = Table(title="Workforce: WTE needed against staff in post (gap = needed - in post)")
    for col in ("role", "in post", "P10", "P50", "P90", "gap P50"):
        t.add_column(col, justify="left" if col == "role" else "right")
    for r in rows:
        given = {k: _num(r[k], 1, missing="not given") for k in ("current_wte", "gap_p50")}
        needed = (_num(r[k], 1) for k in ("p10", "p50", "p90"))
        t.add_row(r["role"], given["current_wte"], *needed, given["gap_p50"])
    return t


def scenario(
    file: Annotated[
        Path, typer.Argument(help="Scenario file (JSON); see nhc/planning/data/example_scenario.json.")
    ],
    runs: Annotated[
        int | None, typer.Option("--runs", min=1, help="Monte Carlo runs (default: the file's).")
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a scenario: P10/P50/P90 of activity, beds, cost and WTE by role, and the waterfall."""
    result = _service(data).run_scenario(file, runs).to_dict()
    if as_json:
        print_json(result)
        return
    console.print(_summary_table(result))
    console.print(_workforce_table(result["workforce"]))
    w = Table(title="What drives the change in the principal run")
    for col in ("step", "cost", "bed days", "beds"):
        w.add_column(col, justify="left" if col == "step" else "right")
    for row in result["waterfall"]:
        w.add_row(row["step"], _num(row["cost"]), _num(row["activity.bed_days"]), _num(row["beds"], 1))
    console.print(w)
    for note in result["notes"]:
        console.print(f"  {note}")


def _compare_table(results: list[dict[str, Any]]) -> Table:
    t = Table(title="Scenarios side by side: P50 (P10 to P90) at each horizon")
    t.add_column("measure")
    for r in results:
        t.add_column(f"{r['scenario']} ({r['horizon_years']} y)", justify="right")
    for name in results[0]["summary"]:
        digits = 1 if name.startswith(("wte.", "beds", "virtual")) else 0
        cells = []
        for r in results:
            s = r["summary"][name]
            cells.append(f"{_num(s['p50'], digits)} ({_num(s['p10'], digits)} to {_num(s['p90'], digits)})")
        t.add_row(name, *cells)
    return t


def compare(
    files: Annotated[list[Path], typer.Argument(help="Two or more scenario files (JSON).")],
    runs: Annotated[
        int | None, typer.Option("--runs", min=1, help="Monte Carlo runs (default: each file's).")
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Scenarios side by side on the same baseline: P50 and P10 to P90 of every measure."""
    service = _service(data)
    results = [service.run_scenario(f, runs).to_dict() for f in files]
    if as_json:
        print_json({"scenarios": results})
        return
    console.print(_compare_table(results))


def register(app: typer.Typer) -> None:
    """Add ``nhc plan baseline|scenario|compare`` to ``app``."""
    add_group(
        app,
        "plan",
        "Demand, capacity and workforce planning: the baseline and scenarios.",
        {"baseline": baseline, "scenario": scenario, "compare": compare},
    )
