"""The admin's audit log page (issue 20): Filter works with any of user, action and patient left
empty, a bad patient id is a message on the form (not a dead end), and Older/Newer page through
more than one page of events with the filters kept."""

from __future__ import annotations

import re

import pytest

from tests.web.test_app import app, sign_in  # noqa: F401  (the app fixture of the web tests)

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")


def rows(html: str) -> list[str]:
    body = html.split('data-testid="audit"')[1].split("</tbody>")[0]
    return re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', body, re.S)[1:]  # minus the header


def test_filter_by_user_or_action_without_a_patient_id(app) -> None:  # noqa: F811
    sec = app.state.security
    for _ in range(3):
        sec.record(None, "export_table", outcome="success", detail="test")
    adm = sign_in(app, "adm")
    sign_in(app, "cli")
    # The form sends every box, blank ones as empty strings, as a browser does.
    by_action = adm.get("/admin/audit?username=&patient_id=&action=export_table")
    assert by_action.status_code == 200
    assert len(rows(by_action.text)) == 3 and all("export_table" in r for r in rows(by_action.text))
    by_user = adm.get("/admin/audit?username=cli&patient_id=&action=")
    assert by_user.status_code == 200 and rows(by_user.text)
    assert all(">cli (" in r for r in rows(by_user.text))


def test_filter_by_patient_and_a_bad_patient_id_is_shown_on_the_form(app) -> None:  # noqa: F811
    sec = app.state.security
    sec.record(None, "view_patient", outcome="success", patient_id=42)
    sec.record(None, "view_patient", outcome="success", patient_id=43)
    adm = sign_in(app, "adm")
    found = adm.get("/admin/audit?username=&patient_id=42&action=")
    assert found.status_code == 200 and len(rows(found.text)) == 1
    bad = adm.get("/admin/audit?username=cli&patient_id=forty-two&action=")
    assert bad.status_code == 400 and 'data-testid="error-summary"' in bad.text
    assert 'value="forty-two"' in bad.text and 'value="cli"' in bad.text


def test_older_and_newer_page_through_the_log_with_the_filters_kept(app) -> None:  # noqa: F811
    sec = app.state.security
    for i in range(120):
        sec.record(None, "export_table", outcome="success", detail=f"n={i}")
    adm = sign_in(app, "adm")
    first = adm.get("/admin/audit?username=&patient_id=&action=export_table")
    older = re.search(r'href="([^"]+)" data-testid="older"', first.text).group(1).replace("&amp;", "&")
    second = adm.get(older)
    assert second.status_code == 200 and "page 2 of 3" in second.text
    assert "n=69" in second.text and "n=70" not in second.text  # newest first: 119..70, then 69..20
    older = re.search(r'href="([^"]+)" data-testid="older"', second.text).group(1).replace("&amp;", "&")
    third = adm.get(older)
    assert third.status_code == 200 and len(rows(third.text)) == 20
    assert 'data-testid="older"' not in third.text
    newer = re.search(r'href="([^"]+)" data-testid="newer"', third.text).group(1).replace("&amp;", "&")
    assert "n=69" in adm.get(newer).text
