"""ONS4 and SWEMWBS scored as published, one behaviour per test: the shipped conversion table, every
answer required and in range (each wrong item named), ONS4 never summed, and the change shown in
each item's own sense of better (anxiety: lower is better)."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import pytest

from nhc.navigation.domain.errors import BadField
from nhc.navigation.domain.wellbeing import (
    AnswersError,
    Kind,
    Timepoint,
    change,
    conversion_table,
    measure,
    swemwbs_metric,
)

AT = dt.datetime(2026, 4, 1, 9, 0)
SWEMWBS_KEYS = ("optimistic", "useful", "relaxed", "problems", "thinking", "close", "own_mind")
ONS4_KEYS = ("life_satisfaction", "worthwhile", "happiness", "anxiety")


def swemwbs(*answers: int, when: str = "baseline"):
    return measure(
        1, "swemwbs", when, dict(zip(SWEMWBS_KEYS, answers, strict=True)), taken_at=AT, recorded_by="lw"
    )


def ons4(*answers: int, when: str = "baseline"):
    return measure(1, "ons4", when, dict(zip(ONS4_KEYS, answers, strict=True)), taken_at=AT, recorded_by="lw")


def test_the_shipped_table_says_where_it_comes_from_and_covers_every_raw_score():
    text = resources.files("nhc.navigation").joinpath("rules/swemwbs_conversion.json").read_text("utf-8")
    shipped = json.loads(text)
    assert "warwick.ac.uk" in shipped["published_at"] and shipped["transcribed"] == "2026-12-01"
    assert sorted(conversion_table()) == list(range(7, 36))
    values = [conversion_table()[raw] for raw in range(7, 36)]
    assert values == sorted(values)  # the metric score rises with the raw score


@pytest.mark.parametrize(
    ("answers", "raw", "metric"),
    [
        ((1, 1, 1, 1, 1, 1, 1), 7, 7.00),  # the published table's ends and a few rows between
        ((2, 1, 1, 1, 1, 1, 1), 8, 9.51),
        ((3, 3, 3, 3, 3, 3, 3), 21, 19.25),
        ((4, 4, 4, 4, 4, 4, 4), 28, 25.03),
        ((5, 5, 5, 5, 5, 5, 4), 34, 32.55),
        ((5, 5, 5, 5, 5, 5, 5), 35, 35.00),
    ],
)
def test_swemwbs_raw_score_is_the_sum_and_the_metric_score_is_from_the_table(answers, raw, metric):
    m = swemwbs(*answers)
    assert (m.raw_score, m.score) == (raw, metric)


def test_ons4_is_never_summed():
    m = ons4(7, 8, 6, 3)
    assert (m.raw_score, m.score) == (None, None)
    assert m.by_item() == {"life_satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3}


def test_every_missing_or_out_of_range_answer_is_named():
    with pytest.raises(AnswersError) as caught:
        measure(1, "ons4", "baseline", {"life_satisfaction": "11", "worthwhile": "x", "happiness": "0"},
                taken_at=AT, recorded_by="lw")  # fmt: skip
    assert [e.field for e in caught.value.errors] == ["life_satisfaction", "worthwhile", "anxiety"]


def test_swemwbs_answers_run_from_1_to_5():
    with pytest.raises(AnswersError) as caught:
        swemwbs(0, 3, 3, 3, 3, 3, 6)
    assert [e.field for e in caught.value.errors] == ["optimistic", "own_mind"]


def test_an_unknown_kind_or_timepoint_is_refused():
    with pytest.raises(BadField, match="kind"):
        measure(1, "phq9", "baseline", {}, taken_at=AT, recorded_by="lw")
    with pytest.raises(BadField, match="timepoint"):
        measure(1, "ons4", "midway", {}, taken_at=AT, recorded_by="lw")


def test_a_raw_score_outside_7_to_35_has_no_metric_score():
    with pytest.raises(BadField):
        swemwbs_metric(36)


def test_ons4_change_is_per_question_and_less_anxiety_is_better():
    before, after = ons4(4, 5, 5, 8), ons4(6, 5, 4, 3, when="follow_up")
    changes = {c.key: (c.difference, c.direction) for c in change(before, after)}
    assert changes == {
        "life_satisfaction": (2, "better"),
        "worthwhile": (0, "no change"),
        "happiness": (-1, "worse"),
        "anxiety": (-5, "better"),
    }


def test_swemwbs_change_is_on_the_metric_score():
    before, after = swemwbs(3, 3, 3, 3, 3, 3, 3), swemwbs(4, 4, 4, 4, 4, 4, 4, when="follow_up")
    (c,) = change(before, after)
    assert (c.key, c.baseline, c.follow_up, c.difference, c.direction) == (
        "metric",
        19.25,
        25.03,
        5.78,
        "better",
    )
    assert after.timepoint is Timepoint.FOLLOW_UP and after.kind is Kind.SWEMWBS
