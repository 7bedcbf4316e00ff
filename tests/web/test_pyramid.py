"""The seed's pyramid (30,000 / 7,500 / 1,600 / 400 per 40,000 people) and Oxfordshire's need
bands (473,978 / 147,710 / 18,758) in the web app, with this lake's figures beside them, scaled,
and their sources stated (issue 20, item 3). Before, they were printed only by ``nhc run``."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pytest

from tests.web.analytics_support import make_app, number, sign_in, table_by
from tests.web.fixture_lake import write_fixture_lake

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")


def tier_of(pid: int) -> int:
    """A spread of tiers (the fixture puts everyone in tier 1): 4 for 1 in 40, 3 for 1 in 10,
    2 for 2 in 10, 1 for the rest."""
    if pid % 40 == 0:
        return 4
    return 3 if pid % 10 == 1 else 2 if pid % 10 in (2, 3) else 1


def rounded(n: int) -> int | None:
    """The published rule, as docs/security.md states it: 7 or fewer suppressed, else the nearest 5."""
    return None if n <= 7 else 5 * ((2 * n + 5) // 10)


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pyramid")
    lake = write_fixture_lake(tmp / "lake", n=1500, seed=7)
    t = lake.read("patient_insights")
    tiers = pa.array([tier_of(p) for p in t.column("patient_id").to_pylist()], pa.int8())
    lake.write(
        "patient_insights", t.set_column(t.schema.get_field_index("pyramid_tier"), "pyramid_tier", tiers)
    )
    return lake, tmp


@pytest.fixture(scope="module")
def app(lake):
    application = make_app(lake[0].root, lake[1])
    yield application
    application.state.security.db.dispose()


def expected_tiers(lake) -> dict[int, int]:
    """Each tier county-wide: the sum of the neighbourhoods' published counts (suppressed as 0)."""
    counts = Counter(
        (r["neighbourhood"], r["pyramid_tier"]) for r in lake.read("patient_insights").to_pylist()
    )
    out: Counter = Counter()
    for (_, tier), n in counts.items():
        out[tier] += rounded(n) or 0
    return dict(out)


def test_the_overview_links_to_the_comparison(app) -> None:
    page = sign_in(app, "ana").get("/").text
    assert 'href="/compare"' in page and "compares with Oxfordshire" in page


def test_the_pyramid_model_and_this_population_per_40000(app, lake) -> None:
    page = sign_in(app, "ana").get("/compare")
    assert page.status_code == 200
    t = table_by(page.text, testid="compare-pyramid")
    assert [r[0] for r in t.rows] == [
        "4 – End of life or in crisis",
        "3 – Frail or complex at home",
        "2 – Two or more long-term conditions",
        "1 – Generally healthy or one long-term condition",
    ]
    assert t.column("Model, per 40,000") == ["400", "1,600", "7,500", "30,000"]
    want = expected_tiers(lake[0])
    total = sum(want.values())
    assert [number(c) for c in t.column("People here")] == [want[4], want[3], want[2], want[1]]
    per_40000 = [number(c) for c in t.column("Here, per 40,000")]
    assert per_40000 == [round(want[k] * 40_000 / total / 10) * 10 for k in (4, 3, 2, 1)]
    source = page.text.split('data-testid="pyramid-source">')[1].split("</p>")[0]
    assert "Oxfordshire neighbourhood health model" in source and "30,000" in source and "400" in source


def test_need_bands_beside_oxfordshire_with_this_population_scaled(app) -> None:
    c = sign_in(app, "ana")
    page = c.get("/compare").text
    t = table_by(page, testid="compare-bands")
    assert t.column("Oxfordshire") == ["473,978", "147,710", "18,758"]
    assert t.column("Oxfordshire share") == ["74.0%", "23.1%", "2.9%"]
    bands = c.get("/api/overview").json()["bands"]
    here = [number(x) for x in t.column("People here")]
    assert here == [b["count"] for b in bands]
    oxfordshire = 473_978 + 147_710 + 18_758
    scaled = [number(x) for x in t.column("Here, scaled")]
    assert scaled == [round(n * oxfordshire / sum(here) / 100) * 100 for n in here]
    source = page.split('data-testid="band-source">')[1].split("</p>")[0]
    assert "Buckinghamshire, Oxfordshire and Berkshire West" in source and "473,978" in source


def test_the_pyramid_is_disclosure_controlled_in_the_api_too(app, lake) -> None:
    got = sign_in(app, "ana").get("/api/pyramid").json()
    want = expected_tiers(lake[0])
    assert {t["tier"]: t["count"] for t in got["tiers"]} == want
    assert all(t["count"] is None or t["count"] % 5 == 0 for t in got["tiers"])
