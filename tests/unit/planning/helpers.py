"""Tiny planning inputs written out by hand, so expected outputs can be worked out on paper."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nhc.planning.domain import Baseline
from nhc.planning.parameters import SETTINGS, DemographyRates, Scenario, UnitCosts

AS_OF = dt.date(2026, 3, 31)


def cell(
    png: int, age_band: str, sex: str = "F", person_years: int = 100, **activity: float
) -> dict[str, Any]:
    return {
        "png": png,
        "png_name": f"group {png}",
        "band": "high" if png >= 10 else "low",
        "age_band": age_band,
        "sex": sex,
        "imd_quintile": 3,
        "person_years": person_years,
        **activity,
    }


def baseline(rows: list[dict[str, Any]], population: dict[tuple[str, int], int]) -> Baseline:
    return Baseline.build(AS_OF, rows, population)


def rates(
    mortality: list[tuple[int, int, float]] | None = None,
    migration: list[tuple[int, int, float]] | None = None,
    fertility: list[tuple[int, int, float]] | None = None,
) -> DemographyRates:
    """Rates by (from_age, to_age, rate) for both sexes; default: nobody dies, moves or is born."""

    def bands(spec: list[tuple[int, int, float]] | None, cover: bool) -> list[dict[str, Any]]:
        spec = spec or ([(0, 100, 0.0)] if cover else [])
        return [{"from_age": a, "to_age": b, "female": r, "male": r} for a, b, r in spec]

    return DemographyRates.model_validate(
        {
            "status": "test",
            "provenance": "test",
            "fertility": bands(fertility, False),
            "mortality": bands(mortality, True),
            "net_migration": bands(migration, True),
        }
    )


def costs(**by_setting: float) -> UnitCosts:
    """Unit costs: those given, 0 for the rest."""
    return UnitCosts.model_validate(
        {
            "price_year": "test",
            "status": "test",
            "provenance": "test",
            "costs": {s: {"cost": by_setting.get(s, 0.0), "unit": s, "source": "test"} for s in SETTINGS},
        }
    )


#: 40 hours x 60 minutes x (52 - 12) weeks, nothing else lost: 96,000 productive minutes per WTE.
SIMPLE_TIME = {"hours_per_week": 40, "leave_weeks": 12, "sickness": 0, "training": 0, "non_clinical": 0}


def scenario(levers: dict[str, Any] | None = None, **kw: Any) -> Scenario:
    data: dict[str, Any] = {
        "name": "test",
        "horizon_years": 1,
        "runs": 256,
        "seed": 7,
        "target_occupancy": 0.8,
        "levers": levers or {},
        "workforce": {
            "minutes": {"gp": {"gp": 15}, "pharmacist": {"pharmacist": 20}},
            "productive_time": {"default": SIMPLE_TIME},
            "current_wte": {"gp": 1.0},
        },
    }
    data.update(kw)
    return Scenario.model_validate(data)
