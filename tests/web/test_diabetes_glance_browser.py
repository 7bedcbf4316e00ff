"""Diabetes at a glance in real headless Chromium, checked with axe-core: a clinician goes from the
neighbourhood's page to the worklist, sorts it, and opens a person's care processes; every page is
free of serious or critical accessibility violations, and works without JavaScript (links, forms);
the glance's funnel plot and trend each have a table that sorts by keyboard."""

from __future__ import annotations

import pytest

from nhc.web.outcomes.glance import glance_of
from tests.browser_support import AXE, served, sign_in
from tests.web.test_browser import PASSWORD, _axe

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def glance_server(county, tmp_path_factory):

    from nhc.settings import Settings
    from nhc.web.app import create_app

    db = tmp_path_factory.mktemp("glance-browser") / "nhc.sqlite3"
    app = create_app(Settings(data_dir=county, database_url=f"sqlite:///{db}"))
    home = app.state.insights._rows(
        "SELECT neighbourhood FROM pi WHERE age >= 17 AND registers LIKE '%diabetes%' "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )[0][0]
    app.state.security.create_user(
        "gp", "Dr Gina Practice", "clinician", password=PASSWORD, neighbourhoods=[home]
    )
    glance_of(app.state)  # built before the browser starts: the journey is under test, not a cold start
    with served(app) as url:
        yield {"url": url, "home": home}
    app.state.security.db.dispose()


def test_a_clinician_goes_from_the_glance_to_the_worklist_to_a_person(browser, glance_server) -> None:
    context = browser.new_context(base_url=glance_server["url"], java_script_enabled=True)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.csp_violations = []  # type: ignore[attr-defined]
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_violations.append(m.text))
    sign_in(page, "gp", PASSWORD, "/outcomes/diabetes")

    page.goto("/outcomes/diabetes")
    page.get_by_label("Neighbourhood").select_option(glance_server["home"])
    page.get_by_role("button", name="Show").click()
    assert glance_server["home"] in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_test_id("glance").locator("tbody tr").count() == 12
    _axe(page)
    # the funnel's table of practices and the trend's table of months, each sortable by keyboard
    assert page.get_by_test_id("funnel").locator("tbody tr").count() >= 2
    assert page.get_by_test_id("trend-points").locator("tbody tr").count() >= 12
    page.get_by_test_id("funnel").get_by_test_id("sort-position").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("#funnel") and "sort=funnel.position" in page.url
    assert page.get_by_test_id("funnel").locator("th[aria-sort=ascending]").count() == 1
    _axe(page)

    page.get_by_role("link", name=f"People in {glance_server['home']} missing a care process").click()
    assert "missing care processes" in page.get_by_role("heading", level=1).inner_text()
    _axe(page)
    page.get_by_test_id("sort-missing").click()
    counts = [int(c) for c in page.get_by_test_id("missing-count").all_inner_texts()]
    assert counts == sorted(counts)
    first = page.get_by_test_id("worklist").locator("tbody th a").first
    name = first.inner_text()
    first.click()
    assert page.get_by_role("heading", level=1).inner_text() == name
    assert "Missing" in page.get_by_test_id("processes").inner_text()
    _axe(page)

    # the county's page draws both charts: each an image with a name, its figures in a table
    page.goto("/outcomes/diabetes")
    for chart in ("funnel-chart", "trend-chart"):
        figure = page.get_by_test_id(chart)
        assert figure.locator("svg[role=img]").count() + figure.locator("p").count() == 1
    assert (
        page.get_by_test_id("trend-chart")
        .locator("svg[role=img]")
        .get_attribute("aria-label")
        .startswith("SPC chart: People with diabetes with all eight care processes")
    )
    _axe(page)
    context.close()
