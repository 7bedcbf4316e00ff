"""The wellbeing and equity pages in headless Chromium: the ONS4 form answered and sent with
JavaScript switched off (an empty send shows the error summary first), the change shown, and axe-core
finding no serious or critical violation on the referral, error and equity pages."""

# ruff: noqa: F811  (the server fixture is imported from the navigation browser tests)
from __future__ import annotations

import re

import pytest

from tests.navigation.test_browser import AXE, _axe_signed_in, _sign_in, server  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _answer_ons4(page, answers: dict[str, int]) -> None:
    for key, value in answers.items():
        page.locator(f"#ons4-{key}" if value == 0 else f"#ons4-{key}-{value}").check()
    page.get_by_role("button", name=re.compile("^Save (baseline|follow-up) ONS4")).click()
    page.wait_for_load_state()


def test_wellbeing_without_javascript_and_axe(browser, server) -> None:
    plain = browser.new_context(base_url=server["url"], java_script_enabled=False)
    page = plain.new_page()
    _sign_in(page)
    page.goto("/social-prescribing")
    page.get_by_label("NHS number", exact=True).fill("943 476 5919")
    page.get_by_label("Service").select_option(label="Banbury social prescribing link worker")
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_load_state()
    page.get_by_role("button", name=re.compile("^Accept")).first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name=re.compile("^Wellbeing")).first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Save baseline ONS4").click()  # nothing answered
    page.wait_for_load_state()
    assert "There is a problem" in page.get_by_test_id("error").inner_text()
    _answer_ons4(page, {"life_satisfaction": 4, "worthwhile": 5, "happiness": 0, "anxiety": 8})
    _answer_ons4(page, {"life_satisfaction": 7, "worthwhile": 5, "happiness": 6, "anxiety": 2})
    change = page.get_by_test_id("ons4-change").inner_text()
    assert "+3 (better)" in change and "-6 (better)" in change
    url = page.url
    plain.close()

    checked = browser.new_context(base_url=server["url"])
    checked.add_init_script(path=str(AXE))
    page = checked.new_page()
    _sign_in(page)
    page.goto(url)
    _axe_signed_in(page)
    page.get_by_role("button", name="Save baseline SWEMWBS").click()  # the error page
    page.wait_for_load_state()
    _axe_signed_in(page)
    page.goto("/social-prescribing/equity")
    assert page.get_by_test_id("as-of").is_visible()
    _axe_signed_in(page)
    checked.close()
