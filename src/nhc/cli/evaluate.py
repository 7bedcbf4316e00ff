"""``nhc evaluate``: did the virtual ward change emergency use? A matched difference in differences.

The work is in :mod:`nhc.outcomes.evaluation` (pure rules over the lake); this module only
translates: options in, the lake's ``patient_insights``, ``care_records`` and ``encounters`` through
the configured engine, the estimate out with its limits (``docs/evaluation.md``).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from nhc.analytics.pipeline.run import DEFAULT_AS_OF
from nhc.cli.common import DataOption, JsonOption, console, parse_date, print_json, settings_for
from nhc.errors import NhcError
from nhc.lake.engine import DuckDBEngine, connect
from nhc.outcomes.evaluation import OUTCOMES, Design, Effect, estimate, stratum_sums

MONTHS = {6: 182, 12: 365}


def _effect(data: Any, as_of: str | None, design: Design) -> Effect:
    date = parse_date(as_of, "--as-of") or DEFAULT_AS_OF
    engine = connect(settings_for(data))
    if isinstance(engine, DuckDBEngine):  # its own progress bar would print into --json output
        engine.backend.raw_sql("SET enable_progress_bar = false")
    for name, hint in (
        ("patient_insights", "run `nhc run` first"),
        ("care_records", "run `nhc care export-lake` first"),
        ("encounters", "run `nhc synth` or ingest data first"),
    ):
        if not engine.lake.exists(name):  # type: ignore[union-attr]
            raise NhcError(f"the lake has no {name.replace('_', ' ')}", hint=hint)
    sums = stratum_sums(
        engine.table("patient_insights"),
        engine.table("care_records"),
        engine.table("encounters"),
        design,
        date,
    )
    return estimate(engine.to_arrow(sums).to_pylist(), design)


def _print(effect: Effect) -> None:
    d = effect.as_dict()
    what = OUTCOMES[effect.design.outcome]
    months = 6 if effect.design.window_days < 365 else 12
    console.print(
        f"{effect.treated} people admitted to the virtual ward with {months} months of follow-up; "
        f"{effect.matched} matched to {effect.comparators} similar people not admitted."
    )
    if effect.matched < 2:
        console.print("Too few people to estimate anything yet.")
        return
    console.print(
        f"{what.capitalize()} per person in the {months} months before: {d['before']}, after: {d['after']}; "
        f"had they changed as their comparators did: {d['counterfactual_after']}."
    )
    rel, ci = d["relative"], d["relative_ci_95"]
    if rel is not None:
        console.print(f"Difference: {rel:+.0%} (95% interval {ci[0]:+.0%} to {ci[1]:+.0%}).")
    console.print(f"Limits: {effect.limits}")


def evaluate(
    outcome: Annotated[
        str, typer.Option("--outcome", help=f"What to count: {', '.join(OUTCOMES)}.")
    ] = "emergency_admission",
    months: Annotated[int, typer.Option("--months", help="Window before and after admission: 6 or 12.")] = 6,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As-of date of the lake (default 2026-03-31).")
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Did the virtual ward change emergency admissions or A&E attendances? Before and after each
    admission, against matched people not admitted (a difference in differences), with its limits."""
    if months not in MONTHS:
        raise NhcError(f"--months must be 6 or 12, not {months}")
    try:
        design = Design(outcome=outcome, window_days=MONTHS[months])
    except ValueError as exc:
        raise NhcError(f"--outcome: {exc}") from None
    effect = _effect(data, as_of, design)
    print_json(effect.as_dict()) if as_json else _print(effect)
