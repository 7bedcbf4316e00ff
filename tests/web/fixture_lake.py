"""A small, deterministic lake of insight tables (the schemas `nhc run` writes), for fast tests."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pyarrow as pa

from nhc.lake.store import Lake
from nhc.lake.tables.insights import PATIENT_INSIGHTS

AS_OF = dt.date(2026, 3, 31)
GEOGRAPHY = {  # practice -> (neighbourhood, locality)
    "P001": ("Banbury", "North"),
    "P002": ("Banbury", "North"),
    "P003": ("Bicester", "North East"),
    "P004": ("Witney", "West"),
    "P005": ("Witney", "West"),
    "P006": ("Didcot", "South West"),
}
PNGS = {
    1: ("Non-user", "low"),
    2: ("Low need child", "low"),
    3: ("Low need adult", "low"),
    4: ("Low complexity morbidity", "low"),
    5: ("Medium complexity morbidity", "moderate"),
    6: ("Pregnancy low complexity", "moderate"),
    7: ("Pregnancy high complexity", "moderate"),
    8: ("Dominant psychiatric condition", "moderate"),
    9: ("Dominant major chronic condition", "moderate"),
    10: ("Multi-morbidity high complexity", "high"),
    11: ("Frailty", "high"),
}
AGE_BANDS = ((0, "0-17"), (18, "18-44"), (45, "45-64"), (65, "65-74"), (75, "75-84"), (85, "85+"))


def _age_band(age: int) -> str:
    return [b for lo, b in AGE_BANDS if age >= lo][-1]


def write_fixture_lake(root: Path, n: int = 1200, seed: int = 3) -> Lake:
    rng = random.Random(seed)
    rows: dict[str, list] = {k: [] for k in PATIENT_INSIGHTS.column_names}
    practices = list(GEOGRAPHY)
    for pid in range(1, n + 1):
        practice = practices[pid % len(practices)]
        nb, loc = GEOGRAPHY[practice]
        age = rng.randint(0, 99)
        png = rng.choices(list(PNGS), weights=[10, 12, 25, 20, 12, 2, 1, 5, 8, 3, 2])[0]
        name, band = PNGS[png]
        deficits = rng.randint(0, 14)
        regs = rng.sample(["diabetes", "hypertension", "asthma", "copd", "dementia"], rng.randint(0, 3))
        adm = rng.choices([0, 1, 2, 5], weights=[85, 10, 4, 1])[0] + (3 if practice == "P006" else 0)
        for k, v in (
            ("patient_id", pid),
            ("as_of", AS_OF),
            ("practice_code", practice),
            ("neighbourhood", nb),
            ("locality", loc),
            ("age", age),
            ("age_band", _age_band(age)),
            ("sex", rng.choice("FM")),
            ("imd_quintile", rng.choice([1, 2, 3, 4, 5, None])),
            ("care_home", False),
            ("band", band),
            ("png", png),
            ("png_name", name),
            ("png_reason", f"PNG {png} {name}: fixture rule"),
            ("pyramid_tier", 1),
            ("pyramid_name", "Generally healthy"),
            ("efi_deficits", deficits),
            ("efi_score", deficits / 36),
            ("efi_category", ["fit", "mild", "moderate", "severe"][min(3, deficits // 4)]),
            ("cms", round(rng.random() * 3, 2)),
            ("ltc_count", len(regs)),
            ("registers", "; ".join(regs)),
            ("frailty_markers", 0),
            ("emergency_admissions_12m", adm),
            ("ae_12m", adm),
            ("risk", round(rng.random() * 0.3, 3)),
            ("risk_factors", "age (+0.30); eFI score (+0.20)"),
        ):
            rows[k].append(v)
    lake = Lake(root)
    lake.write("patient_insights", pa.table(rows))
    ev_ids = [i for i in range(1, n + 1) if rows["registers"][i - 1]]
    lake.write(
        "patient_evidence",
        pa.table(
            {
                "patient_id": ev_ids,
                "kind": ["register"] * len(ev_ids),
                "item": [rows["registers"][i - 1].split("; ")[0] for i in ev_ids],
                "code": ["44054006"] * len(ev_ids),
                "date": [dt.date(2020, 1, 1)] * len(ev_ids),
                "detail": ["last recorded 2025-01-01"] * len(ev_ids),
            }
        ),
    )
    wl = [i for i in range(1, n + 1) if rows["emergency_admissions_12m"][i - 1] >= 2]
    ranks: dict[str, int] = {}
    wl_rank = []
    for i in wl:
        nb = rows["neighbourhood"][i - 1]
        ranks[nb] = ranks.get(nb, 0) + 1
        wl_rank.append(ranks[nb])
    lake.write(
        "worklists",
        pa.table(
            {
                "worklist": ["high_admission_risk"] * len(wl),
                "neighbourhood": [rows["neighbourhood"][i - 1] for i in wl],
                "practice_code": [rows["practice_code"][i - 1] for i in wl],
                "patient_id": wl,
                "rank": wl_rank,
                "score": [float(rows["emergency_admissions_12m"][i - 1]) for i in wl],
                "reasons": [
                    f"{rows['emergency_admissions_12m'][i - 1]} emergency admissions in 12 months" for i in wl
                ],
                "as_of": [AS_OF] * len(wl),
            }
        ),
    )
    return lake


def patient_in(lake: Lake, neighbourhood: str, on_worklist: bool = True) -> int:
    t = (lake.read("worklists") if on_worklist else lake.read("patient_insights")).to_pylist()
    return next(r["patient_id"] for r in t if r["neighbourhood"] == neighbourhood)
