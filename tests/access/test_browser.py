"""The access pages in real headless Chromium (Playwright, /usr/bin/chromium) against uvicorn: find
and book a hub appointment by keyboard with JavaScript off, cancel it, a second booking of the same
slot refused with its reason, and the home visits day plan (add a request, re-plan); axe-core finds
no serious or critical accessibility violations on any of the pages."""

from __future__ import annotations

import pytest

from nhc.security import passwords
from tests.access.web_support import PASSWORD, access_app
from tests.browser_support import AXE, require_axe, served, sign_in
from tests.browser_support import assert_accessible as _axe

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SLOT = "hub-banbury-gp-1-202603070900"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    require_axe()
    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    data = tmp_path_factory.mktemp("access-web")
    app = access_app(f"sqlite:///{data / 'nhc.sqlite3'}", data)
    with served(app) as url:
        yield {"url": url, "app": app}
    passwords.configure()


def _submit(page) -> None:
    """Press Enter on the focused control and wait for the page the form leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _page(browser, server, *, javascript: bool = True, user: str = "nav"):
    context = browser.new_context(base_url=server["url"], java_script_enabled=javascript)
    if javascript:
        context.add_init_script(path=str(AXE))
    page = context.new_page()
    sign_in(page, user, PASSWORD, "/access")
    return context, page


def test_find_book_and_cancel_by_keyboard_without_javascript(browser, server) -> None:
    context, page = _page(browser, server, javascript=False)
    page.goto("/access/slots")
    assert page.get_by_role("heading", level=1).inner_text() == "Find a hub appointment"
    assert "as of 2 March 2026 12:00" in page.get_by_test_id("as-of").inner_text()
    page.get_by_label("Hub").select_option(label="Banbury access hub")
    page.get_by_label("Day").fill("7")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Type of appointment").select_option(label="GP")
    page.get_by_label("Weekends only").check()
    page.get_by_role("button", name="Find free appointments").focus()
    _submit(page)
    assert "free appointments in the week from 7 March 2026" in page.get_by_test_id("count").inner_text()
    page.get_by_role("link", name="Book GP, Saturday 7 March 2026, 09:00 to 09:15").first.focus()
    _submit(page)
    page.get_by_label("Their NHS number").focus()
    page.keyboard.type("943 476 5919")  # Ada Lovelace, typed as it is printed
    _submit(page)  # continue: who the appointment is for
    who = page.get_by_test_id("booking-for").inner_text()
    assert "Ada Lovelace" in who and "NHS number 943 476 5919" in who
    assert page.get_by_label("Their GP practice").input_value() == "K1"  # their practice, from their record
    page.get_by_role("button", name="Book this appointment").focus()
    _submit(page)
    assert "Appointment booked" in page.get_by_test_id("confirmation").inner_text()
    who = page.get_by_test_id("person").first.inner_text()
    assert "Ada Lovelace" in who and "81 years" in who and "NHS number 943 476 5919" in who
    page.get_by_label("Reason for cancelling (optional)").fill("feeling better")
    page.get_by_role("button", name="Cancel the appointment").focus()
    _submit(page)
    assert page.get_by_test_id("status").inner_text() == "Cancelled"
    context.close()


def test_a_second_booking_of_the_same_slot_is_refused_with_the_reason(browser, server) -> None:
    first, one = _page(browser, server)
    second, two = _page(browser, server)
    slot = "hub-banbury-gp-1-202603071000"
    for page, patient in ((one, "9434765919"), (two, "943-476-5870")):  # both open the same free slot
        page.goto(f"/access/slots/{slot}/book")
        page.get_by_label("Their NHS number").fill(patient)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        page.get_by_label("Their GP practice").select_option("K1")
    one.get_by_role("button", name="Book this appointment").click()
    one.wait_for_load_state()
    assert one.get_by_test_id("confirmation").is_visible()
    _axe(one)
    two.get_by_role("button", name="Book this appointment").click()
    two.wait_for_load_state()
    summary = two.get_by_test_id("error-summary").inner_text()
    assert "That slot was just taken" in summary and "Search again and choose another slot" in summary
    assert "Alan Turing" in two.get_by_test_id("booking-for").inner_text()  # the form as it was
    _axe(two)
    first.close()
    second.close()


def test_access_pages_pass_axe(browser, server) -> None:
    context, page = _page(browser, server)
    for url in (
        "/access",
        "/access/slots",
        "/access/slots?hub=hub-banbury&service=gp&date-day=7&date-month=3&date-year=2026",
        "/access/slots?date-day=31&date-month=2&date-year=2026",
        f"/access/slots/{SLOT}/book",
        f"/access/slots/{SLOT}/book?patient_id=1",
        f"/access/slots/{SLOT}/book?patient_id=x",
        "/access/utilisation?weeks=2",
        "/access/utilisation?weeks=0",
    ):
        page.goto(url)
        _axe(page)
    context.close()


def test_day_plan_add_a_request_and_replan(browser, server) -> None:
    context, page = _page(browser, server)
    page.goto("/access/visits")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Home visits day plan")
    assert page.get_by_test_id("route").count() == 3
    _axe(page)
    page.get_by_label("Their NHS number").fill("943 476 5838")  # Mary Seacole
    page.get_by_label("Where they live").select_option("Headington")
    page.get_by_label("GP", exact=True).check()
    page.get_by_label("Urgent (within 2 hours)").check()
    page.get_by_label("Earliest").select_option("10:00")
    page.get_by_label("Latest").select_option("12:00")
    page.get_by_label("Why the visit is needed").fill("")
    page.get_by_role("button", name="Add the visit request").click()
    page.wait_for_load_state()
    assert "Say why the visit is needed" in page.get_by_test_id("error-summary").inner_text()
    _axe(page)
    page.get_by_label("Why the visit is needed").fill("fall at home")
    page.get_by_role("button", name="Add the visit request").click()
    page.wait_for_load_state()
    assert "Mary Seacole" in page.get_by_test_id("requests").inner_text()
    assert page.get_by_test_id("waiting").is_visible()
    page.get_by_label("Re-plan from").select_option("09:00")
    page.get_by_role("button", name="Re-plan the day").click()
    page.wait_for_load_state()
    assert "re-planned from 09:00" in page.get_by_test_id("plan-made").inner_text()
    assert page.get_by_test_id("waiting").count() == 0
    assert page.get_by_test_id("route-map").is_visible()
    _axe(page)
    page.get_by_role("link", name="Printable run sheet").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Run sheet: ")
    _axe(page)
    context.close()


def test_utilisation_dashboard_sorts_without_javascript_and_passes_axe(browser, server) -> None:
    context, page = _page(browser, server, javascript=False)
    page.goto("/access/utilisation?date-day=2&date-month=3&date-year=2026&weeks=2")
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    for heading in (
        "Each hub",
        "Each GP practice",
        "Each type of appointment",
        "In person, by telephone or by video",
        "By day and time",
        "Missed appointments",
        "How soon the third free appointment is",
        "Week by week",
    ):
        assert heading in headings
    heatmap = page.get_by_test_id("heatmap")
    assert "Share of appointments booked by day of the week" in heatmap.locator("caption").inner_text()
    assert heatmap.locator("td[data-cell='Sat 09:00']").inner_text().endswith("of 16")
    assert page.get_by_role("img", name="Share of hub appointments booked, week by week").count() == 1
    page.get_by_test_id("role-table").get_by_role("link", name="Booked (sort ascending)", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_test_id("role-table").locator("th[aria-sort='ascending']").count() == 1
    context.close()
    context, page = _page(browser, server)
    page.goto("/access/utilisation?date-day=2&date-month=3&date-year=2026&weeks=2&sort=third.days&dir=desc")
    _axe(page)
    context.close()
