"""In a real browser (Playwright driving headless Chromium): a team lead admits a person from the
worklist, accepts the proposed allocation, builds the MDT agenda and records a decision, then
writes the personalised care plan and shares it with the patient."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.care.web_support import NB, PASSWORD, live_server, make_app, worklist_patients
from tests.web.fixture_lake import write_fixture_lake

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def live_app(tmp_path, db_url):
    lake = write_fixture_lake(tmp_path / "lake")
    app = make_app(lake.root, db_url, tmp_path)
    app.state.lake = lake
    with live_server(app) as base:
        yield app, base
    app.state.security.db.dispose()


@pytest.fixture
def page(browser):
    """A fresh context on the session's shared Chromium (see tests/conftest.py)."""
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


ROOT = Path(__file__).resolve().parents[2]
# Where scripts/frontend-assets.sh (run by `make test`) puts axe-core: the vendored copy the app
# serves, and the npm install it is copied from.
AXE_PLACES = (
    ROOT / "src/nhc/web/static/vendor/axe.min.js",
    ROOT / "build/frontend/node_modules/axe-core/axe.min.js",
)


def axe_script() -> str:
    """axe-core's source. Missing axe FAILS the journey (it must never pass unchecked)."""
    for place in AXE_PLACES:
        if place.exists():
            return place.read_text(encoding="utf-8")
    pytest.fail("axe-core is not installed: run scripts/frontend-assets.sh (make test does)")


def assert_accessible(page) -> None:
    """No axe-core violations on the current page (axe injected through the devtools protocol)."""
    page.evaluate(axe_script() + "\n;true")
    violations = page.evaluate(
        "async () => (await axe.run()).violations.map(v => v.id + ': ' + v.nodes[0].html.slice(0, 120))"
    )
    assert violations == [], f"{page.url}: {violations}"


def test_admit_allocate_mdt_care_plan_in_the_browser(live_app, page) -> None:
    app, base = live_app
    pid = worklist_patients(app.state.lake)[0]
    page.goto(f"{base}/care")
    assert "/sign-in" in page.url
    page.fill("#username", "lead")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Sign in")
    page.wait_for_url(f"{base}/care/{NB}")

    # Admit from the worklist.
    assert_accessible(page)
    row = page.locator("[data-testid=candidates] tr", has_text=f"Patient {pid}")
    row.get_by_role("button", name="Admit").click()
    page.wait_for_url("**/care/episodes/*")
    episode_url = page.url
    assert "emergency admissions in 12 months" in page.inner_text("[data-testid=episode]")
    # Issue 20: the episode links to the person's record and says its data is live; a UK date works.
    assert page.get_attribute("[data-testid=patient-link]", "href") == f"/patients/{pid}"
    assert page.inner_text("[data-testid=as-of]").startswith("Live record, as of")
    page.fill("#occurred_on", "31")  # the NHS.UK date input: day, month and year boxes
    page.fill("#occurred_on_month", "12")
    page.fill("#occurred_on_year", "2029")
    page.click("button >> text=Record event")
    assert "31 Dec 2029" in page.inner_text("main")
    assert_accessible(page)

    # Propose and accept the allocation.
    page.goto(f"{base}/care/{NB}/allocation")
    page.click("[data-testid=propose]")
    assert "same neighbourhood (Banbury)" in page.inner_text("[data-testid=proposal]")
    assert_accessible(page)
    page.click("[data-testid=accept]")
    assert "Accepted by lead" in page.inner_text("[data-testid=proposal-summary]")
    page.goto(episode_url)
    assert page.inner_text("[data-testid=named-clinician]") in ("Nina Nurse", "Ben Nurse")

    # MDT: the agenda has the new admission; record a decision with an action.
    page.goto(f"{base}/care/{NB}/mdt")
    page.click("[data-testid=new-meeting]")
    assert_accessible(page)
    item = page.locator("[data-testid=agenda-item]", has_text=f"Patient {pid}")
    assert "New admission" in item.inner_text()
    item.locator("textarea[name=decision]").fill("Medicines review and daily visits")
    item.locator("input[name=action_title]").first.fill("Medicines review")
    item.locator("select[name=action_owner]").first.select_option(
        label="Phil Pharmacist (Clinical pharmacist)"
    )
    item.locator("input[name=action_due]").first.fill("2030-01-10")
    item.get_by_role("button", name="Save decision").click()
    assert "Medicines review and daily visits" in page.inner_text("[data-testid=decision]")
    page.goto(f"{base}/care/{NB}/board")
    assert "Medicines review" in page.inner_text("[data-testid=column-todo]")

    # The personalised care plan, shared with the patient.
    page.goto(episode_url)
    page.click("[data-testid=plan-link]")
    assert_accessible(page)
    page.fill("#what_matters", "Getting to my allotment")
    page.fill("#goals", "Walk to the allotment\nNo falls")
    page.fill("#action-1", "Falls assessment")
    page.fill("#owner-1", "Physiotherapist")
    page.fill("#due-1", "2030-01-15")
    page.fill("#review_date", "1")  # the NHS.UK date input: day, month and year boxes
    page.fill("#review_date_month", "2")
    page.fill("#review_date_year", "2030")
    page.check("#shared")
    page.click("[data-testid=save-plan]")
    assert "Saved as version 1" in page.inner_text("[data-testid=saved]")
    page.fill("#what_matters", "Getting to my allotment twice a week")
    page.click("[data-testid=save-plan]")
    assert "Saved as version 2" in page.inner_text("[data-testid=saved]")
    share = page.get_attribute("[data-testid=share-link]", "href")

    # The patient's view (a fresh browser context: not signed in).
    other = page.context.browser.new_context().new_page()
    other.goto(f"{base}{share}")
    assert other.inner_text("[data-testid=what-matters]") == "Getting to my allotment twice a week"
    other.close()
