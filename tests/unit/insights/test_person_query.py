"""What a search box's text means: an NHS number however it is spaced, or the words of a name."""

from __future__ import annotations

import pytest

from nhc.insights.search import InvalidSearch, PersonQuery, parse_person_query, redacted


@pytest.mark.parametrize("typed", ["943 476 5919", "9434765919", "943-476-5919", "  943 476\t5919 "])
def test_ten_digits_written_any_way_are_an_nhs_number(typed) -> None:
    assert parse_person_query(typed) == PersonQuery("nhs_number", value="9434765919")


@pytest.mark.parametrize("typed", ["943 476 591", "943 476 59199", "1"])
def test_a_number_that_is_not_ten_digits_is_refused_with_an_example(typed) -> None:
    with pytest.raises(InvalidSearch, match="10 digits, like 943 476 5919"):
        parse_person_query(typed)


def test_a_name_is_its_words_in_lower_case() -> None:
    assert parse_person_query("  Ann  SMITH ") == PersonQuery("name", words=("ann", "smith"))
    assert parse_person_query("O'Brien").words == ("o'brien",)
    assert parse_person_query("Smith-Jones").words == ("smith", "jones")
    assert parse_person_query("Zoë").words == ("zoë",)


@pytest.mark.parametrize("typed", ["a", "%_", "1a"])
def test_fewer_than_two_letters_of_a_name_is_refused(typed) -> None:
    with pytest.raises(InvalidSearch, match="at least 2 letters"):
        parse_person_query(typed)


def test_over_long_text_is_refused_not_cut_short() -> None:
    with pytest.raises(InvalidSearch, match="100 characters or fewer"):
        parse_person_query("a" * 101)


def test_the_audit_keeps_the_last_four_digits_or_the_initials_and_lengths() -> None:
    assert redacted(PersonQuery("nhs_number", value="9434765919")) == "nhs_number:****** 5919"
    assert redacted(PersonQuery("name", words=("ann", "smith"))) == "name:A__ S____"
