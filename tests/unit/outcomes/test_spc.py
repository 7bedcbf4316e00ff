"""XmR charts the Making Data Count way: each rule and its edge cases, with hand-worked expectations."""

from __future__ import annotations

import pytest

from nhc.outcomes.spc import (
    Assurance,
    Improvement,
    PointType,
    Rule,
    SpcError,
    SpcOptions,
    spc,
)

PUBLISHED = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
FLAT = [10, 12] * 10  # mean 11, mean moving range 2, limits 5.68 to 16.32, two sigma 7.45 to 14.55
FIXED = SpcOptions(fix_after_n_points=20)  # FLAT's limits, whatever follows
C, UP, DOWN = PointType.COMMON_CAUSE, PointType.IMPROVEMENT, PointType.CONCERN


def types(values, **options) -> list[PointType]:
    return [p.type for p in spc(values, SpcOptions(**options)).points]


def test_the_published_example_with_moving_ranges_screened() -> None:
    chart = spc(PUBLISHED)
    assert round(chart.limits.mean, 3) == 1.944
    assert (round(chart.limits.lower, 3), round(chart.limits.upper, 3)) == (-0.716, 4.604)


def test_the_published_example_without_screening() -> None:
    chart = spc(PUBLISHED, SpcOptions(screen_outliers=False))
    assert (round(chart.limits.lower, 3), round(chart.limits.upper, 3)) == (-3.063, 6.952)


def test_the_published_example_flags_only_the_ten_as_improvement() -> None:
    assert types(PUBLISHED) == [C] * 4 + [UP] + [C] * 13


def test_a_point_below_the_lower_limit_is_concern_when_higher_is_better() -> None:
    chart = spc([*FLAT, 2])
    assert chart.points[-1].rule is Rule.OUTSIDE_LIMITS
    assert chart.points[-1].type is DOWN
    assert chart.variation_icon == "concern_low"


def test_when_lower_is_better_a_high_point_is_concern_high() -> None:
    chart = spc([*FLAT, 30], SpcOptions(improvement=Improvement.DECREASE))
    assert chart.points[-1].type is DOWN
    assert chart.variation_icon == "concern_high"


def test_neutral_direction_gives_neutral_high_and_low() -> None:
    assert types([*FLAT, 30], improvement="neutral")[-1] is PointType.NEUTRAL_HIGH
    assert types([*FLAT, -10], improvement="neutral")[-1] is PointType.NEUTRAL_LOW
    assert spc([*FLAT, 30], SpcOptions(improvement=Improvement.NEUTRAL)).variation_icon == "neutral_high"


def test_seven_points_above_the_mean_are_a_shift() -> None:
    values = [12, 10] * 7 + [11.5, 12, 11.6, 12, 11.7, 12, 11.8]  # mean 11.27: the 10 before is below
    result = types(values)
    assert result[-7:] == [UP] * 7
    assert result[:14] == [C] * 14


def test_six_points_above_the_mean_are_not_a_shift_unless_asked() -> None:
    values = [12, 10] * 7 + [11.5, 12, 11.6, 12, 11.7, 12]
    assert types(values)[-6:] == [C] * 6
    assert types(values, shift_length=6)[-6:] == [UP] * 6


def test_a_point_on_the_mean_breaks_a_shift() -> None:
    # FLAT's mean is exactly 11: seven points above it make a shift; with the fourth on the mean, none does.
    assert [p.rule for p in spc([*FLAT, *[11.5] * 7], FIXED).points[-7:]] == [Rule.SHIFT] * 7
    broken = [*FLAT, 11.5, 11.5, 11.5, 11.0, 11.5, 11.5, 11.5]
    assert all(p.rule is Rule.NONE for p in spc(broken, FIXED).points)


def test_seven_points_each_higher_than_the_last_are_a_trend() -> None:
    values = [10, 12] * 5 + [8, 9, 10, 11, 12, 13, 14]
    chart = spc(values)
    assert [p.rule for p in chart.points[-7:]] == [Rule.TREND] * 7
    assert [p.type for p in chart.points[-7:]] == [UP] * 7


def test_a_tie_breaks_a_trend() -> None:
    values = [10, 12] * 5 + [8, 9, 10, 10, 11, 12, 13]
    assert all(p.rule is not Rule.TREND for p in spc(values).points)


def test_a_falling_trend_is_concern_when_higher_is_better() -> None:
    values = [10, 12] * 5 + [14, 13, 12, 11, 10, 9, 8]
    assert types(values)[-7:] == [DOWN] * 7


def test_two_of_three_beyond_two_sigma_on_one_side() -> None:
    values = [*FLAT, 15, 12, 15]  # 15 is beyond two sigma (above 14.55), 12 is above the mean
    chart = spc(values, FIXED)
    assert [p.rule for p in chart.points[-3:]] == [Rule.TWO_OF_THREE, Rule.NONE, Rule.TWO_OF_THREE]
    assert chart.points[-1].type is UP


def test_two_of_three_on_opposite_sides_is_not_special() -> None:
    values = [*FLAT, 15, 7, 15]  # beyond two sigma above, below, above
    assert all(p.rule is Rule.NONE for p in spc(values, FIXED).points[-3:])


def test_two_of_three_needs_all_three_points_on_the_same_side() -> None:
    values = [*FLAT, 15, 10, 15]  # the middle point is below the mean
    assert all(p.rule is Rule.NONE for p in spc(values, FIXED).points[-3:])


def test_a_point_beyond_the_limits_counts_towards_two_of_three_only_when_asked() -> None:
    # FLAT's limits are 5.68 to 16.32 and its two-sigma line 14.55; a point of 17 is beyond the limits.
    values = [*FLAT, 15, 12, 17]
    default = spc(values, FIXED).points
    assert default[-3].rule is Rule.NONE and default[-1].rule is Rule.OUTSIDE_LIMITS
    variant = spc(values, SpcOptions(fix_after_n_points=20, beyond_limits_in_two_of_three=True)).points
    assert variant[-3].rule is Rule.TWO_OF_THREE


def test_fewer_than_twelve_points_have_trial_limits() -> None:
    assert spc(FLAT[:11]).limits.trial is True
    assert spc(FLAT[:12]).limits.trial is False
    assert spc(FLAT[:11]).as_json()["trial_limits"] is True


def test_limits_fixed_after_twelve_points_ignore_later_points() -> None:
    values = [*FLAT[:12], 30, 31, 32]
    fixed = spc(values, SpcOptions(fix_after_n_points=12))
    assert fixed.limits.mean == 11.0
    assert fixed.points[-1].rule is Rule.OUTSIDE_LIMITS


def test_rebasing_gives_each_part_its_own_limits() -> None:
    values = FLAT + [30, 32] * 6
    chart = spc(values, rebase_at=[20])
    assert chart.points[0].limits.mean == 11.0
    assert chart.limits.mean == 31.0
    assert all(p.type is C for p in chart.points)


@pytest.mark.parametrize(
    ("target", "improvement", "expected"),
    [
        (20, "increase", Assurance.FAIL),  # target above the upper limit: will never be reached
        (2, "increase", Assurance.PASS),  # target below the lower limit: always met
        (20, "decrease", Assurance.PASS),
        (2, "decrease", Assurance.FAIL),
        (11, "increase", Assurance.INCONSISTENT),  # target inside the limits: hit and miss
        (16.32, "increase", Assurance.INCONSISTENT),  # on the limit: still hit and miss
    ],
)
def test_assurance_from_the_target_against_the_limits(target, improvement, expected) -> None:
    chart = spc(FLAT, SpcOptions(target=target, improvement=improvement))
    assert chart.assurance_icon is expected


def test_no_assurance_without_a_target_or_when_neither_direction_is_better() -> None:
    assert spc(FLAT).assurance_icon is None
    assert spc(FLAT, SpcOptions(target=20, improvement=Improvement.NEUTRAL)).assurance_icon is None


def test_the_json_contract() -> None:
    doc = spc(PUBLISHED, SpcOptions(target=3)).as_json()
    assert set(doc) >= {"mean", "lower_limit", "upper_limit", "points", "variation_icon", "assurance_icon"}
    assert doc["points"][4] == {"value": 10.0, "type": "special_cause_improvement", "rule": "outside_limits"}
    assert doc["variation_icon"] == "common_cause"
    assert doc["assurance_icon"] == "inconsistent"


@pytest.mark.parametrize(
    ("values", "options", "message"),
    [
        ([], {}, "at least one value"),
        ([1, float("nan")], {}, "every value must be a number"),
        ([1, 2], {"fix_after_n_points": 5}, "12 points or more"),
        ([1, 2], {"shift_length": 3}, "shift length"),
    ],
)
def test_bad_input_is_refused_with_a_plain_message(values, options, message) -> None:
    with pytest.raises(SpcError, match=message):
        spc(values, SpcOptions(**options))
