"""Acceptance (issue 20, the lead's day) in a real browser, headless Chromium: a neighbourhood lead signs
in, adds a staff member, records an absence for another, re-balances, accepts, and sees the loads
change; axe finds no serious or critical problem on any page visited."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.care.test_browser import axe_script, live_app, page  # noqa: F401  (fixtures)
from tests.care.web_support import NB, PASSWORD, worklist_patients

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


def assert_no_serious_axe_violations(pg) -> None:
    pg.evaluate(axe_script() + "\n;true")
    found = pg.evaluate(
        "async () => (await axe.run()).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes[0].html.slice(0, 120))"
    )
    assert found == [], f"{pg.url}: {found}"


WIDTHS = (1280, 375)  # a laptop and a small phone


def assert_fits(pg, shots, name: str) -> None:
    """At each width, a screenshot; the page does not scroll sideways and no table runs past the
    screen's edge (the team's tables turn into one card per row on a narrow screen)."""
    for width in WIDTHS:
        pg.set_viewport_size({"width": width, "height": 900})
        pg.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
        clipped = pg.evaluate(
            "() => [...document.querySelectorAll('main table')]"
            ".filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
            ".map(t => t.dataset.testid || t.className)"
        )
        assert clipped == [], f"{name} at {width} px: tables cut off at the edge: {clipped}"
    pg.set_viewport_size({"width": WIDTHS[0], "height": 900})


def loads(pg) -> dict[str, str]:
    """Name → "load / capacity" from the team page's staff table."""
    rows = pg.locator("[data-testid=staff] tbody tr")
    return {
        rows.nth(i).get_attribute("data-staff"): rows.nth(i).locator("[data-testid=load]").inner_text()
        for i in range(rows.count())
    }


def test_a_lead_sets_up_the_team_and_rebalances_in_the_browser(live_app, page, tmp_path) -> None:  # noqa: F811
    app, base = live_app
    svc = app.state.care
    for pid in worklist_patients(app.state.lake)[:2]:  # two people already on the caseload, allocated
        svc.admit(None, pid, worklist="high_admission_risk")
    svc.accept_allocation(None, svc.propose_allocation(None, NB).id)

    page.goto(f"{base}/care/{NB}/team")
    assert "/sign-in" in page.url
    page.fill("#username", "lead")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Sign in")
    page.wait_for_url(f"{base}/care/{NB}/team")
    assert_no_serious_axe_violations(page)
    assert_fits(page, tmp_path, "team")
    before = loads(page)
    away = next(name for name in ("Nina Nurse", "Ben Nurse") if not before[name].startswith("0 "))

    # Add a staff member (a bad capacity first: the form comes back with the message and the input kept).
    page.click("[data-testid=add-staff]")
    assert_no_serious_axe_violations(page)
    assert_fits(page, tmp_path, "add-staff")
    page.fill("#name", "Ada Nurse")
    page.select_option("#role", "community_nurse")
    page.fill("#capacity", "0")
    page.uncheck("#day-Fri")
    page.fill("#starts", "08:30")
    page.fill("#ends", "16:30")
    page.click("[data-testid=save-staff]")
    assert "capacity must be more than 0" in page.inner_text("[data-testid=error-summary]")
    assert page.input_value("#name") == "Ada Nurse" and not page.is_checked("#day-Fri")
    assert_no_serious_axe_violations(page)
    page.click("[data-testid=error-summary] a")  # the summary takes the user to the box at fault
    assert page.evaluate("document.activeElement.id") == "capacity" or page.url.endswith("#capacity")
    page.fill("#capacity", "10")
    page.click("[data-testid=save-staff]")
    page.wait_for_url(f"{base}/care/{NB}/team")
    assert loads(page)["Ada Nurse"] == "0 / 10"
    assert "Mon-Thu 08:30-16:30" in page.inner_text("[data-staff='Ada Nurse']")

    # An absence for the nurse carrying patients, in the NHS.UK date input.
    today = dt.date.today()
    last = today + dt.timedelta(days=14)
    page.select_option("#staff_id", label=away)
    page.fill("#starts_on", str(today.day))
    page.fill("#starts_on_month", str(today.month))
    page.fill("#starts_on_year", str(today.year))
    page.fill("#ends_on", str(last.day))
    page.fill("#ends_on_month", str(last.month))
    page.fill("#ends_on_year", str(last.year))
    page.fill("#reason", "Annual leave")
    page.click("[data-testid=record-absence]")
    assert "Absent until" in page.inner_text(f"[data-staff='{away}']")
    assert_no_serious_axe_violations(page)
    assert_fits(page, tmp_path, "team-with-absence")

    # Re-balance: the proposal shows the loads if accepted; accepting changes them.
    page.click("[data-testid=rebalance]")
    page.wait_for_url(f"{base}/care/{NB}/allocation")
    assert_no_serious_axe_violations(page)
    assert_fits(page, tmp_path, "allocation")
    assert page.inner_text(f"[data-testid=loads] [data-staff='{away}'] [data-testid=load-after]").startswith(
        "0"
    )
    page.click("[data-testid=accept]")
    assert "Accepted by lead" in page.inner_text("[data-testid=proposal-summary]")
    page.goto(f"{base}/care/{NB}/team")
    after = loads(page)
    assert after[away].startswith("0 /") and after != before | {"Ada Nurse": "0 / 10"}
    moved = int(before[away].split(" /")[0])
    gained = sum(int(after[n].split(" /")[0]) - int(before.get(n, "0 /").split(" /")[0]) for n in after)
    assert gained == 0 and moved > 0  # the absent nurse's points moved to others, none lost
