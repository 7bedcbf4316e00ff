"""Neighbourhood health plan commands: ``nhc plans list``, ``nhc plans seed`` and ``nhc plans build``.

Contract: ``nhc plans build --neighbourhood NAME --pdf FILE`` writes one plan's PDF (NAME may be a
neighbourhood, a locality or "Oxfordshire"); ``--all --out DIR`` writes one PDF per neighbourhood
with a progress bar; ``--json`` prints a summary (each plan's figures, sections and seconds) instead
of text. An unknown name prints one line and exits 2. ``nhc plans seed`` gives every neighbourhood
without priorities the starter set (version 1), for the demo.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nhc.cli.common import DataOption, JsonOption, add_group, console, print_json, services_for
from nhc.errors import NhcError
from nhc.plans.plan import NeighbourhoodPlan
from nhc.plans.services import PlansService
from nhc.web.plans.render import pdf_bytes

NameOption = Annotated[
    str | None,
    typer.Option("--neighbourhood", "-n", help='A neighbourhood, a locality or "Oxfordshire".'),
]
PdfOption = Annotated[Path | None, typer.Option("--pdf", help="Write the plan's PDF to this file.")]
AllOption = Annotated[bool, typer.Option("--all", help="Every neighbourhood of the county.")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Folder for the PDFs of --all.")]


def _write(svc: PlansService, name: str, path: Path | None) -> tuple[NeighbourhoodPlan, float]:
    """Build ``name``'s plan and (if ``path``) write its PDF; returns the plan and the seconds."""
    start = time.perf_counter()
    plan = svc.build(svc.scope(name))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf_bytes(plan))
    return plan, time.perf_counter() - start


def _summary(plan: NeighbourhoodPlan, seconds: float, path: Path | None) -> dict[str, Any]:
    return {**plan.summary(), "seconds": round(seconds, 3), "pdf": str(path) if path else None}


def build(
    neighbourhood: NameOption = None,
    pdf: PdfOption = None,
    every: AllOption = False,
    out: OutOption = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Build a neighbourhood's plan (``--pdf`` to write it) or every neighbourhood's (``--all --out``)."""
    if every == bool(neighbourhood):
        raise NhcError("give either --neighbourhood NAME or --all", hint="see `nhc plans build --help`")
    if every and out is None:
        raise NhcError("--all needs --out DIR, the folder for the PDFs")
    services = services_for(data)
    try:
        svc = services.plans
        if not every:
            plan, seconds = _write(svc, str(neighbourhood), pdf)
            if as_json:
                print_json(_summary(plan, seconds, pdf))
                return
            _print(plan, seconds, pdf)
            return
        assert out is not None
        names = list(svc.neighbourhoods())
        results = []
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, disable=as_json, transient=as_json,
        ) as progress:  # fmt: skip
            task = progress.add_task("Building plans", total=len(names))
            for name in names:
                path = out / f"neighbourhood-plan-{name.lower().replace(' ', '-')}.pdf"
                plan, seconds = _write(svc, name, path)
                results.append(_summary(plan, seconds, path))
                progress.update(task, advance=1, description=f"Built {name}")
        if as_json:
            print_json({"plans": results})
            return
        slowest = max(results, key=lambda r: r["seconds"])
        console.print(
            f"Wrote {len(results)} plans to {out} (slowest {slowest['name']}, {slowest['seconds']:.1f} s)."
        )
    finally:
        services.close()


def _print(plan: NeighbourhoodPlan, seconds: float, pdf: Path | None) -> None:
    summary = plan.summary()
    console.print(
        f"Neighbourhood health plan: {plan.scope.title} (data as of {summary['as_of'] or 'not run'})"
    )
    for key, value in summary["figures"].items():
        console.print(f"  {key.replace('_', ' ')}: {'suppressed' if value is None else f'{value:,}'}")
    for section in plan.sections:
        console.print(f"  {section.title}: {section.not_ready or 'ready'}")
    if pdf is not None:
        console.print(f"Wrote {pdf} in {seconds:.1f} s.")


def list_plans(data: DataOption = None, as_json: JsonOption = False) -> None:
    """The neighbourhoods (and their localities) a plan can be built for."""
    services = services_for(data)
    try:
        names = services.plans.neighbourhoods()
    finally:
        services.close()
    if as_json:
        print_json(names)
        return
    for name, locality in names.items():
        console.print(f"{name} ({locality})")


def seed(data: DataOption = None) -> None:
    """Give each neighbourhood without priorities the starter set (version 1), for the demo."""
    services = services_for(data)
    try:
        count = services.plans.seed_starter()
    finally:
        services.close()
    console.print(f"Seeded the starter priorities for {count} neighbourhoods.")


def register(app: typer.Typer) -> None:
    """Add ``nhc plans build|list|seed`` to ``app``."""
    add_group(
        app,
        "plans",
        "Neighbourhood health plans: build them (HTML and PDF) and seed their priorities.",
        {"build": build, "list": list_plans, "seed": seed},
    )
