"""A planner's choices (the scenario page's form) and the scenario they make.

The form asks for the levers as percentages, each an 80% interval (a low and a high value), plus
the horizon, the number of runs and whether people move between need groups as they age. Everything
else (minutes per contact, staff in post, the need groups each lever acts on, the GP shift's
shares, occupancy, the seed) is the shipped example scenario's, which is **illustrative**.

:func:`parse_choices` checks what was typed and raises a :class:`BadChoice` (an
:class:`~nhc.errors.InputError`) whose ``field`` is the form field's name and whose message says the allowed range; :func:`to_scenario`
makes the :class:`~nhc.planning.parameters.Scenario`. A lever whose high value is 0 is not pulled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nhc.errors import InputError
from nhc.planning.parameters import (
    LEVER_ORDER,
    Scenario,
    example_scenario_path,
    load_scenario,
    read_json,
)


class BadChoice(InputError):
    """A form field's value is not allowed: ``field`` names it, ``text`` says what is allowed."""

    def __init__(self, text: str, *, field: str) -> None:
        self.text = text
        super().__init__(text, field=field)

    def prefixed(self, prefix: str) -> BadChoice:
        """The same problem for the field's name with ``prefix`` (two scenarios on one form)."""
        return BadChoice(self.text, field=f"{prefix}{self.field}")


@dataclass(frozen=True)
class LeverChoice:
    """One lever on the form: its name in the scenario, the group it is shown in, its label and hint."""

    name: str
    group: str
    label: str
    hint: str


GROUPS = ("Care closer to home", "Activity avoided", "Length of stay", "Workforce")
LEVERS = (
    LeverChoice(
        "bed_days_to_virtual_ward",
        GROUPS[0],
        "Hospital bed days moved to the virtual ward",
        "Of emergency bed days left after the levers above, the share cared for at home instead.",
    ),
    LeverChoice(
        "ae_to_utc",
        GROUPS[0],
        "A&E attendances redirected to urgent treatment centres",
        "The share of A&E attendances seen at an urgent treatment centre instead.",
    ),
    LeverChoice(
        "gp_appointments_shifted",
        GROUPS[0],
        "GP appointments shifted to pharmacists, physiotherapists and link workers",
        "The share of GP and practice-team appointments the navigator would send to other roles.",
    ),
    LeverChoice(
        "frailty_admissions_avoided",
        GROUPS[1],
        "Emergency admissions of frail people avoided",
        "The share of emergency admissions (and their bed days) of people in need group 11 avoided.",
    ),
    LeverChoice(
        "prevention_lowering_incidence",
        GROUPS[1],
        "Activity avoided by prevention",
        "The share of all activity of people in need groups 5, 8, 9, 10 and 11 avoided.",
    ),
    LeverChoice(
        "discharge_delays_reduced",
        GROUPS[2],
        "Emergency bed days saved by shorter stays",
        "The share of emergency bed days saved by reducing delayed discharges.",
    ),
    LeverChoice(
        "workforce_productivity",
        GROUPS[3],
        "Staff time per contact saved",
        "The share of staff minutes per contact saved (rostering, digital tools, skill mix).",
    ),
)
assert {c.name for c in LEVERS} == set(LEVER_ORDER), "every lever is on the form"

HORIZON = (1, 30)
RUNS = (100, 2000)
PERCENT = (0, 100)


@dataclass(frozen=True)
class Choices:
    """What the planner chose: the horizon, runs, each lever's interval in percent, moves on or off."""

    horizon_years: int
    runs: int
    levers: tuple[tuple[str, float, float], ...]
    need_group_moves: bool

    def values(self) -> dict[str, str]:
        """The form's field values (to show the form again or link to the same results)."""
        out = {"horizon_years": str(self.horizon_years), "runs": str(self.runs)}
        for name, low, high in self.levers:
            out[f"{name}_low"], out[f"{name}_high"] = f"{low:g}", f"{high:g}"
        out["need_group_moves"] = "yes" if self.need_group_moves else "no"
        return out


def base_scenario() -> dict[str, Any]:
    """The shipped example scenario as data: what the form does not ask for comes from it."""
    return read_json(example_scenario_path())


def default_choices(*, levers: bool = True) -> Choices:
    """The example scenario's levers (or none, for the same model of care), 5 years, 1,000 runs."""
    example = load_scenario(example_scenario_path())
    out = []
    for c in LEVERS:
        lever = getattr(example.levers, c.name)
        low, high = lever.interval if lever is not None and levers else (0.0, 0.0)
        out.append((c.name, round(100 * low, 4), round(100 * high, 4)))
    return Choices(example.horizon_years, 1000, tuple(out), True)


def _number(form: Mapping[str, str], field: str, label: str, lo: float, hi: float, whole: bool) -> float:
    text = (form.get(field) or "").strip().removesuffix("%").strip()
    kind = "a whole number" if whole else "a number"
    rng = f"from {lo:g} to {hi:g}"
    if not text:
        raise BadChoice(f"Enter {label.lower()}: {kind} {rng}", field=field)
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise BadChoice(f"{label} must be {kind} {rng}", field=field) from None
    if not lo <= value <= hi:
        raise BadChoice(f"{label} must be {rng} (you entered {text})", field=field)
    return value


def parse_choices(form: Mapping[str, str]) -> Choices:
    """The choices in ``form`` (field name -> text), checked; the first problem as an
    :class:`InputError` naming the field and the allowed range."""
    horizon = int(_number(form, "horizon_years", "Years ahead", *HORIZON, whole=True))
    runs = int(_number(form, "runs", "Number of runs", *RUNS, whole=True))
    levers = []
    for c in LEVERS:
        low = _number(form, f"{c.name}_low", f"{c.label}, low (%)", *PERCENT, whole=False)
        high = _number(form, f"{c.name}_high", f"{c.label}, high (%)", *PERCENT, whole=False)
        if low > high:
            raise BadChoice(
                f"{c.label}: the low value ({low:g}%) must not be above the high value ({high:g}%)",
                field=f"{c.name}_low",
            )
        levers.append((c.name, low, high))
    moves = (form.get("need_group_moves") or "yes") != "no"
    return Choices(horizon, runs, tuple(levers), moves)


def to_scenario(choices: Choices, name: str) -> Scenario:
    """The example scenario with the planner's choices in place of its horizon, runs and levers."""
    data = base_scenario()
    shipped = data.get("levers", {})
    levers: dict[str, Any] = {}
    for lever, low, high in choices.levers:
        if high <= 0:
            continue  # not pulled
        levers[lever] = {**shipped.get(lever, {}), "interval": [low / 100, high / 100]}
        levers[lever]["source"] = "chosen on the scenario page"
    if "frailty_admissions_avoided" in levers:
        levers["frailty_admissions_avoided"].setdefault("need_groups", [11])
    if "prevention_lowering_incidence" in levers:
        levers["prevention_lowering_incidence"].setdefault("need_groups", [5, 8, 9, 10, 11])
    if "gp_appointments_shifted" in levers:
        levers["gp_appointments_shifted"].setdefault(
            "to", {"pharmacist": 0.4, "physiotherapist": 0.3, "link_worker": 0.3}
        )
    data.update(
        name=name,
        description="Chosen on the scenario page; staffing and other inputs from the illustrative example.",
        horizon_years=choices.horizon_years,
        runs=choices.runs,
        levers=levers,
        need_group_transitions=choices.need_group_moves,
    )
    return Scenario.model_validate(data)
