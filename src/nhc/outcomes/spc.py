"""XmR statistical process control charts, the NHS England "Making Data Count" way.

The method (NHS England, *Making Data Count: strengthening your decisions*, 2019; the NHS-R Community's
NHSRplotthedots package is the reference implementation whose published behaviour this module reproduces):

* **Limits.** Centre line: the mean of the points. Process limits: mean ± 2.66 × the mean moving range (2.66 is
  3 / 1.128, three sigma for an individuals chart). Moving ranges of at least 3.267 × their mean are
  *screened out* before the mean moving range is recomputed (on by default; ``screen_outliers=False`` turns it
  off), so that one freak month does not widen the limits. ``fix_after_n_points`` computes mean and limits from
  the first *n* points only and extends them. With fewer than 12 points the limits are *trial* limits.
* **Rebasing.** A chart may be split at given points; each part has its own mean and limits.
* **Special cause rules**, in this order of precedence for a point caught by several:
  1. a point outside the process limits;
  2. a trend: ``trend_length`` (7) points in a row each strictly higher (or lower) than the one before —
     a tie breaks it;
  3. two of three points in a row beyond two sigma on the same side of the mean (all three on that side);
     by default a point beyond the process limits does not count towards it (``beyond_limits_in_two_of_three``);
  4. a shift: ``shift_length`` (7; some teams use 6) points in a row on one side of the mean — a point exactly
     on the mean breaks it.
* **Point type** from the direction of the rule (above/increasing or below/decreasing) and the improvement
  direction: ``special_cause_improvement`` / ``special_cause_concern``, or ``special_cause_neutral_high`` /
  ``special_cause_neutral_low`` when neither direction is better; otherwise ``common_cause``.
* **Variation icon** from the last point; **assurance icon** from the target against the last part's limits:
  a target beyond the limits means the process will consistently pass (or fail) it; inside them, it will
  inconsistently hit and miss. No target, or a neutral direction: no assurance icon.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from nhc.errors import NhcError

LIMIT_FACTOR = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two points
SCREEN_FACTOR = 3.267  # D4 for n = 2: the upper limit of the moving range chart
TRIAL_LIMITS_BELOW = 12


class Improvement(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    NEUTRAL = "neutral"


class PointType(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT = "special_cause_improvement"
    CONCERN = "special_cause_concern"
    NEUTRAL_HIGH = "special_cause_neutral_high"
    NEUTRAL_LOW = "special_cause_neutral_low"


class Rule(StrEnum):
    NONE = "none"
    OUTSIDE_LIMITS = "outside_limits"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three_beyond_two_sigma"
    SHIFT = "shift"


class Assurance(StrEnum):
    PASS = "consistent_pass"
    FAIL = "consistent_fail"
    INCONSISTENT = "inconsistent"


class SpcError(NhcError):
    """Values or options an SPC chart cannot be drawn from (shown to the user as they are)."""


@dataclass(frozen=True)
class SpcOptions:
    improvement: Improvement = Improvement.INCREASE
    target: float | None = None
    screen_outliers: bool = True
    fix_after_n_points: int | None = None
    shift_length: int = 7
    trend_length: int = 7
    beyond_limits_in_two_of_three: bool = False

    def checked(self) -> SpcOptions:
        """These options with the improvement direction as an :class:`Improvement`; raises SpcError."""
        try:
            improvement = Improvement(self.improvement)
        except ValueError:
            raise SpcError(
                f"improvement must be increase, decrease or neutral, not {self.improvement!r}"
            ) from None
        if self.shift_length not in (6, 7, 8):
            raise SpcError(f"the shift length must be 6, 7 or 8 points, not {self.shift_length}")
        if self.trend_length not in (6, 7):
            raise SpcError(f"the trend length must be 6 or 7 points, not {self.trend_length}")
        if self.fix_after_n_points is not None and self.fix_after_n_points < TRIAL_LIMITS_BELOW:
            raise SpcError(f"limits can be fixed after 12 points or more, not {self.fix_after_n_points}")
        if self.target is not None and not math.isfinite(self.target):
            raise SpcError("the target must be a number")
        return replace(self, improvement=improvement)


@dataclass(frozen=True)
class Limits:
    """Centre line and process limits of one part of a chart."""

    mean: float
    lower: float
    upper: float
    points: int  # how many points the limits were computed from

    @property
    def two_sigma_below(self) -> float:
        return self.mean - (self.mean - self.lower) * 2 / 3

    @property
    def two_sigma_above(self) -> float:
        return self.mean + (self.upper - self.mean) * 2 / 3

    @property
    def trial(self) -> bool:
        return self.points < TRIAL_LIMITS_BELOW


@dataclass(frozen=True)
class SpcPoint:
    value: float
    type: PointType
    rule: Rule
    limits: Limits


@dataclass(frozen=True)
class SpcChart:
    points: tuple[SpcPoint, ...]
    options: SpcOptions

    @property
    def limits(self) -> Limits:
        """The limits of the last part (after any rebase): the ones a reader acts on."""
        return self.points[-1].limits

    @property
    def variation_icon(self) -> str:
        """Making Data Count variation icon of the last point: ``common_cause``, ``improvement_high``,
        ``improvement_low``, ``concern_high``, ``concern_low``, ``neutral_high`` or ``neutral_low``."""
        last = self.points[-1].type
        if last is PointType.COMMON_CAUSE:
            return "common_cause"
        if last in (PointType.NEUTRAL_HIGH, PointType.NEUTRAL_LOW):
            return last.value.removeprefix("special_cause_")
        up = self.options.improvement is Improvement.INCREASE
        high = up if last is PointType.IMPROVEMENT else not up
        return f"{'improvement' if last is PointType.IMPROVEMENT else 'concern'}_{'high' if high else 'low'}"

    @property
    def assurance_icon(self) -> Assurance | None:
        target, improvement = self.options.target, self.options.improvement
        if target is None or improvement is Improvement.NEUTRAL:
            return None
        limits = self.limits
        if limits.lower <= target <= limits.upper:
            return Assurance.INCONSISTENT
        above = target > limits.upper  # every likely value falls below the target
        passes = (improvement is Improvement.DECREASE) == above
        return Assurance.PASS if passes else Assurance.FAIL

    def as_json(self) -> dict:
        """The ``nhc spc --json`` document."""
        limits = self.limits
        return {
            "mean": limits.mean,
            "lower_limit": limits.lower,
            "upper_limit": limits.upper,
            "trial_limits": limits.trial,
            "points": [{"value": p.value, "type": p.type.value, "rule": p.rule.value} for p in self.points],
            "variation_icon": self.variation_icon,
            "assurance_icon": None if self.assurance_icon is None else self.assurance_icon.value,
        }


def spc(
    values: Sequence[float], options: SpcOptions | None = None, rebase_at: Sequence[int] = ()
) -> SpcChart:
    """The XmR chart of ``values`` (in time order). ``rebase_at``: indices where a new part starts."""
    options = (options or SpcOptions()).checked()
    values = [float(v) for v in values]
    if not values:
        raise SpcError("an SPC chart needs at least one value")
    if not all(math.isfinite(v) for v in values):
        raise SpcError("every value must be a number (no blanks, NaN or infinity)")
    starts = sorted({0, *rebase_at})
    if starts[-1] >= len(values) or starts[0] < 0:
        raise SpcError(f"rebase points must be between 1 and {len(values) - 1}")
    points: list[SpcPoint] = []
    for start, end in zip(starts, [*starts[1:], len(values)], strict=True):
        points.extend(_part(values[start:end], options))
    return SpcChart(tuple(points), options)


def limits_of(values: Sequence[float], options: SpcOptions) -> Limits:
    """Mean and process limits of one part, with moving-range screening and fixing as ``options`` say."""
    basis = list(values[: options.fix_after_n_points] if options.fix_after_n_points else values)
    mean = sum(basis) / len(basis)
    ranges = [abs(b - a) for a, b in itertools.pairwise(basis)]
    if not ranges:
        return Limits(mean, mean, mean, len(basis))
    mean_range = sum(ranges) / len(ranges)
    if options.screen_outliers:
        kept = [r for r in ranges if r < SCREEN_FACTOR * mean_range]
        mean_range = sum(kept) / len(kept) if kept else 0.0
    return Limits(mean, mean - LIMIT_FACTOR * mean_range, mean + LIMIT_FACTOR * mean_range, len(basis))


def _part(values: list[float], options: SpcOptions) -> list[SpcPoint]:
    limits = limits_of(values, options)
    side = [_sign(v - limits.mean) for v in values]
    outside = [v > limits.upper or v < limits.lower for v in values]
    caught: list[tuple[Rule, int]] = [(Rule.NONE, 0)] * len(values)
    # Lowest precedence first, so that a stronger rule overwrites a weaker one on the same point.
    for rule, directions in (
        (Rule.SHIFT, _shift(side, options.shift_length)),
        (Rule.TWO_OF_THREE, _two_of_three(values, side, outside, limits, options)),
        (Rule.TREND, _trend(values, options.trend_length)),
        (Rule.OUTSIDE_LIMITS, [s if o else 0 for s, o in zip(side, outside, strict=True)]),
    ):
        caught = [(rule, d) if d else c for c, d in zip(caught, directions, strict=True)]
    return [
        SpcPoint(v, _point_type(direction, options.improvement), rule, limits)
        for v, (rule, direction) in zip(values, caught, strict=True)
    ]


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _shift(side: list[int], length: int) -> list[int]:
    """+1/-1 for points in a run of at least ``length`` on one side of the mean; 0 otherwise."""
    out = [0] * len(side)
    run_start = 0
    for i in range(1, len(side) + 1):
        if i == len(side) or side[i] != side[run_start]:
            if side[run_start] != 0 and i - run_start >= length:
                out[run_start:i] = [side[run_start]] * (i - run_start)
            run_start = i
    return out


def _trend(values: list[float], length: int) -> list[int]:
    """+1/-1 for points in ``length`` strictly rising/falling points; a peak takes the later trend."""
    steps = [_sign(b - a) for a, b in itertools.pairwise(values)]
    out = [0] * len(values)
    for start in range(len(values) - length + 1):
        window = steps[start : start + length - 1]
        if window[0] != 0 and all(s == window[0] for s in window):
            out[start : start + length] = [window[0]] * length
    return out


def _two_of_three(
    values: list[float], side: list[int], outside: list[bool], limits: Limits, options: SpcOptions
) -> list[int]:
    """+1/-1 for the points beyond two sigma in any three in a row that are all on one side of the mean
    and have at least two such points."""
    beyond = [
        (v > limits.two_sigma_above or v < limits.two_sigma_below)
        and (options.beyond_limits_in_two_of_three or not o)
        for v, o in zip(values, outside, strict=True)
    ]
    out = [0] * len(values)
    for start in range(len(values) - 2):
        window = range(start, start + 3)
        same_side = side[start] != 0 and all(side[i] == side[start] for i in window)
        if same_side and sum(beyond[i] for i in window) >= 2:
            for i in window:
                if beyond[i]:
                    out[i] = side[i]
    return out


def _point_type(direction: int, improvement: Improvement) -> PointType:
    if direction == 0:
        return PointType.COMMON_CAUSE
    if improvement is Improvement.NEUTRAL:
        return PointType.NEUTRAL_HIGH if direction > 0 else PointType.NEUTRAL_LOW
    better = direction > 0 if improvement is Improvement.INCREASE else direction < 0
    return PointType.IMPROVEMENT if better else PointType.CONCERN
