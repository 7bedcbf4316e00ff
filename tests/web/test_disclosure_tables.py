"""Finding 3 of the security review, within one table: an analyst cannot recover a suppressed cell
by subtracting the published cells from a separately rounded total, nor learn that a suppressed row
holds 1–7 people because empty rows are left out.

Across tables — the same population cut by different dimensions and filters — the linear-programme
attacker is tests/security/test_differencing.py; here, the rule it relies on: a figure about
several neighbourhoods is the sum of the neighbourhoods' published figures."""

from __future__ import annotations

import pytest

from nhc.insights.service import DIMENSIONS
from tests.web.test_app import app, sign_in  # noqa: F401  (the app fixture of the web tests)

BANDS = ("low", "moderate", "high")


def _breakdowns(client) -> list[tuple[str, dict, dict]]:
    out = []
    for dimension in DIMENSIONS:
        for png in ["", *range(1, 12)]:
            query = f"?png={png}" if png else ""
            r = client.get(f"/api/breakdown/{dimension}{query}")
            assert r.status_code == 200, (dimension, png, r.text)
            out.append((dimension, {"png": png} if png else {}, r.json()))
    return out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_row_total_is_the_sum_of_its_published_cells_so_it_cannot_be_differenced(app) -> None:  # noqa: F811
    for dimension, filters, table in _breakdowns(sign_in(app, "ana")):
        for row in table["rows"]:
            cells = [row[b] for b in BANDS]
            counted = [c for c in cells if c]  # cells with people published (not suppressed, not none)
            # the sum of those; suppressed when every cell that could hold anyone is suppressed
            expected = sum(counted) if counted else (0 if all(c == 0 for c in cells) else None)
            assert row["total"] == expected, (dimension, filters, row)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_possible_row_is_listed_whether_or_not_anyone_is_in_it(app) -> None:  # noqa: F811
    c = sign_in(app, "ana")
    for dimension in ("age_band", "sex", "imd_quintile"):
        everyone = [r["key"] for r in c.get(f"/api/breakdown/{dimension}").json()["rows"]]
        for png in range(1, 12):
            rows = [r["key"] for r in c.get(f"/api/breakdown/{dimension}?png={png}").json()["rows"]]
            assert rows == everyone, (dimension, png)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_cell_nobody_can_be_in_is_none_and_a_small_count_is_suppressed(app) -> None:  # noqa: F811
    c = sign_in(app, "ana")
    table = c.get("/api/breakdown/age_band?png=11").json()  # Frailty: a higher need group
    for row in table["rows"]:
        assert row["low"] == 0 and row["moderate"] == 0  # structural: published as "none"
        assert row["high"] is None or (row["high"] >= 10 and row["high"] % 5 == 0)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_county_cell_is_the_sum_of_its_neighbourhoods_published_cells(app) -> None:  # noqa: F811
    c = sign_in(app, "ana")
    neighbourhoods = [r["name"] for r in c.get("/api/neighbourhoods").json()]
    for dimension in ("age_band", "sex", "imd_quintile", "png"):
        county = c.get(f"/api/breakdown/{dimension}").json()
        parts = [c.get(f"/api/breakdown/{dimension}?neighbourhood={nb}").json() for nb in neighbourhoods]
        for i, row in enumerate(county["rows"]):
            for b in BANDS:
                cells = [p["rows"][i][b] for p in parts]
                shown = [v for v in cells if v]
                expected = sum(shown) if shown else (0 if all(v == 0 for v in cells) else None)
                assert row[b] == expected, (dimension, row["key"], b, cells)
