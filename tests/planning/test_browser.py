"""The planning pages in real headless Chromium (Playwright, /usr/bin/chromium) against uvicorn: the
scenario form by keyboard with JavaScript switched off, its P10/P50/P90 table and fan chart, a bad
value's error summary, and axe-core on each page (no serious or critical violations)."""

from __future__ import annotations

import pytest

from tests.browser_support import AXE, require_axe, served, sign_in
from tests.browser_support import assert_accessible as _axe
from tests.planning.conftest import PASSWORD

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def server(planning_app):
    require_axe()
    with served(planning_app) as url:
        yield url


def _sign_in(page) -> None:
    sign_in(page, "ana", PASSWORD, "/planning")


def test_scenario_by_keyboard_without_javascript(browser, server) -> None:
    context = browser.new_context(base_url=server, java_script_enabled=False)
    page = context.new_page()
    _sign_in(page)
    page.goto("/planning")
    assert page.get_by_role("heading", level=1).inner_text() == "Plan a scenario"
    assert "Data as of 31 March 2026" in page.get_by_test_id("as-of").inner_text()
    assert "Illustrative inputs" in page.get_by_test_id("illustrative").inner_text()
    page.get_by_label("Years ahead").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Tab")  # to the number of runs
    page.keyboard.press("Control+A")
    page.keyboard.type("200")
    page.get_by_role("group", name="A&E attendances redirected to urgent treatment centres").get_by_label(
        "High (P90), %"
    ).fill("25")
    page.get_by_role("button", name="Run the model").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "200 runs" in page.get_by_test_id("run-summary").inner_text()
    summary = page.get_by_test_id("summary-table")
    headers = summary.locator("thead th").all_inner_texts()
    assert [h.split("(")[0].strip() for h in headers[2:5]] == ["P10", "P50", "P90"]
    assert "Hospital beds needed" in summary.inner_text()
    fan = page.get_by_test_id("fan-chart").locator("svg")
    assert fan.get_attribute("role") == "img" and fan.is_visible()
    assert page.get_by_test_id("fan-table").locator("tbody tr").count() == 3  # years 0, 1 and 2
    assert page.get_by_test_id("waterfall-chart").locator("svg").is_visible()
    assert "Care record" in page.get_by_test_id("workforce-table").inner_text()
    assert page.get_by_label("High (P90), %").first.input_value()  # the form keeps the choices
    context.close()


def test_a_bad_value_shows_the_error_summary(browser, server) -> None:
    context = browser.new_context(base_url=server, java_script_enabled=False)
    page = context.new_page()
    _sign_in(page)
    page.goto("/planning")
    page.get_by_label("Number of Monte Carlo runs").fill("5")
    page.get_by_role("button", name="Run the model").click()
    page.wait_for_load_state()
    summary = page.get_by_test_id("error-summary")
    assert summary.is_visible()
    link = summary.get_by_role("link")
    assert link.inner_text() == "Number of runs must be from 100 to 2000 (you entered 5)"
    assert link.get_attribute("href") == "#runs"
    assert page.locator("#runs").input_value() == "5"
    assert page.get_by_test_id("summary-table").count() == 0
    context.close()


def test_planning_pages_pass_axe(browser, server) -> None:
    context = browser.new_context(base_url=server)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    _sign_in(page)
    page.goto("/planning")
    _axe(page)
    page.get_by_role("button", name="Run the model").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("summary-table").is_visible()
    _axe(page)
    page.goto("/planning?run=1&horizon_years=0")
    assert page.get_by_test_id("error-summary").is_visible()
    _axe(page)
    page.goto("/planning/compare")
    _axe(page)
    page.get_by_role("button", name="Compare").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("compare-table").is_visible()
    _axe(page)
    context.close()
