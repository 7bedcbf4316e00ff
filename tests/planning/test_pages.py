"""The planning pages through HTTP (in-process): who may see them, the form, results, errors, CSV,
sorting and the comparison."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlencode

import pytest

from nhc.planning.choices import default_choices
from tests.planning.conftest import sign_in

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")


def _same_model(**changes: str) -> dict[str, str]:
    """No lever pulled, one year ahead, no moves: every figure is the baseline's."""
    return {**default_choices(levers=False).values(), "horizon_years": "1", "runs": "100", **changes}


def _csv(c, name: str, form: dict[str, str]) -> list[dict[str, str]]:
    r = c.get(f"/planning/download/{name}.csv?{urlencode(form)}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(r.text)))


def test_signed_out_people_are_sent_to_sign_in(planning_app):
    from fastapi.testclient import TestClient

    r = TestClient(planning_app, follow_redirects=False).get("/planning")
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


@pytest.mark.parametrize("path", ["/planning", "/planning/compare", "/planning/download/summary.csv"])
def test_clinical_roles_cannot_see_planning(planning_app, path):
    r = sign_in(planning_app, "cli").get(path)
    assert r.status_code == 403
    assert "cannot see the planning pages" in r.text


def test_the_form_shows_the_example_levers_the_as_of_date_and_what_is_illustrative(planning_app):
    r = sign_in(planning_app, "ana").get("/planning")
    assert r.status_code == 200
    assert "Data as of 31 March 2026" in r.text
    assert "Illustrative inputs" in r.text
    assert re.search(
        r'id="frailty_admissions_avoided_high" name="frailty_admissions_avoided_high"[^>]*value="20"', r.text
    )
    assert 'data-testid="summary-table"' not in r.text  # nothing run yet


def test_administrators_may_plan_too(planning_app):
    assert sign_in(planning_app, "adm").get("/planning").status_code == 200


def test_running_shows_p10_p50_p90_the_fan_chart_waterfall_and_workforce_gap(planning_app):
    c = sign_in(planning_app, "ana")
    r = c.get("/planning?" + urlencode({**default_choices().values(), "run": "1"}))
    assert r.status_code == 200
    html = r.text
    table = html[html.index('data-testid="summary-table"') :]
    assert all(f">P{p}<" in table for p in (10, 50, 90))
    assert '<svg class="nhc-chart nhc-fan"' in html and 'data-band="p10-p90"' in html
    assert '<svg class="nhc-chart nhc-waterfall"' in html
    assert "People moving between need groups" in html
    assert 'data-testid="workforce-table"' in html
    assert "from the care record (neighbourhood teams)" in html


def test_a_bad_value_shows_the_form_again_with_an_error_summary(planning_app):
    c = sign_in(planning_app, "ana")
    r = c.get("/planning?" + urlencode({**default_choices().values(), "ae_to_utc_high": "150", "run": "1"}))
    assert r.status_code == 400
    summary = re.search(r'data-testid="error-summary".*?</div>\s*</div>', r.text, re.S).group(0)
    assert 'href="#ae_to_utc_high"' in summary
    assert "high (%) must be from 0 to 100 (you entered 150)" in summary
    assert re.search(r'nhsuk-input--error" id="ae_to_utc_high" name="ae_to_utc_high"[^>]*value="150"', r.text)
    assert 'data-testid="summary-table"' not in r.text


def test_the_same_model_of_care_one_year_on_is_the_baseline_with_counts_controlled(planning_app):
    """No lever, no moves, nobody dying: P10 = P50 = P90 = the baseline; 5 outpatient attendances
    are suppressed in the baseline column (7 or fewer)."""
    rows = {
        r["Measure"]: r
        for r in _csv(sign_in(planning_app, "ana"), "summary", _same_model(need_group_moves="no"))
    }
    gp = rows["GP and practice-team appointments"]
    assert (gp["Baseline year"], gp["P10"], gp["P50"], gp["P90"], gp["Change at P50"]) == (
        "1100",
        "1100",
        "1100",
        "1100",
        "0",
    )
    assert rows["Outpatient attendances"]["Baseline year"] == ""
    assert rows["Virtual ward days"]["Baseline year"] == "0"


def test_moves_between_need_groups_change_the_activity(planning_app):
    """A ninth of group 5 moves to group 11 in the year: GP appointments
    600 x 8/9 + 500 x (50 + 100/9) / 50 = 1,144 (to 3 significant figures)."""
    rows = {r["Measure"]: r for r in _csv(sign_in(planning_app, "ana"), "summary", _same_model())}
    assert rows["GP and practice-team appointments"]["P50"] == "1140"


def test_the_workforce_gap_is_against_the_care_records_staff(planning_app):
    """GP WTE in post 1.6 (one full-time, one three days) from the care record; the gap is the WTE
    needed minus that."""
    rows = {
        r["Role"]: r
        for r in _csv(sign_in(planning_app, "ana"), "workforce", _same_model(need_group_moves="no"))
    }
    gp = rows["GP"]
    assert gp["In post (WTE)"] == "1.6" and gp["In post from"] == "Care record"
    assert float(gp["Gap, P50"]) == pytest.approx(float(gp["Needed, P50"]) - 1.6, abs=0.01)
    assert rows["Pharmacist"]["In post from"] == "Scenario file (illustrative)"


def _row_order(html: str) -> list[str]:
    start = html.index('data-testid="summary-table"')
    table = html[start : html.index("</table>", start)]
    return re.findall(r'<th scope="row" class="nhsuk-table__header">([^<]+)</th>', table)


def test_tables_sort_by_a_column_both_ways(planning_app):
    """By measure name A to Z and Z to A; by P50 largest first (cost, then GP appointments); the
    sorted column says so to screen readers; the CSV comes in the same order."""
    c = sign_in(planning_app, "ana")
    form = {**_same_model(), "run": "1"}
    up = c.get("/planning?" + urlencode({**form, "sort_summary": "measure", "order_summary": "asc"})).text
    down = c.get("/planning?" + urlencode({**form, "sort_summary": "measure", "order_summary": "desc"})).text
    assert _row_order(up) == sorted(_row_order(up), key=str.lower)
    assert _row_order(down) == list(reversed(_row_order(up)))
    assert 'aria-sort="descending"' in down and 'aria-sort="ascending"' in up
    by_p50 = c.get("/planning?" + urlencode({**form, "sort_summary": "p50", "order_summary": "desc"})).text
    assert _row_order(by_p50)[:2] == ["Cost a year (£)", "GP and practice-team appointments"]
    rows = _csv(c, "summary", {**form, "sort_summary": "p50", "order_summary": "desc"})
    assert [r["Measure"] for r in rows[:2]] == ["Cost a year (£)", "GP and practice-team appointments"]


def test_an_unknown_table_is_a_clear_400(planning_app):
    r = sign_in(planning_app, "ana").get("/planning/download/people.csv?" + urlencode(_same_model()))
    assert r.status_code == 400 and "there is no table" in r.text


def test_two_scenarios_side_by_side(planning_app):
    c = sign_in(planning_app, "ana")
    page = c.get("/planning/compare")
    assert page.status_code == 200 and 'id="b_runs"' in page.text
    one_year = {"horizon_years": "1", "runs": "100"}  # (the tiny baseline's people are all 80)
    a = {f"a_{k}": v for k, v in {**default_choices().values(), **one_year}.items()}
    b = {f"b_{k}": v for k, v in {**default_choices(levers=False).values(), **one_year}.items()}
    r = c.get("/planning/compare?" + urlencode({**a, **b, "run": "1"}))
    assert r.status_code == 200
    assert "Scenario B minus Scenario A, P50" in r.text
    got = c.get("/planning/compare/download.csv?" + urlencode({**a, **b, "run": "1"}))
    rows = {row["Measure"]: row for row in csv.DictReader(io.StringIO(got.text))}
    frail = rows["Emergency admissions"]
    assert float(frail["Scenario B, P50"]) > float(frail["Scenario A, P50"])  # A avoids admissions


def test_a_bad_value_in_the_second_scenario_names_its_field(planning_app):
    c = sign_in(planning_app, "ana")
    a = {f"a_{k}": v for k, v in default_choices().values().items()}
    b = {f"b_{k}": v for k, v in {**default_choices().values(), "runs": "5"}.items()}
    r = c.get("/planning/compare?" + urlencode({**a, **b, "run": "1"}))
    assert r.status_code == 400
    assert 'href="#b_runs"' in r.text and "Number of runs must be from 100 to 2000" in r.text


def test_the_header_links_to_planning_for_those_who_may_plan(planning_app):
    assert 'href="/planning">Planning</a>' in sign_in(planning_app, "ana").get("/planning").text
    assert 'href="/planning">Planning</a>' not in sign_in(planning_app, "cli").get("/directory").text
