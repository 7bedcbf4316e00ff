"""The priorities' rules, without a database: a row from a form, what is required, the statuses and
themes allowed, and which rows answer a theme."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.plans.domain import MAX_ROWS, BadPriority, PlanVersion, Priority, Status, check_rows


def test_a_row_is_read_from_the_form_with_its_text_stripped_and_themes_in_the_vocabulary_order() -> None:
    row = Priority.parse(
        0,
        {
            "activity": "  Access hubs ",
            "what": "Evening appointments",
            "status": "in_progress",
            "themes": ["triage", "access"],
        },
    )
    assert row.activity == "Access hubs"
    assert row.status is Status.IN_PROGRESS
    assert row.themes == ("access", "triage")
    assert row.theme_labels == ("Access to appointments", "Triage systems")


def test_the_activity_is_required_and_the_error_names_the_field_of_that_row() -> None:
    with pytest.raises(BadPriority) as caught:
        Priority.parse(2, {"activity": "   ", "what": "Something"})
    assert caught.value.field == "rows-2-activity"
    assert "row 3" in caught.value.message


def test_an_unknown_status_or_theme_is_refused_naming_its_field() -> None:
    with pytest.raises(BadPriority) as status:
        Priority.parse(0, {"activity": "A", "status": "finished-ish"})
    assert status.value.field == "rows-0-status"
    with pytest.raises(BadPriority) as theme:
        Priority.parse(1, {"activity": "A", "themes": ["parking"]})
    assert theme.value.field == "rows-1-themes"


def test_text_longer_than_its_limit_is_refused() -> None:
    with pytest.raises(BadPriority) as caught:
        Priority.parse(0, {"activity": "A", "when": "x" * 201})
    assert caught.value.field == "rows-0-when"


def test_a_version_holds_between_one_and_the_most_rows() -> None:
    with pytest.raises(BadPriority):
        check_rows([])
    with pytest.raises(BadPriority):
        check_rows([Priority(f"A{i}") for i in range(MAX_ROWS + 1)])
    assert len(check_rows([Priority("A")])) == 1


def test_the_rows_answering_a_theme_are_those_tagged_with_it() -> None:
    hubs = Priority("Access hubs", themes=("access",))
    pharmacists = Priority("Clinical pharmacists", themes=("integrated",))
    version = PlanVersion("Banbury", 1, (hubs, pharmacists), "Lee Lead", dt.datetime(2026, 4, 1))
    assert version.answering("access") == (hubs,)
    assert version.answering("empathy") == ()
