"""Demand played against the hubs' slots, and the utilisation report (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from nhc.access.domain.demand import AppointmentRequest, Fate
from nhc.access.domain.hubs import ServiceType
from nhc.access.services import AccessService
from nhc.access.services.demand import mean_deciles, report, simulate
from nhc.db import Database
from tests.access.conftest import NOW

MON = dt.datetime(2026, 3, 2)


def _request(i: int, at: dt.datetime, fate: Fate, practice: str = "K1") -> AppointmentRequest:
    return AppointmentRequest(f"r{i}", at, "hub-north-town", practice, 1000 + i, ServiceType.GP, fate)


def test_simulated_requests_book_cancel_and_attend(db: Database, access: AccessService) -> None:
    stream = [
        _request(1, MON + dt.timedelta(hours=9), Fate.ATTENDS),
        _request(2, MON + dt.timedelta(hours=9, minutes=1), Fate.DOES_NOT_ATTEND, practice="K2"),
        _request(3, MON + dt.timedelta(hours=9, minutes=2), Fate.CANCELS),
    ]
    until = MON + dt.timedelta(days=7)  # North Town's GP sessions are on Saturday
    counts = simulate(db, stream, until=until)
    assert counts == {"requests": 3, "booked": 3, "unmet": 0, "cancelled": 1}
    out = report(db, MON, MON + dt.timedelta(days=14), now=until)
    assert out["dna_rate"] == 0.5  # one no-show, one fulfilled
    gp = out["by_role"]["gp"]
    assert gp["booked"] == 2 and gp["utilisation"] == round(2 / (gp["booked"] + gp["free"]), 4)
    assert out["by_practice"]["K2"]["booked"] == 1
    assert out["weekly"] and out["weekly"][0]["week"] == "2026-03-02"
    assert out["third_next_available_days"]["hub-north-town/gp"] is not None


def test_every_shipped_neighbourhood_has_a_mean_deprivation_decile() -> None:
    deciles = mean_deciles()
    assert deciles and all(1 <= d <= 10 for d in deciles.values())


def test_the_report_counts_nothing_before_anything_is_booked(db: Database, access: AccessService) -> None:
    out = report(db, MON, MON + dt.timedelta(days=14), now=NOW)
    assert all(v["booked"] == 0 for v in out["by_hub"].values())
    assert out["dna_rate"] is None
