"""The navigator's request contract: every bad field is refused by name with the allowed values."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.navigation.domain import BadField
from nhc.navigation.domain.request import parse_request
from nhc.navigation.places import locate, small_area_index

REASONS = {"chest_pain": ("crushing_chest_pain",), "loneliness": ()}
NOW = dt.datetime(2026, 3, 2, 10, 0)
GOOD = {"age": 55, "sex": "male", "reason": "chest_pain"}


def bad(**changes):
    with pytest.raises(BadField) as caught:
        parse_request({**GOOD, **changes}, REASONS, NOW)
    return caught.value


def test_good_request_defaults_when_to_now_and_red_flags_to_none():
    request = parse_request(GOOD, REASONS, NOW)
    assert (request.when, request.red_flags) == (NOW, ())


def test_time_zone_is_converted_to_uk_local_time():
    request = parse_request({**GOOD, "when": "2026-07-01T09:00:00Z"}, REASONS, NOW)
    assert request.when == dt.datetime(2026, 7, 1, 10, 0)  # BST


def test_unknown_reason_names_the_field_and_lists_the_reasons():
    error = bad(reason="toothache")
    assert error.field == "reason" and "chest_pain" in error.allowed and "loneliness" in error.allowed


@pytest.mark.parametrize("age", [-1, 121, "fifty", 3.5, True, None])
def test_impossible_age(age):
    assert bad(age=age).field == "age"


def test_unknown_sex():
    assert bad(sex="m").allowed == "female, male, other, unknown"


def test_red_flag_of_another_reason_is_refused():
    error = bad(red_flags=["face_arm_speech"])
    assert error.field == "red_flags" and error.allowed == "crushing_chest_pain"


def test_unknown_field_is_refused_not_ignored():
    assert bad(reasn="chest_pain").field == "reasn"


def test_bad_when():
    assert bad(when="yesterday").field == "when"


def test_unknown_practice_names_the_field():
    with pytest.raises(BadField) as caught:
        locate(practice_code="Z99999")
    assert caught.value.field == "practice_code" and "K84013" in caught.value.allowed


def test_unknown_small_area_and_bad_postcode():
    with pytest.raises(BadField, match="small_area"):
        locate(small_area="nowhere")
    with pytest.raises(BadField, match="postcode"):
        locate(postcode="not a postcode")


def test_postcode_outside_the_county_is_accepted_but_not_located():
    assert not locate(postcode="SW1A 1AA").located


def test_small_area_is_preferred_to_the_practice_as_origin():
    area = next(iter(small_area_index()))
    assert locate(practice_code="K84013").found_by == "practice_code"
    assert locate(practice_code="K84013", small_area=area).found_by == "small_area"
