"""Planning parameters as data with a schema: scenario files and the shipped reference parameters.

A scenario file (JSON) names a horizon, the levers (each an 80% interval of a fraction), the target
bed occupancy, the workforce parameters and the current staff in post. The unit costs and the
population projection rates are shipped as data files in ``nhc/planning/data/`` with their
provenance. Every file is validated by a pydantic model; a bad file is rejected with an
:class:`~nhc.errors.InputError` naming the file, the field and the allowed range
(``scenario.json: levers.frailty_admissions_avoided.interval.1: 1.5 is outside the allowed range
0 to 1``).
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from nhc.errors import InputError

#: The settings activity is counted in. The first five come from the lake's encounters; the rest
#: start at zero in the baseline and receive activity the levers shift (see ``levers``).
LAKE_SETTINGS = ("gp", "community", "ae", "emergency_admission", "bed_days", "outpatient")
SHIFTED_SETTINGS = ("virtual_ward_days", "utc", "pharmacist", "physiotherapist", "link_worker")
SETTINGS = LAKE_SETTINGS + SHIFTED_SETTINGS
#: Where GP appointments may be shifted to (the navigator's alternatives).
GP_SHIFT_ROLES = ("pharmacist", "physiotherapist", "link_worker")
MAX_AGE = 100  # single years 0..99 and one open-ended "100 and over"


def bounded(lo: float, hi: float) -> Any:
    """A float type accepting ``lo`` <= value <= ``hi``; the error names the allowed range."""

    def check(value: float) -> float:
        if not lo <= value <= hi:
            raise ValueError(f"{value:g} is outside the allowed range {lo:g} to {hi:g}")
        return value

    return Annotated[float, AfterValidator(check)]


def whole(lo: int, hi: int) -> Any:
    """An int type accepting ``lo`` <= value <= ``hi``; the error names the allowed range."""

    def check(value: int) -> int:
        if not lo <= value <= hi:
            raise ValueError(f"{value} is outside the allowed range {lo} to {hi}")
        return value

    return Annotated[int, AfterValidator(check)]


Fraction = bounded(0.0, 1.0)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Lever(_Strict):
    """A lever: the fraction of the affected activity it changes, as an 80% interval ``[p10, p90]``."""

    interval: tuple[Fraction, Fraction]
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Lever:
        if self.interval[0] > self.interval[1]:
            raise ValueError(
                f"interval low {self.interval[0]:g} is above high {self.interval[1]:g} "
                "(allowed: 0 <= low <= high <= 1)"
            )
        return self

    @property
    def principal(self) -> float:
        """The value of run 0: the interval's midpoint."""
        return (self.interval[0] + self.interval[1]) / 2


class GroupLever(Lever):
    """A lever acting on the activity of some Patient Need Groups only."""

    need_groups: tuple[whole(1, 11), ...]


class ShiftLever(Lever):
    """GP appointments shifted to other roles, split by ``to`` (shares summing to 1)."""

    to: dict[str, Fraction]

    @model_validator(mode="after")
    def _shares(self) -> ShiftLever:
        unknown = sorted(set(self.to) - set(GP_SHIFT_ROLES))
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r} (allowed: {', '.join(GP_SHIFT_ROLES)})")
        if abs(sum(self.to.values()) - 1.0) > 1e-9:
            raise ValueError(f"shares sum to {sum(self.to.values()):g} (allowed: exactly 1)")
        return self


class Levers(_Strict):
    """The care-closer-to-home levers; each optional (absent = not pulled)."""

    prevention_lowering_incidence: GroupLever | None = None
    frailty_admissions_avoided: GroupLever | None = None
    discharge_delays_reduced: Lever | None = None
    bed_days_to_virtual_ward: Lever | None = None
    ae_to_utc: Lever | None = None
    gp_appointments_shifted: ShiftLever | None = None
    #: Staff minutes per contact fall by this fraction (better rostering, digital tools, skill mix):
    #: the WTE needed for the same activity x (1 - p). Activity and cost do not change.
    workforce_productivity: Lever | None = None


#: The order levers are applied in (and listed in the waterfall): each acts on what the ones
#: before it left, so shifted bed days are those left after admissions were avoided. (New levers
#: go last: a lever's random draws are seeded by its place here.)
LEVER_ORDER = tuple(Levers.model_fields)


class ProductiveTime(_Strict):
    """Minutes a whole-time equivalent gives to contacts in a year, after leave and other time."""

    hours_per_week: bounded(1, 60) = 37.5
    leave_weeks: bounded(0, 20) = 6.6
    sickness: bounded(0, 0.5) = 0.045
    training: bounded(0, 0.5) = 0.05
    non_clinical: bounded(0, 0.9) = 0.2

    def minutes_per_wte(self) -> float:
        """Productive minutes per WTE per year: hours x 60 x (52 - leave) x (1 - each lost share)."""
        weeks = 52.0 - self.leave_weeks
        kept = (1 - self.sickness) * (1 - self.training) * (1 - self.non_clinical)
        return self.hours_per_week * 60.0 * weeks * kept


class Workforce(_Strict):
    """Minutes per unit of activity by role, productive time by role, and current staff (WTE)."""

    minutes: dict[str, dict[str, bounded(0, 1440)]]
    productive_time: dict[str, ProductiveTime] = Field(default_factory=lambda: {"default": ProductiveTime()})
    current_wte: dict[str, bounded(0, 1_000_000)] = Field(default_factory=dict)
    #: The registered population the staff in post serve; when given, staff in post are scaled
    #: to the baseline's population (a lake of part of the county gets its share of the staff).
    current_wte_population: whole(1, 100_000_000) | None = None
    source: str = ""

    @model_validator(mode="after")
    def _settings(self) -> Workforce:
        unknown = sorted(set(self.minutes) - set(SETTINGS))
        if unknown:
            raise ValueError(f"minutes: unknown setting {unknown[0]!r} (allowed: {', '.join(SETTINGS)})")
        return self

    def roles(self) -> tuple[str, ...]:
        """Every role with minutes in any setting, sorted."""
        return tuple(sorted({role for per in self.minutes.values() for role in per}))

    def time_for(self, role: str) -> ProductiveTime:
        return self.productive_time.get(role) or self.productive_time.get("default") or ProductiveTime()


class Scenario(_Strict):
    """One scenario file."""

    name: str = Field(min_length=1)
    description: str = ""
    horizon_years: whole(1, 30)
    runs: whole(1, 100_000) = 256
    seed: whole(0, 2**32 - 1) = 0
    target_occupancy: bounded(0.5, 1.0) = 0.85
    virtual_ward_occupancy: bounded(0.5, 1.0) = 0.8
    levers: Levers = Field(default_factory=Levers)
    workforce: Workforce
    #: Move people between need groups as they age, when the baseline has the moves estimated.
    need_group_transitions: bool = True


class UnitCost(_Strict):
    cost: bounded(0, 100_000)
    unit: str
    source: str


class UnitCosts(_Strict):
    """Unit costs by setting, in pounds at ``price_year`` prices, with provenance."""

    price_year: str
    status: str
    provenance: str
    costs: dict[str, UnitCost]

    @model_validator(mode="after")
    def _all_settings(self) -> UnitCosts:
        missing = [s for s in SETTINGS if s not in self.costs]
        if missing:
            raise ValueError(f"costs: no cost for setting {missing[0]!r} (required: {', '.join(SETTINGS)})")
        return self


class AgeRate(_Strict):
    """A rate per person per year for ages ``from_age`` to ``to_age`` inclusive."""

    from_age: whole(0, MAX_AGE)
    to_age: whole(0, MAX_AGE)
    # the allowed range depends on the rate (checked by DemographyRates, which names it)
    female: float
    male: float


class DemographyRates(_Strict):
    """Births, deaths and net migration by single-year age bands, with their source."""

    status: str
    provenance: str
    male_share_of_births: bounded(0.4, 0.6) = 0.512
    fertility: tuple[AgeRate, ...]  # births per woman per year (the ``male`` column is ignored)
    mortality: tuple[AgeRate, ...]
    net_migration: tuple[AgeRate, ...]

    @model_validator(mode="after")
    def _ranges(self) -> DemographyRates:
        for name, lo, hi in (("fertility", 0, 0.5), ("mortality", 0, 1), ("net_migration", -0.2, 0.2)):
            for i, r in enumerate(getattr(self, name)):
                for sex in ("female", "male"):
                    v = getattr(r, sex)
                    if not lo <= v <= hi:
                        raise ValueError(
                            f"{name}.{i}.{sex}: {v:g} is outside the allowed range {lo:g} to {hi:g}"
                        )
        for name in ("mortality", "net_migration"):
            ages = [a for r in getattr(self, name) for a in range(r.from_age, r.to_age + 1)]
            if sorted(ages) != list(range(MAX_AGE + 1)):
                raise ValueError(f"{name}: bands must cover ages 0 to {MAX_AGE} once each, without overlap")
        return self

    def by_age(self, name: str, sex: str) -> list[float]:
        """The rate for each single year of age 0..MAX_AGE (0 where no band covers it)."""
        out = [0.0] * (MAX_AGE + 1)
        for r in getattr(self, name):
            for a in range(r.from_age, r.to_age + 1):
                out[a] = getattr(r, sex)
        return out


M = TypeVar("M", bound=BaseModel)


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def _message(err: dict[str, Any]) -> str:
    msg = str(err["msg"]).removeprefix("Value error, ")
    ctx = err.get("ctx") or {}
    if err["type"] in ("greater_than_equal", "less_than_equal") and ctx:
        return f"{err.get('input')!r} is outside the allowed range ({msg.lower()})"
    return msg


def parse(model: type[M], data: Any, file: str) -> M:
    """``data`` validated as ``model``; the first problem as an :class:`InputError` naming
    ``file`` and the field (dotted path) and saying what is allowed."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field, message = _field(tuple(err["loc"])), _message(err)
        # a check over the whole model says which field it is about: "mortality.0.male: ..."
        named = re.match(r"^([\w.]+): (.*)$", message)
        if not err["loc"] and named:
            field, message = named.groups()
        raise InputError(f"{field}: {message}", file=file, field=field) from None


def read_json(path: Path) -> Any:
    """The JSON in ``path``; a missing or malformed file is an :class:`InputError` naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", file=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", file=str(path), line=exc.lineno) from None


def load_scenario(path: Path) -> Scenario:
    """The scenario in ``path`` (JSON), validated."""
    return parse(Scenario, read_json(path), path.name)


def _shipped(name: str) -> tuple[Any, str]:
    text = resources.files("nhc.planning").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text), name


def shipped_unit_costs() -> UnitCosts:
    """The unit costs shipped in ``nhc/planning/data/unit_costs.json``."""
    return parse(UnitCosts, *_shipped("unit_costs.json"))


def shipped_demography() -> DemographyRates:
    """The population projection rates shipped in ``nhc/planning/data/demography.json``."""
    return parse(DemographyRates, *_shipped("demography.json"))


def example_scenario_path() -> Path:
    """The example scenario shipped with the package."""
    return Path(str(resources.files("nhc.planning").joinpath("data", "example_scenario.json")))
