"""An episode on the caseload, in memory: its moves, its load on a clinician, its reviews."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.care import domain as d

TODAY = dt.date(2026, 4, 10)


def episode(status: str = "active", points: int = 3) -> d.Episode:
    return d.Episode(
        id=7, status=status, points=points, admitted_on=dt.date(2026, 4, 1), review_due=dt.date(2026, 4, 8)
    )


def test_statuses_are_the_stored_strings() -> None:
    assert [s.value for s in d.EpisodeStatus] == ["active", "stepped_down", "discharged"]
    assert d.OPEN_STATUSES == ("active", "stepped_down")
    assert d.EpisodeStatus.ACTIVE == "active"


def test_discharge_records_the_day_and_the_outcome() -> None:
    ep = episode()
    ep.discharge("admission_avoided", TODAY)
    assert (ep.status, ep.discharged_on, ep.outcome) == ("discharged", TODAY, "admission_avoided")
    assert not ep.is_open


def test_a_discharge_needs_a_known_outcome_and_changes_nothing_without_one() -> None:
    ep = episode()
    with pytest.raises(d.InvalidCareInput, match="needs an outcome"):
        ep.discharge(None, TODAY)
    with pytest.raises(d.InvalidCareInput, match="needs an outcome"):
        ep.discharge("cured by magic", TODAY)
    assert (ep.status, ep.discharged_on, ep.outcome) == ("active", None, None)


def test_a_discharged_episode_cannot_come_back() -> None:
    ep = episode("discharged")
    with pytest.raises(d.ConflictError, match="discharged cannot become active"):
        ep.change_status("active", outcome=None, today=TODAY)
    with pytest.raises(d.ConflictError, match="episode 7 is discharged"):
        ep.set_review(dt.date(2026, 5, 1))


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(d.InvalidCareInput, match="unknown status 'asleep'"):
        episode().change_status("asleep", outcome=None, today=TODAY)


def test_stepping_down_and_back_up() -> None:
    ep = episode()
    ep.step_down()
    assert ep.status == "stepped_down"
    ep.change_status("active", outcome=None, today=TODAY)
    assert ep.status == "active" and ep.discharged_on is None


@pytest.mark.parametrize(
    ("status", "points", "load"), [("active", 3, 3), ("stepped_down", 3, 1), ("discharged", 3, 0)]
)
def test_load_on_the_clinician(status: str, points: int, load: int) -> None:
    assert episode(status, points).load == load


def test_length_of_stay_and_overdue_review() -> None:
    ep = episode()
    assert ep.length_of_stay(TODAY) == 9 and ep.review_overdue(TODAY)
    ep.set_review(dt.date(2026, 4, 20))
    assert not ep.review_overdue(TODAY)
    ep.discharge("self_care", dt.date(2026, 4, 5))
    assert ep.length_of_stay(TODAY) == 4 and not ep.review_overdue(dt.date(2026, 5, 1))


@pytest.mark.parametrize(
    ("risk", "band", "points"),
    [(0.62, "high", 3), (0.5, None, 3), (0.3, None, 2), (0.1, "high", 2), (0.1, "low", 1), (None, None, 1)],
)
def test_default_points_from_the_analytics(risk: float | None, band: str | None, points: int) -> None:
    assert d.default_points(risk, band) == points


def test_suggested_needs() -> None:
    assert d.suggest_needs(None) == {"nursing"}
    assert d.suggest_needs({"care_home": True, "registers": "depression"}) == {"care_home", "nursing"}
    assert d.suggest_needs({"care_home": False, "registers": "copd; depression"}) == {
        "nursing",
        "mental_health",
    }
