"""A cell no one is in reads "none", not "suppressed" (issue 20, item 3): an empty worklist, a
need group in another band's column. "Suppressed" keeps meaning 1-7 people (or withheld)."""

from __future__ import annotations

import pytest

from nhc.web.charts import bar_chart
from tests.web.analytics_support import make_app, sign_in, table_by
from tests.web.fixture_lake import GEOGRAPHY, write_fixture_lake

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
NEIGHBOURHOODS = sorted({nb for nb, _ in GEOGRAPHY.values()})


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    # the fixture lake puts people on the admission-risk list only: the other two lists are empty
    return write_fixture_lake(tmp_path_factory.mktemp("zeros") / "lake")


@pytest.fixture(scope="module")
def app(lake, tmp_path_factory):
    application = make_app(lake.root, tmp_path_factory.mktemp("zeros-db"))
    yield application
    application.state.security.db.dispose()


def test_an_empty_worklist_is_none_in_every_neighbourhood(app, lake) -> None:
    on_lists = {(r["neighbourhood"], r["worklist"]) for r in lake.read("worklists").to_pylist()}
    assert not any(w == "diabetes_unreviewed_high_hba1c" for _, w in on_lists)
    c = sign_in(app, "ana")
    t = table_by(c.get("/worklists").text, testid="worklist-counts")
    assert t.column("Diabetes") == ["none"] * len(NEIGHBOURHOODS)
    assert t.column("Moderate or severe frailty") == ["none"] * len(NEIGHBOURHOODS)
    api = c.get("/api/worklists").json()["neighbourhoods"]
    assert [r["counts"]["diabetes_unreviewed_high_hba1c"] for r in api] == [0] * len(NEIGHBOURHOODS)
    csv_rows = c.get("/downloads/worklist-counts.csv").text.splitlines()[1:]
    assert csv_rows and all(",0," in row for row in csv_rows)


def test_a_worklist_with_people_is_still_a_controlled_count(app, lake) -> None:
    sizes: dict[str, int] = {}
    for r in lake.read("worklists").to_pylist():
        sizes[r["neighbourhood"]] = sizes.get(r["neighbourhood"], 0) + 1
    api = sign_in(app, "ana").get("/api/worklists").json()["neighbourhoods"]
    for row in api:
        n, shown = sizes.get(row["neighbourhood"], 0), row["counts"]["high_admission_risk"]
        assert shown == (None if 1 <= n <= 7 else 0 if n == 0 else 5 * ((2 * n + 5) // 10)), row


def test_the_team_sees_an_empty_list_as_no_one(app) -> None:
    page = sign_in(app, "cli").get("/worklists/Banbury?worklist=diabetes_unreviewed_high_hba1c").text
    t = table_by(page, testid="worklist")
    assert t.caption == "People to review: none"
    assert t.rows == [["No one is on this list."]]


def test_a_group_in_another_bands_column_is_none(app) -> None:
    c = sign_in(app, "ana")
    t = table_by(c.get("/?dimension=png").text, testid="breakdown")
    lower_group = next(r for r in t.rows if r[0] == "1 Non-user")
    assert lower_group[3:] == ["none", "none"]  # moderate and higher need
    png = table_by(c.get("/pngs/11?dimension=sex").text, testid="breakdown")
    assert png.column("Lower") == ["none", "none"] and png.column("Moderate") == ["none", "none"]


def test_a_chart_draws_none_for_a_zero_and_suppressed_for_a_small_count() -> None:
    svg = str(bar_chart([("Empty", 0), ("Small", None), ("Many", 120)], title="t"))
    assert ">none</text>" in svg and ">suppressed</text>" in svg and ">120</text>" in svg
    assert svg.count("<rect") == 1  # only the count with people gets a bar
