"""Analytics commands: ``nhc run`` (the whole pipeline) and ``nhc explain`` (one person).

Thin wrappers: the work is in :mod:`nhc.analytics.pipeline` and :mod:`nhc.analytics.explain`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def _settings(data: Path | None):
    from nhc.settings import Settings

    settings = Settings.from_env()
    if data is not None:
        settings = Settings(data_dir=data, database_url=settings.database_url, engine=settings.engine)
    return settings


def _as_of(value: str | None):
    import datetime as dt

    from nhc.errors import NhcError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise NhcError(f"--as-of must be a date like 2026-03-31, not {value!r}") from None


def print_summary(summary: dict[str, Any]) -> None:
    """The run summary as rich tables."""
    t = Table(title=f"Need bands ({summary['population']:,} people, as of {summary['as_of']})")
    for c in ("band", "people", "%", "Oxfordshire %", "Oxfordshire people"):
        t.add_column(c, justify="left" if c == "band" else "right")
    for b in summary["bands"]:
        t.add_row(
            b["band"],
            f"{b['count']:,}",
            f"{b['percent']:.1f}",
            f"{b['target_percent']:.1f}",
            f"{b['oxfordshire_count']:,}",
        )
    console.print(t)
    t = Table(title="Patient Need Groups")
    for c in ("PNG", "name", "band", "people", "%"):
        t.add_column(c, justify="right" if c in ("people", "%", "PNG") else "left")
    for g in summary["patient_need_groups"]:
        t.add_row(str(g["png"]), g["name"], g["band"], f"{g['count']:,}", f"{g['percent']:.2f}")
    console.print(t)
    t = Table(title="Neighbourhood pyramid")
    for c in ("tier", "name", "people", "%", "target %", "per 40,000", "target per 40,000"):
        t.add_column(c, justify="left" if c == "name" else "right")
    for p in summary["pyramid"]:
        t.add_row(
            str(p["tier"]),
            p["name"],
            f"{p['count']:,}",
            f"{p['percent']:.2f}",
            f"{p['target_percent']:.2f}",
            f"{p['per_40000']:,}",
            f"{round(p['target_percent'] * 400):,}",
        )
    console.print(t)
    e = summary["efi_65_plus"]
    t = Table(title=f"eFI among {e['people_65_plus']:,} people aged 65+")
    for c in ("category", "people", "%", "published %"):
        t.add_column(c, justify="left" if c == "category" else "right")
    for c in e["categories"]:
        t.add_row(c["category"], f"{c['count']:,}", f"{c['percent']:.1f}", str(c["published_percent"]))
    console.print(t)
    r = summary["risk_model"]
    console.print(
        f"Risk model: AUROC {r['auroc']} on {r['n_test']:,} held-out people "
        f"(trained on {r['n_train']:,}; outcome rate {r['outcome_rate']})"
    )
    console.print("Worklists: " + ", ".join(f"{k} {v:,}" for k, v in summary["worklists"].items()))
    x = summary["excluded"]
    console.print("Excluded: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in x.items()))
    console.print(
        "CMS conditions without a codelist (score 0): "
        + ", ".join(summary["cms_conditions_without_codelist"])
    )
    console.print(f"{summary['seconds']:.1f} s on {summary['engine']}")


def print_explanation(x: dict[str, Any]) -> None:
    console.print(
        f"[bold]{x['name']}[/] NHS {x['nhs_number']} - {x['age']} {x['sex']}, practice "
        f"{x['practice_code']}, {x['neighbourhood']} (as of {x['as_of']})",
        highlight=False,
    )
    s = x["segment"]
    console.print(f"[bold]Segment:[/] {s['band']} need, {s['reason']}", highlight=False)
    console.print(
        f"[bold]Pyramid:[/] tier {x['pyramid']['tier']} {x['pyramid']['name']} ({x['pyramid']['rule']})",
        highlight=False,
    )
    for title, rows in (
        ("Registers", x["registers"]),
        ("eFI deficits", x["efi"]["found"]),
        ("CMS conditions", x["cms"]["conditions"]),
        ("Frailty markers", x["frailty_markers"]["found"]),
    ):
        t = Table(title=title)
        for c in ("item", "code", "date", "detail"):
            t.add_column(c)
        for r in rows:
            t.add_row(r["item"], r["code"] or "", r["date"] or "", r["detail"] or "")
        console.print(t)
    e = x["efi"]
    console.print(f"eFI {e['score']} ({e['deficits']}/{e['of']} deficits): {e['category']}")
    console.print(f"CMS {x['cms']['score']}; long-term conditions {x['ltc_count']}")
    r = x["risk"]
    if r["probability"] is not None:
        console.print(
            f"Risk of emergency admission in 12 months: {100 * r['probability']:.1f}% - {r['top_factors']}"
        )
    for w in x["worklists"]:
        console.print(f"On worklist {w['worklist']} (rank {w['rank']}): {w['reasons']}")


def register(app: typer.Typer) -> None:
    """Add the analytics commands to ``app``."""

    @app.command("run")
    def run_cmd(
        as_of: Annotated[str | None, typer.Option("--as-of", help="As-of date (default 2026-03-31).")] = None,
        data: Annotated[
            Path | None,
            typer.Option("--data", help="Data folder (default $NHC_DATA or ./data).", show_default=False),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    ) -> None:
        """Run the population health analytics and write the insight tables to the lake."""
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from nhc.analytics.pipeline import run
        from nhc.lake.engine import connect

        settings = _settings(data)
        date = _as_of(as_of)
        if as_json:
            result = run(connect(settings), date)
            print(json.dumps(result.as_dict(), indent=2, default=str))
            return
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("connecting", total=None)
            result = run(connect(settings), date, progress=lambda msg: progress.update(task, description=msg))
        print_summary(result.as_dict())

    @app.command("explain")
    def explain_cmd(
        nhs_number: Annotated[str, typer.Argument(help="The person's NHS number (10 digits).")],
        data: Annotated[
            Path | None,
            typer.Option("--data", help="Data folder (default $NHC_DATA or ./data).", show_default=False),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    ) -> None:
        """Explain why a person is in their group and what drives their scores."""
        from nhc.analytics.explain import explain
        from nhc.lake.engine import connect

        x = explain(connect(_settings(data)), nhs_number)
        if as_json:
            print(json.dumps(x, indent=2, default=str))
        else:
            print_explanation(x)
