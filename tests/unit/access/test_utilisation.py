"""Utilisation, DNA rate, third next available and the weekly SPC series: tiny inputs, expected outputs."""

from __future__ import annotations

import datetime as dt

from nhc.access.domain import AppointmentStatus as A
from nhc.access.domain import SlotStatus as S
from nhc.access.domain.demand import BASE_RATE, Fate, need, requests
from nhc.access.domain.hubs import hubs_from_practices
from nhc.access.domain.utilisation import (
    SlotRecord,
    dna_counts,
    dna_rate,
    third_next_available,
    utilisation,
    utilisation_by_practice,
    utilisation_grid,
    weekly_spc,
)

MON = dt.datetime(2026, 3, 2, 18, 30)


def rec(i, start=MON, status=S.FREE, appt=None, hub="h1", role="gp", channel="in-person", practice=None):
    return SlotRecord(f"s{i}", hub, role, channel, start, status, appt, practice)


def test_utilisation_is_booked_over_booked_plus_free_and_ignores_blocked_slots() -> None:
    records = [
        rec(1, status=S.BUSY, appt=A.BOOKED),
        rec(2, status=S.BUSY, appt=A.NOSHOW),
        rec(3),
        rec(4, status=S.BUSY_UNAVAILABLE),
        rec(5, hub="h2"),
    ]
    assert utilisation(records, "hub") == {
        "h1": {"booked": 2, "free": 1, "utilisation": 0.6667},
        "h2": {"booked": 0, "free": 1, "utilisation": 0.0},
    }


def test_utilisation_by_weekday_hour_and_channel() -> None:
    sat = dt.datetime(2026, 3, 7, 9, 0)
    records = [rec(1, status=S.BUSY, appt=A.FULFILLED), rec(2, start=sat, channel="video")]
    assert utilisation(records, "weekday") == {
        "Mon": {"booked": 1, "free": 0, "utilisation": 1.0},
        "Sat": {"booked": 0, "free": 1, "utilisation": 0.0},
    }
    assert set(utilisation(records, "hour")) == {"18:00", "09:00"}
    assert utilisation(records, "channel")["video"]["utilisation"] == 0.0


def test_practice_utilisation_shares_free_slots_by_list_size() -> None:
    records = [rec(1, status=S.BUSY, appt=A.BOOKED, practice="P1"), rec(2), rec(3), rec(4), rec(5)]
    # four free slots; P1 has 3/4 of the list: 3 free slots are "its", so 1 / (1 + 3)
    out = utilisation_by_practice(records, {"P1": 3000, "P2": 1000}, {"h1": ("P1", "P2")})
    assert out["P1"]["utilisation"] == 0.25 and out["P2"] == {"booked": 0, "free": 1.0, "utilisation": 0.0}


def test_dna_rate_counts_started_appointments_only() -> None:
    later = MON + dt.timedelta(days=3)
    records = [
        rec(1, status=S.BUSY, appt=A.NOSHOW),
        rec(2, status=S.BUSY, appt=A.FULFILLED),
        rec(3, status=S.BUSY, appt=A.ARRIVED),
        rec(4, start=later, status=S.BUSY, appt=A.BOOKED),
    ]
    assert dna_rate(records, now=MON + dt.timedelta(hours=1)) == 0.3333
    assert dna_rate([rec(1)], now=MON) is None


def test_third_next_available_is_days_to_the_third_free_future_slot() -> None:
    now = MON - dt.timedelta(days=1)
    records = [rec(i, start=MON + dt.timedelta(days=i)) for i in range(4)]
    records.append(rec(9, start=MON - dt.timedelta(days=2)))  # in the past: not available
    records.append(rec(8, role="physio"))
    assert third_next_available(records, now) == {("h1", "gp"): 3.0, ("h1", "physio"): None}


def test_weekly_series_is_charted_with_the_outcomes_spc() -> None:
    records = []
    for week in range(13):
        start = MON + dt.timedelta(weeks=week)
        records += [rec(f"{week}b", start=start, status=S.BUSY, appt=A.BOOKED), rec(f"{week}f", start=start)]
    weeks, chart = weekly_spc(records)
    assert len(weeks) == 13 and weeks[0] == dt.date(2026, 3, 2)
    assert [p.value for p in chart.points] == [0.5] * 13
    assert chart.limits.mean == 0.5


def test_more_deprived_neighbourhoods_ask_for_more_appointments() -> None:
    assert need(1.0) > need(5.5) == 1.0 > need(10.0)
    rows = [
        {
            "practice_code": "K1",
            "neighbourhood": "A",
            "locality": "North",
            "list_size": 20000,
            "latitude": 52.0,
            "longitude": -1.3,
        },
        {
            "practice_code": "K2",
            "neighbourhood": "B",
            "locality": "North",
            "list_size": 20000,
            "latitude": 52.0,
            "longitude": -1.3,
        },
    ]
    stream = requests(hubs_from_practices(rows), {"A": 2.0, "B": 9.0}, dt.date(2026, 3, 2), 8, seed=1)
    by_hub = {h: sum(1 for r in stream if r.hub_id == h) for h in ("hub-a", "hub-b")}
    assert by_hub["hub-a"] > by_hub["hub-b"]
    expected_b = 20 * BASE_RATE * need(9.0) * 8
    assert abs(by_hub["hub-b"] - expected_b) < 4 * expected_b**0.5
    assert stream == sorted(stream, key=lambda r: (r.at, r.id))
    assert {r.fate for r in stream} == set(Fate)


def test_the_grid_is_utilisation_by_weekday_and_hour_in_week_order() -> None:
    sat = dt.datetime(2026, 3, 7, 9, 0)
    records = [
        rec(1, start=sat, status=S.BUSY, appt=A.BOOKED),
        rec(2, start=sat.replace(minute=15)),
        rec(3, start=MON, status=S.BUSY, appt=A.FULFILLED),
        rec(4, start=MON.replace(hour=19)),
        rec(5, start=MON.replace(hour=19), status=S.BUSY_UNAVAILABLE),
    ]
    assert list(utilisation_grid(records).items()) == [
        (("Mon", "18:00"), {"booked": 1, "free": 0, "utilisation": 1.0}),
        (("Mon", "19:00"), {"booked": 0, "free": 1, "utilisation": 0.0}),
        (("Sat", "09:00"), {"booked": 1, "free": 1, "utilisation": 0.5}),
    ]


def test_dna_counts_are_missed_over_appointments_that_have_happened() -> None:
    later = MON + dt.timedelta(days=1)
    records = [
        rec(1, status=S.BUSY, appt=A.NOSHOW),
        rec(2, status=S.BUSY, appt=A.FULFILLED),
        rec(3, status=S.BUSY, appt=A.ARRIVED),
        rec(4, status=S.BUSY, appt=A.BOOKED),  # not yet marked: not counted
        rec(5, start=later + dt.timedelta(days=1), status=S.BUSY, appt=A.NOSHOW),  # in the future
    ]
    assert dna_counts(records, later) == (1, 3)
