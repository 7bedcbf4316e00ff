"""The engagement pages in real headless Chromium (Playwright) against uvicorn: the public form sent
by keyboard with JavaScript switched off, then the staff inbox, each page checked with axe-core."""

from __future__ import annotations

import pytest

from nhc.security import passwords
from nhc.settings import Settings
from nhc.web.app import create_app
from tests.browser_support import AXE, assert_accessible, require_axe, served, sign_in

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    require_axe()
    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("engagement-web")))
    app.state.security.create_user("lead", "Lee Lead", "team_member", password=PASSWORD, neighbourhoods=["Witney"])  # fmt: skip
    app.state.engagement.seed_demo(per_neighbourhood=10)
    with served(app) as url:
        yield {"url": url, "app": app}
    passwords.configure()


def test_public_form_without_javascript_keeps_only_the_scrubbed_comment(browser, server) -> None:
    context = browser.new_context(base_url=server["url"], java_script_enabled=False)
    page = context.new_page()
    page.goto("/have-your-say")
    assert page.get_by_role("heading", level=1).inner_text() == "Have your say about local health services"
    page.get_by_label("Your neighbourhood").select_option("Witney")
    page.get_by_label("Your comment").fill(
        "I am Margaret, 07700 900123. The NHS App is too hard for me to use."
    )
    page.get_by_label("Your age (optional)").select_option("75-84")
    page.get_by_label("I have read what you keep").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Send comment").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.get_by_test_id("kept-text").inner_text() == (
        "I am [name], [phone number]. The NHS App is too hard for me to use."
    )
    assert "Digital access" in page.get_by_test_id("kept-themes").inner_text()
    context.close()
    newest = server["app"].state.engagement.inbox("Witney")[0]
    assert newest.text.text.startswith("I am [name]") and newest.age_band == "75-84"


def test_public_form_and_inbox_pass_axe(browser, server) -> None:
    context = browser.new_context(base_url=server["url"])
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.goto("/have-your-say")
    assert_accessible(page)
    page.get_by_role("button", name="Send comment").click()  # nothing filled in: the error summary
    page.wait_for_load_state()
    assert page.get_by_test_id("error").is_visible()
    assert_accessible(page)
    sign_in(page, "lead", PASSWORD, "/engagement")
    page.goto("/engagement")
    assert page.get_by_test_id("themes-table").is_visible() and page.get_by_test_id("inbox").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Change themes").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "A comment and its themes"
    assert_accessible(page)
    page.goto("/engagement/notes")
    assert_accessible(page)
    context.close()
