"""The navigation pages in real headless Chromium (Playwright, /usr/bin/chromium) against uvicorn:
the navigator by keyboard with JavaScript switched off, and the public "Find help near you" page
without signing in; axe-core checks each page for serious or critical accessibility violations."""

from __future__ import annotations

import re

import pytest

from nhc.care.directory import StaticDirectory
from nhc.insights.access import PatientAccess
from nhc.navigation.services.social_prescribing import SocialPrescribing
from nhc.security import passwords
from nhc.settings import Settings
from nhc.web.app import create_app
from nhc.web.navigation.social_prescribing import people
from tests.browser_support import AXE, require_axe, served, sign_in
from tests.navigation.conftest import MONDAY_MORNING
from tests.navigation.test_sp_people_pages import ANN

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    require_axe()
    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("navigation-web")))
    app.state.navigation.clock = lambda: MONDAY_MORNING
    app.state.security.create_user("nav", "Nia Navigator", "team_member", password=PASSWORD, neighbourhoods=["Banbury"])  # fmt: skip
    app.state.navigation.directory()  # the synthetic directory is loaded before the browser starts
    # the people's neighbourhoods without a lake: the same access decision over a stand-in look-up
    access = PatientAccess(app.state.security, {101: "Banbury"}.get)
    app.state.social_prescribing = SocialPrescribing(app.state.navigation, access)
    # ... and the people's names, ages and NHS numbers (the lake's, and its NHS number look-up)
    lake = StaticDirectory([ANN])
    app.dependency_overrides[people] = lambda: lake
    with served(app) as url:
        yield {"url": url, "app": app}
    passwords.configure()


def _axe(browser, url: str, server) -> None:
    """axe-core on ``url`` (signed out), with JavaScript on in its own context."""
    context = browser.new_context(base_url=server["url"])
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.goto(url)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    context.close()
    assert result == [], f"accessibility violations on {url}: {result}"


def _axe_signed_in(page) -> None:
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ': ' + v.help);
    }""")
    assert result == [], f"accessibility violations on {page.url}: {result}"


def _sign_in(page) -> None:
    sign_in(page, "nav", PASSWORD, "/navigator")


def test_navigator_by_keyboard_without_javascript(browser, server) -> None:
    context = browser.new_context(base_url=server["url"], java_script_enabled=False)
    page = context.new_page()
    _sign_in(page)
    page.goto("/navigator")
    assert page.get_by_role("heading", level=1).inner_text() == "Care navigator"
    assert "Directory information as of 2 March 2026 10:15" in page.get_by_test_id("as-of").inner_text()
    page.get_by_label("Age in years").focus()
    page.keyboard.type("55")
    page.keyboard.press("Tab")  # to the sex radios (the first is chosen)
    page.keyboard.press("ArrowRight")  # male
    page.get_by_label("Main reason for getting in touch").select_option("chest_pain")
    page.get_by_label("Their GP practice").select_option("K84013")
    page.get_by_label("Age in years").press("Enter")
    page.wait_for_load_state()
    question = page.get_by_label("Is the pain crushing or heavy, or spreading to the arm, jaw, neck or back?")
    question.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Get the answer").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.get_by_test_id("disposition").inner_text() == "Call 999"
    assert "John Radcliffe Hospital emergency department" in page.get_by_test_id("services").inner_text()
    assert "If it gets worse" in page.get_by_test_id("safety-net").inner_text()
    assert page.get_by_test_id("alternatives").inner_text().strip()
    context.close()
    assert server["app"].state.navigation.decisions(1)[0]["asked_by"] == "nav"


def test_navigator_pages_pass_axe(browser, server) -> None:
    context = browser.new_context(base_url=server["url"])
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    _sign_in(page)
    page.goto("/navigator")
    _axe_signed_in(page)
    page.goto("/navigator?age=30&sex=female&reason=urinary_symptoms&practice_code=K84013")
    _axe_signed_in(page)
    page.get_by_role("button", name="Get the answer").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("disposition").is_visible()
    _axe_signed_in(page)
    page.goto("/directory?kind=pharmacy_first&postcode=OX16")
    assert page.get_by_test_id("results").is_visible()
    _axe_signed_in(page)
    context.close()


def test_find_help_public_without_javascript(browser, server) -> None:
    context = browser.new_context(base_url=server["url"], java_script_enabled=False)
    page = context.new_page()
    page.goto("/find-help")
    assert page.get_by_role("heading", level=1).inner_text() == "Find help near you"
    page.get_by_label("What kind of help are you looking for?").select_option("vcse_befriending")
    page.get_by_label("Your postcode (optional)").fill("OX16 1AB")
    page.get_by_label("Your postcode (optional)").press("Enter")
    page.wait_for_load_state()
    table = page.get_by_test_id("results").inner_text()
    assert "km" in table and "Loneliness" in page.content()
    assert page.get_by_role("button", name="Sign out").count() == 0
    context.close()
    _axe(browser, "/find-help", server)
    _axe(browser, "/find-help?kind=pharmacy_first&postcode=OX4", server)


def test_social_prescribing_refer_and_accept(browser, server) -> None:
    context = browser.new_context(base_url=server["url"])
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    _sign_in(page)
    page.goto("/social-prescribing")
    _axe_signed_in(page)
    page.get_by_label("NHS number", exact=True).fill("943 476 591")  # a digit short: the form says so, kept
    page.get_by_label("What matters to them").fill("getting back to the allotment")
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_load_state()
    assert "Enter an NHS number of 10 digits" in page.get_by_test_id("error").inner_text()
    assert page.get_by_label("NHS number", exact=True).input_value() == "943 476 591"
    _axe_signed_in(page)
    page.get_by_label("NHS number", exact=True).fill("943-476-5919")
    page.get_by_label("Service").select_option(label="Banbury social prescribing link worker")
    page.get_by_label("The person themselves").check()
    page.get_by_label("What matters to them").fill("getting back to the allotment")
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_load_state()
    caseload = page.get_by_test_id("caseload")
    text = caseload.inner_text()
    assert "Ann Smith" in text and "81 years, NHS number 943 476 5919" in text and "allotment" in text
    assert "Patient 101" not in text
    assert caseload.get_by_role("link", name="Ann Smith").get_attribute("href") == "/patients/101"
    _axe_signed_in(page)
    page.get_by_role("button", name=re.compile("^Accept")).click()
    page.wait_for_load_state()
    assert "accepted the referral" in page.get_by_test_id("notices").inner_text()
    assert "Being supported" in page.get_by_test_id("caseload").inner_text()
    _axe_signed_in(page)
    page.goto("/social-prescribing?patient=101")  # the patient page's "Refer to social prescribing"
    assert "Ann Smith" in page.get_by_test_id("chosen-person").inner_text()
    assert page.get_by_label("NHS number", exact=True).count() == 0
    _axe_signed_in(page)
    context.close()
