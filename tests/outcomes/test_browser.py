"""The outcomes pages in real headless Chromium (Playwright, /usr/bin/chromium) against uvicorn over
the small lake: sorting the matrix and drilling down by keyboard with JavaScript switched off, the SPC
chart and its table, no horizontal scrolling at 1,280 and 375 pixels wide, and axe-core on each page
(no serious or critical violations)."""

from __future__ import annotations

import pytest

from tests.browser_support import AXE, require_axe, served, sign_in
from tests.browser_support import assert_accessible as _axe
from tests.outcomes.test_pages import PASSWORD, make_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PAGES = (
    "/outcomes",
    "/outcomes?sort=variation&dir=desc",
    "/outcomes/diabetes-hba1c",
    "/outcomes/diabetes-hba1c?by=imd_quintile&group=1",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_axe()
    app = make_app(tmp_path_factory.mktemp("outcomes-browser"))
    app.state.outcomes.get()  # computed before the pages are timed
    with served(app) as url:
        yield url
    app.state.security.db.dispose()


def _sign_in(page) -> None:
    sign_in(page, "ana", PASSWORD, "/outcomes")


def test_sort_and_drill_down_by_keyboard_without_javascript(browser, server) -> None:
    context = browser.new_context(base_url=server, java_script_enabled=False)
    page = context.new_page()
    _sign_in(page)
    assert page.url.endswith("/outcomes")
    assert page.get_by_role("heading", level=1).inner_text() == "Outcomes"
    assert "Data as of 31 March 2026" in page.get_by_test_id("as-of").inner_text()
    page.get_by_test_id("sort-value").focus()
    page.keyboard.press("Enter")  # ascending
    page.wait_for_load_state()
    page.get_by_test_id("sort-value").focus()
    page.keyboard.press("Enter")  # descending
    page.wait_for_load_state()
    header = page.get_by_test_id("matrix").locator("th", has=page.get_by_test_id("sort-value"))
    assert header.get_attribute("aria-sort") == "descending"
    first = page.get_by_test_id("matrix").locator("tbody tr").first
    assert "HbA1c" in first.locator("th").inner_text() and "75.0%" in first.inner_text()
    first.get_by_role("link").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    chart = page.get_by_test_id("spc-chart").locator("svg")
    assert chart.get_attribute("role") == "img" and chart.is_visible()
    assert page.get_by_test_id("points").locator("tbody tr").count() == 60
    page.get_by_label("Show each").select_option("imd_quintile")
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.get_by_test_id("group-1").get_by_role("link").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "1 (most deprived), month by month" in page.get_by_role("heading", level=2).first.inner_text()
    assert page.get_by_test_id("this-value").inner_text() == "100.0%"
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_no_horizontal_scrolling(browser, server, width) -> None:
    context = browser.new_context(base_url=server, viewport={"width": width, "height": 900})
    page = context.new_page()
    _sign_in(page)
    for path in PAGES:
        page.goto(path)
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"{path} scrolls sideways by {wide}px at {width}px"
    context.close()


def test_outcomes_pages_pass_axe(browser, server) -> None:
    context = browser.new_context(base_url=server)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    _sign_in(page)
    for path in PAGES:
        page.goto(path)
        _axe(page)
    context.close()
