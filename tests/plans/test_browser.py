"""The plan pages in real headless Chromium against uvicorn over the 3,000-person county: the plan,
the lead's priorities form (with JavaScript switched off: a mistake named in the error summary, then
a new version) and the public "you said, we did" pages; axe-core finds no serious or critical
violation on any of them."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser_support import AXE, assert_accessible, require_axe, served, sign_in
from tests.plans.test_pages import PASSWORD, make_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def server(county, tmp_path_factory):
    require_axe()
    app = make_app(county, tmp_path_factory.mktemp("plans-browser") / "nhc.sqlite3")
    nb = app.state.plan_neighbourhood
    app.state.plans.build(app.state.plans.scope(nb))  # warm: the page is under test, not a cold start
    with served(app) as url:
        yield url, nb
    app.state.security.db.dispose()


def _page(browser, url: str, *, javascript: bool = True):
    """A page of a new context; axe is injected where JavaScript runs (it is axe's language)."""
    context = browser.new_context(base_url=url, java_script_enabled=javascript)
    if javascript:
        context.add_init_script(path=str(AXE))
    return context.new_page()


def _sign_in(page, username: str, target: str) -> None:
    sign_in(page, username, PASSWORD, target)


def test_the_plan_page_reads_by_contents_and_is_accessible(browser, server) -> None:
    url, nb = server
    page = _page(browser, url)
    _sign_in(page, "ana", f"/plans/{quote(nb)}")
    assert (
        page.get_by_role("heading", level=1).inner_text() == f"Neighbourhood health plan: {nb} neighbourhood"
    )
    assert "Data as of" in page.get_by_test_id("as-of").inner_text()
    page.get_by_test_id("contents").get_by_role("link", name="What people told us").click()
    assert page.url.endswith("#feedback")
    assert (
        page.get_by_test_id("not-ready-feedback").inner_text().strip().endswith("No feedback gathered yet.")
    )
    assert_accessible(page)
    page.goto("/plans")
    assert_accessible(page)
    page.context.close()


def test_the_priorities_form_and_its_error_summary_are_accessible(browser, server) -> None:
    url, nb = server
    page = _page(browser, url)
    _sign_in(page, "cli", f"/plans/{quote(nb)}/priorities")
    assert_accessible(page)
    page.locator("#rows-0-activity").fill("")
    page.get_by_test_id("agree").click()
    page.wait_for_load_state()
    assert "Enter the activity of row 1" in page.get_by_test_id("error-summary").inner_text()
    assert_accessible(page)
    page.context.close()


def test_the_lead_agrees_priorities_without_javascript(browser, server) -> None:
    url, nb = server
    page = _page(browser, url, javascript=False)
    _sign_in(page, "cli", f"/plans/{quote(nb)}/priorities")
    page.locator("#rows-0-activity").fill("")
    page.get_by_test_id("agree").click()
    page.wait_for_load_state()
    summary = page.get_by_test_id("error-summary")
    assert "Enter the activity of row 1" in summary.inner_text()
    summary.get_by_role("link").click()
    assert page.url.endswith("#rows-0-activity")
    page.locator("#rows-0-activity").fill("Home visiting service")
    page.get_by_test_id("agree").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/plans/{quote(nb)}#priorities")
    assert "Home visiting service" in page.get_by_test_id("table-priorities").inner_text()
    assert "Version 2" in page.get_by_test_id("history").inner_text()
    page.context.close()


def test_you_said_we_did_is_public_and_accessible(browser, server) -> None:
    url, nb = server
    page = _page(browser, url)
    page.goto("/you-said-we-did")
    assert page.get_by_role("heading", level=1).inner_text() == "You said, we did"
    assert_accessible(page)
    page.get_by_role("link", name=nb, exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == f"You said, we did: {nb}"
    assert "Access to appointments" in page.get_by_test_id("theme-access").inner_text()
    assert_accessible(page)
    page.context.close()
