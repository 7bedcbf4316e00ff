"""The scenario page's choices: checked with the field and the allowed range named, then a scenario."""

from __future__ import annotations

import pytest

from nhc.planning.choices import BadChoice, default_choices, parse_choices, to_scenario


def _form(**changes: str) -> dict[str, str]:
    return {**default_choices().values(), **changes}


def test_the_default_choices_read_back_as_themselves():
    assert parse_choices(default_choices().values()) == default_choices()


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("ae_to_utc_high", "150", "must be from 0 to 100 (you entered 150)"),
        ("ae_to_utc_low", "-1", "must be from 0 to 100"),
        ("horizon_years", "31", "Years ahead must be from 1 to 30"),
        ("horizon_years", "2.5", "Years ahead must be a whole number from 1 to 30"),
        ("runs", "50", "Number of runs must be from 100 to 2000"),
        ("discharge_delays_reduced_high", "lots", "must be a number from 0 to 100"),
        ("runs", "", "Enter number of runs: a whole number from 100 to 2000"),
    ],
)
def test_a_bad_value_names_the_field_and_the_allowed_range(field, value, says):
    with pytest.raises(BadChoice) as err:
        parse_choices(_form(**{field: value}))
    assert err.value.field == field
    assert says in err.value.text


def test_a_low_value_above_the_high_one_is_refused_on_the_low_field():
    with pytest.raises(BadChoice) as err:
        parse_choices(_form(ae_to_utc_low="20", ae_to_utc_high="10"))
    assert err.value.field == "ae_to_utc_low"
    assert "low value (20%) must not be above the high value (10%)" in err.value.text


def test_a_prefixed_problem_names_the_prefixed_field():
    with pytest.raises(BadChoice) as err:
        parse_choices(_form(runs="0"))
    assert err.value.prefixed("b_").field == "b_runs"


def test_choices_make_a_scenario_in_fractions_and_unpulled_levers_are_left_out():
    """Percentages become fractions; a lever at 0 and 0 is not pulled; the horizon, runs and moves
    are the planner's; the staffing is the example's."""
    choices = parse_choices(
        _form(
            horizon_years="10",
            runs="300",
            ae_to_utc_low="10",
            ae_to_utc_high="20",
            workforce_productivity_low="0",
            workforce_productivity_high="0",
            need_group_moves="no",
        )
    )
    s = to_scenario(choices, "mine")
    assert (s.name, s.horizon_years, s.runs, s.need_group_transitions) == ("mine", 10, 300, False)
    assert s.levers.ae_to_utc is not None and s.levers.ae_to_utc.interval == pytest.approx((0.1, 0.2))
    assert s.levers.workforce_productivity is None
    assert s.levers.frailty_admissions_avoided.need_groups == (11,)
    assert s.workforce.current_wte["gp"] == 340


def test_same_model_of_care_pulls_no_lever():
    s = to_scenario(default_choices(levers=False), "same")
    assert all(getattr(s.levers, name) is None for name in type(s.levers).model_fields)
