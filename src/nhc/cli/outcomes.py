"""Outcomes commands: ``nhc spc`` draws an XmR chart the Making Data Count way.

Contract: ``nhc spc --values 1,2,1,2,10,... [--no-screen-outliers] [--target T]
[--improvement increase|decrease|neutral] --json`` prints ``{"mean", "lower_limit", "upper_limit",
"trial_limits", "points": [{"value", "type", "rule"}], "variation_icon", "assurance_icon"}``. Bad values
or options print one line and exit 2.
"""

from __future__ import annotations

from typing import Annotated

import typer

from nhc.cli.common import JsonOption, add_commands, console, print_json
from nhc.cli.evaluate import evaluate
from nhc.cli.indicators import outcomes
from nhc.errors import NhcError
from nhc.outcomes.spc import Improvement, SpcOptions, spc


def _numbers(text: str, option: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise NhcError(
            f"{option} takes numbers separated by commas, not {text!r}", hint="like 1,2,1.5"
        ) from None


def _indices(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise NhcError(f"--rebase-at takes point numbers separated by commas, not {text!r}") from None


def spc_command(
    values: Annotated[str, typer.Option("--values", help="The values in time order, separated by commas.")],
    screen_outliers: Annotated[
        bool, typer.Option("--screen-outliers/--no-screen-outliers", help="Screen freak moving ranges.")
    ] = True,
    target: Annotated[
        float | None, typer.Option("--target", help="A target, for the assurance icon.")
    ] = None,
    improvement: Annotated[
        Improvement, typer.Option("--improvement", help="Which direction is better.")
    ] = Improvement.INCREASE,
    fix_after: Annotated[
        int | None,
        typer.Option("--fix-after", help="Compute the limits from the first N points (12 or more)."),
    ] = None,
    rebase_at: Annotated[
        str | None, typer.Option("--rebase-at", help="Point numbers (from 0) where new limits start.")
    ] = None,
    shift_length: Annotated[int, typer.Option("--shift-length", help="Points in a shift: 6, 7 or 8.")] = 7,
    as_json: JsonOption = False,
) -> None:
    """An XmR statistical process control chart of the values: mean, limits, each point's type and the
    variation and assurance icons (NHS England "Making Data Count")."""
    options = SpcOptions(
        improvement=improvement,
        target=target,
        screen_outliers=screen_outliers,
        fix_after_n_points=fix_after,
        shift_length=shift_length,
    )
    chart = spc(_numbers(values, "--values"), options, rebase_at=_indices(rebase_at))
    doc = chart.as_json()
    if as_json:
        print_json(doc)
        return
    trial = " (trial limits: fewer than 12 points)" if doc["trial_limits"] else ""
    console.print(
        f"mean {doc['mean']:.3f}, limits {doc['lower_limit']:.3f} to {doc['upper_limit']:.3f}{trial}",
        highlight=False,
    )
    for i, p in enumerate(doc["points"]):
        console.print(f"  {i:>3}  {p['value']:>10g}  {p['type']}  {p['rule']}", highlight=False)
    console.print(f"variation: {doc['variation_icon']}; assurance: {doc['assurance_icon'] or 'none'}")


def register(app: typer.Typer) -> None:
    """Add ``nhc spc``, ``nhc outcomes`` (:mod:`nhc.cli.indicators`) and ``nhc evaluate`` to ``app``."""
    add_commands(app, {"spc": spc_command, "outcomes": outcomes, "evaluate": evaluate})
