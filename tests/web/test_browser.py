"""End to end in real headless Chromium (Playwright driving /usr/bin/chromium) against uvicorn on a
free loopback port, on a small synthetic county (3,000 people) run through the analytics pipeline.

One browser per session and a handful of page visits; axe-core (from the npm package installed by
scripts/frontend-assets.sh) checks each page for serious or critical accessibility violations.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import AXE, assert_accessible, require_axe, served, sign_in

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def server(county: Path):

    from nhc.insights import InsightsService
    from nhc.settings import Settings
    from nhc.web.app import create_app

    app = create_app(Settings(data_dir=county))
    svc: InsightsService = app.state.insights
    sec = app.state.security
    insights_rows = svc._dicts(
        "SELECT neighbourhood, count(*) AS n FROM wl GROUP BY 1 ORDER BY n DESC LIMIT 1"
    )
    home = insights_rows[0]["neighbourhood"]
    sec.create_user("clinician", "Dr Clare Clinician", "clinician", password=PASSWORD, neighbourhoods=[home])
    sec.create_user("analyst", "Ada Analyst", "analyst", password=PASSWORD)
    sec.create_user("admin", "Alex Admin", "admin", password=PASSWORD)
    mine = svc.worklist(home)[0]["patient_id"]
    other = svc._rows(
        "SELECT patient_id FROM pi WHERE neighbourhood <> ? ORDER BY patient_id LIMIT 1", [home]
    )[0][0]
    # The published tables are built (and their disclosure audit run) before the browser starts: the
    # day's journey is under test here, not a cold start (benchmarks/web.py times first hits).
    svc.overview(())
    with served(app) as url:
        yield {
            "url": url,
            "home": home,
            "mine": mine,
            "other": other,
            "security": sec,
            "worklist": svc.worklist(home),
        }


@pytest.fixture(scope="session", autouse=True)
def _axe_installed():
    require_axe()


def _page(browser, server, username: str):
    context = browser.new_context(base_url=server["url"])
    context.add_init_script(path=str(AXE))  # injected by the browser, so the page's CSP stays in force
    page = context.new_page()
    page.csp_violations = []  # type: ignore[attr-defined]
    page.on(
        "console",
        # Every CSP violation counts, fonts included: the vendored NHS.UK CSS loads no remote font.
        lambda m: "Content Security Policy" in m.text and page.csp_violations.append(m.text),
    )  # type: ignore[attr-defined]
    sign_in(page, username, PASSWORD)
    return page


def _axe(page) -> None:
    assert_accessible(page)
    assert page.csp_violations == [], page.csp_violations  # type: ignore[attr-defined]


def test_clinician_journey_with_break_glass_and_audit(browser, server) -> None:
    page = _page(browser, server, "clinician")
    assert page.get_by_role("heading", level=1).inner_text() == "Segmentation overview"
    assert page.get_by_test_id("band-high").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    _axe(page)
    page.get_by_role("link", name="Drill down to the 11 Patient Need Groups").click()
    page.get_by_role("link", name="11 Frailty").click()
    assert "PNG 11" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("Show breakdown of population by").select_option("imd_quintile")
    page.get_by_role("button", name="Show").click()
    assert "deprivation" in page.locator("#breakdown").inner_text().lower()
    _axe(page)
    page.goto("/neighbourhoods")
    page.get_by_role("link", name=server["home"], exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == server["home"]
    _axe(page)
    # On a 3,000-person county most practices' counts are suppressed; some indicator still has points
    # to plot (which one depends on the synthetic draw), and its funnel is drawn.
    drawn = []
    for indicator in ("high_need", "emergency_admissions", "frailty_65", "diabetes_prevalence"):
        page.goto(f"/variation?indicator={indicator}")
        if page.locator("svg.nhc-funnel").count() == 1:
            drawn.append(indicator)
            _axe(page)
    assert drawn, "no practice-variation indicator drew a funnel plot"
    page.get_by_role("link", name="Worklists").first.click()
    page.get_by_role("link", name=server["home"], exact=True).click()
    assert page.get_by_test_id("worklist").is_visible()
    _axe(page)
    page.locator(f'a[href="/patients/{server["mine"]}"]').first.click()
    assert page.get_by_role("heading", name="Why this person is listed").is_visible()
    assert page.get_by_test_id("why-listed").inner_text()
    _axe(page)
    # break-glass for someone outside the neighbourhood
    response = page.goto(f"/patients/{server['other']}")
    assert response.status == 403
    _axe(page)
    page.get_by_label("Reason for emergency access").fill("Seen in urgent care; GP record unavailable")
    page.get_by_role("button", name="Break glass and view record").click()
    assert page.get_by_test_id("break-glass-banner").is_visible()
    assert page.get_by_role("heading", name="Why this person is listed").is_visible()
    _axe(page)
    page.context.close()
    # the administrator sees the break-glass access, with its reason, in the audit log
    page = _page(browser, server, "admin")
    page.goto(f"/admin/audit?patient_id={server['other']}")
    table = page.get_by_test_id("audit").inner_text()
    assert "break_glass" in table and "Seen in urgent care; GP record unavailable" in table
    _axe(page)
    page.context.close()


def test_analyst_is_refused_the_patient_page(browser, server) -> None:
    page = _page(browser, server, "analyst")
    response = page.goto(f"/patients/{server['mine']}")
    assert response.status == 403
    assert (
        "cannot see information about individual people" in page.get_by_test_id("error-detail").inner_text()
    )
    _axe(page)
    page.context.close()


def test_clinician_goes_from_the_worklist_to_the_patient_and_admits_them(browser, server) -> None:
    """Issue 20: people shown as people, and a path from the population to an action."""
    rows = server["worklist"]
    person = next(r for r in rows if r["patient_id"] != server["mine"])
    pid, name = person["patient_id"], f"{person['given_name']} {person['family_name']}"
    spaced = f"{person['nhs_number'][:3]} {person['nhs_number'][3:6]} {person['nhs_number'][6:]}"
    page = _page(browser, server, "clinician")
    page.goto(f"/worklists/{server['home']}")
    row = page.get_by_test_id("worklist").locator("tr", has=page.locator(f'a[href="/patients/{pid}"]')).first
    assert spaced in row.inner_text() and "Not on the caseload" in row.inner_text()
    row.locator(f'a[href="/patients/{pid}"]').click()
    assert name in page.get_by_role("heading", level=1).inner_text()
    _axe(page)
    page.get_by_test_id("admit-link").click()
    assert name in page.get_by_role("heading", level=1).inner_text()
    _axe(page)
    page.get_by_role("button", name="Admit to the caseload").click()
    page.wait_for_url("**/care/episodes/*")
    assert name in page.get_by_role("heading", level=1).inner_text()
    _axe(page)
    # The review date in the NHS.UK day, month and year boxes; a date that cannot be real keeps the form.
    review = page.get_by_role("group", name="Review date")
    review.get_by_label("Day").fill("31")
    review.get_by_label("Month").fill("2")
    review.get_by_label("Year").fill("2030")
    page.get_by_role("button", name="Save review date").click()
    assert "must be a real date" in page.get_by_test_id("error-summary").inner_text()
    review = page.get_by_role("group", name="Review date")
    assert [review.get_by_label(p).input_value() for p in ("Day", "Month", "Year")] == ["31", "2", "2030"]
    _axe(page)
    review.get_by_label("Day").fill("28")
    page.get_by_role("button", name="Save review date").click()
    assert "28 Feb 2030" in page.get_by_test_id("episode").inner_text()
    page.get_by_test_id("patient-link").click()
    assert page.get_by_test_id("episode-link").is_visible() and page.get_by_test_id("admit-link").count() == 0
    page.goto(f"/worklists/{server['home']}")
    row = page.get_by_test_id("worklist").locator("tr", has=page.locator(f'a[href="/patients/{pid}"]')).first
    assert "On the caseload" in row.inner_text()
    page.context.close()


def test_admin_filters_the_audit_log_and_pages_back(browser, server) -> None:
    """Issue 20: Filter worked only with a patient id, and Older always failed."""
    for i in range(60):
        server["security"].record(None, "export_table", outcome="success", detail=f"browser-{i}")
    _page(browser, server, "clinician").context.close()  # a sign-in for the user filter to find

    def details(page) -> set[str]:
        return set(re.findall(r"browser-\d+", page.get_by_test_id("audit").inner_text()))

    page = _page(browser, server, "admin")
    page.goto("/admin/audit")
    page.get_by_label("Action").fill("export_table")
    page.get_by_role("button", name="Filter").click()
    assert details(page) == {f"browser-{i}" for i in range(10, 60)}  # newest first, 50 a page
    _axe(page)
    page.get_by_test_id("older").click()
    assert details(page) == {f"browser-{i}" for i in range(10)}
    page.get_by_test_id("newer").click()
    assert "browser-59" in details(page)
    page.goto("/admin/audit")
    page.get_by_label("Username").fill("clinician")
    page.get_by_role("button", name="Filter").click()
    cells = page.get_by_test_id("audit").locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert cells and all(c.startswith("clinician") for c in cells)
    page.context.close()


def test_analyst_downloads_a_table_from_a_neighbourhood_profile(browser, server) -> None:
    """Issue 20: overview -> need group -> neighbourhood -> CSV, and every page says its as-of date."""
    page = _page(browser, server, "analyst")
    assert page.get_by_test_id("as-of").inner_text().startswith("Data as of")
    page.get_by_role("link", name="Drill down to the 11 Patient Need Groups").click()
    page.get_by_role("link", name="11 Frailty").click()
    page.goto("/neighbourhoods")
    page.get_by_role("link", name=server["home"], exact=True).click()
    page.wait_for_url("**/neighbourhoods/*")
    _axe(page)
    with page.expect_download() as info:
        page.locator('a[href^="/downloads/practices.csv"]').click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("Practice code,Practice,People,Aged 65+,Higher need")
    assert info.value.suggested_filename.endswith(".csv")
    page.context.close()
