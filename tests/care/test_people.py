"""People shown as people on the care pages (issue 20): name, age and NHS number 3-3-4 instead of
"Patient 6085"; the episode links to the patient page; worklists say who is on the caseload; the
patient page offers only the actions the user's role can take; the admission form takes the
person from their page or the worklist, with no typed id or worklist key."""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa
import pytest

from tests.care.test_web import client
from tests.care.web_support import NB, held_on_boxes, make_app, token, worklist_patients
from tests.web.fixture_lake import write_fixture_lake

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


def nhs_number(pid: int) -> str:
    return f"999{pid:07d}"


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """The fixture lake plus a `patients` table, so every person has a name and an NHS number."""
    lake = write_fixture_lake(tmp_path_factory.mktemp("people-lake") / "lake")
    ids = [r["patient_id"] for r in lake.read("patient_insights").to_pylist()]
    n = len(ids)
    lake.write(
        "patients",
        pa.table(
            {
                "patient_id": ids,
                "nhs_number": [nhs_number(p) for p in ids],
                "given_name": [f"Ada{p}" for p in ids],
                "family_name": ["Lovelace"] * n,
                "sex": ["F"] * n,
                "date_of_birth": [dt.date(1940, 1, 1)] * n,
                "ethnicity": ["Not stated"] * n,
                "small_area_code": ["E01000001"] * n,
                "address_line": ["1 High Street"] * n,
                "postcode": ["OX1 1AA"] * n,
            }
        ),
    )
    return lake


@pytest.fixture
def app(lake, db_url, tmp_path):
    application = make_app(lake.root, db_url, tmp_path)
    application.state.lake = lake
    yield application
    application.state.security.db.dispose()


def age_of(lake, pid: int) -> int:
    return next(r["age"] for r in lake.read("patient_insights").to_pylist() if r["patient_id"] == pid)


def spaced(pid: int) -> str:
    n = nhs_number(pid)
    return f"{n[:3]} {n[3:6]} {n[6:]}"


def admit(c, pid: int) -> str:
    page = c.get(f"/care/{NB}")
    r = c.post(
        f"/care/{NB}/admit",
        data={"csrf_token": token(page.text), "patient_id": str(pid), "worklist": "high_admission_risk"},
    )
    assert r.status_code == 303, r.text
    return r.headers["location"]


def test_every_care_page_names_the_person_with_age_and_nhs_number(app) -> None:
    c = client(app, "lead")
    pid = worklist_patients(app.state.lake)[0]
    who, age = f"Ada{pid} Lovelace", age_of(app.state.lake, pid)
    candidates = c.get(f"/care/{NB}").text
    assert who in candidates and spaced(pid) in candidates
    episode_url = admit(c, pid)

    caseload = c.get(f"/care/{NB}").text
    table = caseload.split('data-testid="caseload"')[1].split("</table>")[0]
    assert who in table and f"{age} years" in table and f"NHS number {spaced(pid)}" in table
    assert f"Patient {pid}" not in table

    episode = c.get(episode_url).text
    assert f"<title>{who} – virtual ward" in episode or f"{who} – virtual ward" in episode
    assert f'href="/patients/{pid}"' in episode and spaced(pid) in episode

    alloc = c.get(f"/care/{NB}/allocation")
    c.post(f"/care/{NB}/allocation", data={"csrf_token": token(alloc.text)})
    assert who in c.get(f"/care/{NB}/allocation").text

    mdt = c.get(f"/care/{NB}/mdt")
    meeting = c.post(f"/care/{NB}/mdt", data={"csrf_token": token(mdt.text), **held_on_boxes(mdt.text)})
    agenda = c.get(meeting.headers["location"]).text
    assert who in agenda and f"Patient {pid}" not in agenda

    plan = c.get(f"{episode_url}/plan").text
    assert who in plan and spaced(pid) in plan

    board = c.get(f"/care/{NB}/board")
    r = c.post(
        f"/care/{NB}/tasks",
        data={
            "csrf_token": token(board.text),
            "title": "Check medicines",
            "due_on": "2030-01-10",
            "patient_id": str(pid),
            "owner_staff_id": str(app.state.test_staff["nina"]),
        },
    )
    assert r.status_code == 303, r.text
    assert who in c.get(f"/care/{NB}/board").text


def test_worklist_says_who_is_already_on_the_caseload(app) -> None:
    c = client(app, "lead")
    first, second = worklist_patients(app.state.lake)[:2]
    episode_url = admit(c, first)
    page = c.get(f"/worklists/{NB}").text
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r'href="/patients/(\d+)".*?</tr>', page, re.S)}
    assert "On the caseload" in rows[first] and f'href="{episode_url}"' in rows[first]
    assert "Not on the caseload" in rows[second]


def test_patient_page_offers_admission_then_the_episode_and_plan(app) -> None:
    c = client(app, "lead")
    pid = worklist_patients(app.state.lake)[0]
    page = c.get(f"/patients/{pid}").text
    link = re.search(r'href="([^"]+)" data-testid="admit-link"', page).group(1)
    assert link == f"/care/{NB}/admit?patient_id={pid}"
    form = c.get(link)
    assert form.status_code == 200 and f"Ada{pid} Lovelace" in form.text
    # The worklist is chosen by its title, not typed as a key.
    assert "On the worklist: " in form.text and 'name="worklist" type="text"' not in form.text
    choice = re.search(r'name="found_by" type="radio" value="(worklist:[^"]+)"', form.text).group(1)
    r = c.post(
        f"/care/{NB}/admit",
        data={"csrf_token": token(form.text), "patient_id": str(pid), "found_by": choice, "points": "2"},
    )
    assert r.status_code == 303
    episode_url = r.headers["location"]
    page = c.get(f"/patients/{pid}").text
    assert 'data-testid="admit-link"' not in page
    assert f'href="{episode_url}" data-testid="episode-link"' in page
    assert f'href="{episode_url}/plan" data-testid="plan-link"' in page
    assert c.get(f"{episode_url}/plan").status_code == 200


def test_patient_page_hides_actions_the_role_cannot_use(app) -> None:
    """A clinician of another neighbourhood who broke the glass may read the person, but cannot
    admit them to the Banbury caseload: no admit link is offered (it would end on a 403)."""
    pid = worklist_patients(app.state.lake)[0]
    away = client(app, "away")
    refused = away.get(f"/patients/{pid}")
    assert refused.status_code == 403
    r = away.post(
        f"/patients/{pid}/break-glass",
        data={"csrf_token": token(refused.text), "reason": "Called by A&E out of hours"},
    )
    assert r.status_code == 303
    page = away.get(f"/patients/{pid}").text
    assert 'data-testid="admit-link"' not in page and 'data-testid="plan-link"' not in page
    assert away.get(f"/care/{NB}/admit?patient_id={pid}").status_code == 403


def test_admission_form_keeps_the_input_and_says_what_is_wrong(app) -> None:
    c = client(app, "lead")
    pid = worklist_patients(app.state.lake)[0]
    form = c.get(f"/care/{NB}/admit?patient_id={pid}")
    r = c.post(
        f"/care/{NB}/admit",
        data={
            "csrf_token": token(form.text),
            "patient_id": str(pid),
            "found_by": "worklist:high_admission_risk",
            "reason": "Falls at home",
            "points": "99",
        },
    )
    assert r.status_code == 422
    assert "workload points must be 1-20" in r.text and "Falls at home" in r.text and 'value="99"' in r.text
    assert f"Admit Ada{pid} Lovelace" in r.text
