"""Social prescribing over a real lake (the care pages' fixture lake with named people): the patient
page's "Refer to social prescribing" action opens the form about that person, and an NHS number typed
with any spacing is found by the people search's own look-up; the caseload then shows the person by
name, age and NHS number 3-3-4."""

# ruff: noqa: F811  (the lake fixture imported from the care tests, used as an argument)
from __future__ import annotations

import re

import pytest

from nhc.nhs_number import is_valid
from tests.care.test_people import age_of, lake, nhs_number, spaced  # noqa: F401  (fixture)
from tests.care.test_web import client
from tests.care.web_support import NB, make_app, token, worklist_patients

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def app(lake, db_url, tmp_path):
    application = make_app(lake.root, db_url, tmp_path)
    yield application
    application.state.security.db.dispose()


def _service(app) -> str:
    return next(
        s.id
        for s in app.state.navigation.directory().services.values()
        if s.kind == "social_prescribing" and s.service_areas[0].name == NB
    )


def _caseload(html: str) -> str:
    return re.search(r'data-testid="caseload">(.*?)</ul>', html, re.S).group(1)


def test_refer_from_the_patient_page(app, lake) -> None:
    c = client(app, "lead")
    pid = worklist_patients(lake)[0]
    page = c.get(f"/patients/{pid}").text
    link = re.search(r'href="([^"]+)" data-testid="sp-refer-link">Refer to social prescribing<', page).group(
        1
    )
    assert link == f"/social-prescribing?patient={pid}"
    form = c.get(link)
    assert form.status_code == 200
    chosen = re.search(r'data-testid="chosen-person">(.*?)</p>', form.text, re.S).group(1)
    assert f"Ada{pid} Lovelace" in chosen and f"{age_of(lake, pid)} years, NHS number {spaced(pid)}" in chosen
    data = {"csrf_token": token(form.text), "patient_id": str(pid), "service_id": _service(app), "source": "clinician"}  # fmt: skip
    assert c.post("/social-prescribing/refer", data=data).status_code == 303
    row = _caseload(c.get("/social-prescribing").text)
    assert f'href="/patients/{pid}">Ada{pid} Lovelace</a>' in row
    assert f"{age_of(lake, pid)} years, NHS number {spaced(pid)}" in row and f"Patient {pid}" not in row


def test_refer_by_nhs_number_written_any_way(app, lake) -> None:
    c = client(app, "lead")
    # the fixture lake's numbers are 999 and the id, most with a check digit that does not fit: the
    # form checks it now (as the access forms do), so the person is one whose number could be issued
    pid = next(p for p in worklist_patients(lake)[1:] if is_valid(nhs_number(p)))
    digits = spaced(pid).replace(" ", "")
    typed = f" {digits[:3]}-{digits[3:6]}  {digits[6:]} "
    page = c.get("/social-prescribing").text
    data = {"csrf_token": token(page), "nhs_number": typed, "service_id": _service(app), "source": "self"}
    assert c.post("/social-prescribing/refer", data=data).status_code == 303
    row = _caseload(c.get("/social-prescribing").text)
    assert f"Ada{pid} Lovelace" in row and spaced(pid) in row


def test_the_action_offered_after_break_glass_opens_the_form(app, lake) -> None:
    """A clinician of another neighbourhood is refused the form (the refusal page offers break glass);
    once they break the glass, the patient page's action opens the form about the person."""
    pid = worklist_patients(lake)[0]
    away = client(app, "away")
    refused = away.get(f"/social-prescribing?patient={pid}")
    assert refused.status_code == 403 and f'action="/patients/{pid}/break-glass"' in refused.text
    assert "Lovelace" not in refused.text
    r = away.post(
        f"/patients/{pid}/break-glass",
        data={"csrf_token": token(refused.text), "reason": "Called by A&E out of hours"},
    )
    assert r.status_code == 303
    page = away.get(f"/patients/{pid}").text
    link = re.search(r'href="([^"]+)" data-testid="sp-refer-link"', page).group(1)
    form = away.get(link)
    assert form.status_code == 200 and f"Ada{pid} Lovelace" in form.text
