"""A small lake for the outcomes report and command: 40 people with diabetes at two practices.

Every person is registered since 2000 and on the diabetes register since 2010; the first 30 have an
HbA1c every March (50 mmol/mol for people 1-20, 70 for 21-30), so in March 2026 30 of 40 have one
recorded in 15 months and 20 of those 30 meet the 58 target. People 1-20 live in a Core20 small area
(IMD decile 1), the others in decile 6 (quintile 3). Codes are real members of the packaged codelists, so ``nhc outcomes`` reads them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from nhc.lake.store import Lake
from nhc.reference.codelists import codes
from tests.spec.helpers import arrow

AS_OF = dt.date(2026, 3, 31)
PEOPLE = range(1, 41)
DIABETES = codes("dm_cod")[0]
HBA1C = codes("hba1c")[0]


def write_lake(root: Path) -> Path:
    """The lake under ``root / "lake"``; returns the data folder ``root``."""
    lake = Lake(root / "lake")
    lake.write(
        "patients",
        arrow(
            "patients",
            [
                {
                    "patient_id": i,
                    "sex": "F" if i % 2 else "M",
                    "date_of_birth": dt.date(1960, 1, 1),
                    "small_area_code": "CORE" if i <= 20 else "REST",
                }
                for i in PEOPLE
            ],
        ),
    )
    lake.write(
        "practice_registrations",
        arrow(
            "practice_registrations",
            [
                {"patient_id": i, "practice_code": "P1" if i % 2 else "P2", "start_date": dt.date(2000, 1, 1)}
                for i in PEOPLE
            ],
        ),
    )
    events = [{"patient_id": i, "date": dt.date(2010, 1, 1), "snomed_code": DIABETES} for i in PEOPLE]
    for year in range(2021, 2027):
        events += [
            {
                "patient_id": i,
                "date": dt.date(year, 3, 1),
                "snomed_code": HBA1C,
                "value": 50.0 if i <= 20 else 70.0,
            }
            for i in range(1, 31)
        ]
    lake.write("clinical_events", arrow("clinical_events", events))
    for name in ("medications", "encounters", "deaths"):
        lake.write(name, arrow(name, []))
    lake.write(
        "small_areas",
        arrow(
            "small_areas",
            [
                {"small_area_code": "CORE", "imd_decile": 1, "neighbourhood": "N1", "locality": "L1"},
                {"small_area_code": "REST", "imd_decile": 6, "neighbourhood": "N1", "locality": "L1"},
            ],
        ),
    )
    lake.write(
        "practices",
        arrow(
            "practices",
            [{"practice_code": p, "neighbourhood": "N1", "locality": "L1"} for p in ("P1", "P2")],
        ),
    )
    return root
