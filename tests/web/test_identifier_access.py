"""Finding 1 of the security review: every spelling of an identifier that a route accepts reaches the
same access decision, made on the patient the request resolves to, and audited with that patient.

Before the fix, ``/fhir/Patient?identifier=999%20088%207713`` (and ``9990887713%20``, ``|9990887713%20``,
``https://fhir.nhs.uk/Id/nhs-number|%209990887713``) returned another neighbourhood's patient to a
team member, audited as ``not_found`` with no patient id."""

from __future__ import annotations

import re
from urllib.parse import quote

import duckdb
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nhc.security.models import AuditEvent
from nhc.settings import Settings
from nhc.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
PASSWORD = "correct-horse-battery-staple"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


@pytest.fixture(scope="module")
def world(county, tmp_path_factory):
    """A clinician of the largest neighbourhood; a living and a deceased person from elsewhere."""
    from fastapi.testclient import TestClient

    db = tmp_path_factory.mktemp("identdb") / "nhc.sqlite3"
    app = create_app(Settings(data_dir=county, database_url=f"sqlite:///{db}"))
    svc = app.state.insights
    home = svc._rows("SELECT neighbourhood FROM pi GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0][0]
    other = svc._rows("SELECT patient_id FROM pi WHERE neighbourhood <> ? ORDER BY 1 LIMIT 1", [home])[0][0]
    mine = svc._rows("SELECT patient_id FROM pi WHERE neighbourhood = ? ORDER BY 1 LIMIT 1", [home])[0][0]
    lake = county / "lake"
    con = duckdb.connect()
    people = f"read_parquet('{lake}/patients/*.parquet')"
    deaths = f"read_parquet('{lake}/deaths/*.parquet')"
    nhs_other = con.execute(f"SELECT nhs_number FROM {people} WHERE patient_id = ?", [other]).fetchone()[0]
    dead, nhs_dead = con.execute(
        f"SELECT p.patient_id, p.nhs_number FROM {people} p JOIN {deaths} d USING (patient_id) ORDER BY 1 LIMIT 1"
    ).fetchone()
    app.state.security.create_user(
        "tm", "Tia Member", "team_member", password=PASSWORD, neighbourhoods=[home]
    )
    client = TestClient(app, follow_redirects=False)
    tok = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)
    r = client.post("/sign-in", data={"username": "tm", "password": PASSWORD, "csrf_token": tok})
    assert r.status_code == 303
    yield {
        "app": app,
        "client": client,
        "people": {other: nhs_other, dead: nhs_dead},
        "mine": (
            mine,
            con.execute(f"SELECT nhs_number FROM {people} WHERE patient_id = ?", [mine]).fetchone()[0],
        ),
    }
    app.state.security.db.dispose()


def _last_audit_id(app) -> int:
    with app.state.security.db.unit_of_work() as s:
        return s.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


def _audit_since(app, after: int) -> list[tuple[int | None, str]]:
    with app.state.security.db.unit_of_work() as s:
        rows = s.scalars(sa.select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id))
        return [(e.patient_id, e.outcome) for e in rows if e.action != "sign_in"]


def _refused_and_audited(world, url: str, patient_id: int) -> None:
    app, client = world["app"], world["client"]
    before = _last_audit_id(app)
    r = client.get(url)
    assert r.status_code in (400, 403), f"{url} answered {r.status_code}: {r.text[:200]}"
    if r.status_code == 403:
        nhs = world["people"][patient_id]
        assert nhs not in r.text and f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" not in r.text
        audit = _audit_since(app, before)
        assert audit, f"{url}: refused but not audited"
        assert all(pid == patient_id and outcome == "denied" for pid, outcome in audit), (url, audit)


@pytest.mark.parametrize(
    "spelling",
    ["999 088 7713", "9990887713 ", "|9990887713 ", f"{NHS_SYSTEM}| 9990887713"],
    ids=["spaces", "trailing-space", "empty-system", "system-and-space"],
)
def test_the_reported_spellings_of_another_teams_nhs_number_are_refused_and_audited(world, spelling):
    for pid, nhs in world["people"].items():
        # the reported spellings, applied to the real NHS numbers of someone outside the team
        text = spelling.replace("9990887713", nhs).replace("999 088 7713", f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}")
        _refused_and_audited(world, f"/fhir/Patient?identifier={quote(text)}", pid)


def test_an_nhs_number_in_full_width_digits_is_a_bad_request_not_a_match(world):
    nhs = next(iter(world["people"].values()))
    wide = "".join(chr(ord(c) + 0xFEE0) for c in nhs)
    r = world["client"].get(f"/fhir/Patient?identifier={quote(wide)}")
    assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome"


_SEPARATOR = st.sampled_from(["", " ", "  ", "\t", "-"])
_PAD = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def nhs_spellings(draw, nhs: str) -> str:
    """An NHS number as people and systems write it: separators between digits, padding, a system."""
    text = "".join(d + (draw(_SEPARATOR) if i in (2, 5) else "") for i, d in enumerate(nhs))
    system = draw(st.sampled_from(["", "|", f"{NHS_SYSTEM}|", f" {NHS_SYSTEM} |"]))
    return system + draw(_PAD) + text + draw(_PAD)


@st.composite
def id_spellings(draw, pid: int) -> str:
    zeros = "0" * draw(st.integers(0, 3))
    return draw(_PAD) + zeros + str(pid) + draw(_PAD)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_accepted_spelling_on_every_route_is_refused_outside_the_relationship(world, data):
    pid, nhs = data.draw(st.sampled_from(sorted(world["people"].items())))
    ident = quote(data.draw(nhs_spellings(nhs)))
    some_id = quote(data.draw(id_spellings(pid)))
    url = data.draw(
        st.sampled_from(
            [
                f"/fhir/Patient?identifier={ident}",
                f"/fhir/Patient?identifier={ident}&_id={some_id}",
                f"/fhir/Patient?_id={some_id}",
                f"/fhir/Patient/{some_id}",
                f"/fhir/Patient/{some_id}/$everything",
                f"/fhir/Condition?patient={some_id}",
                f"/fhir/Observation?subject=Patient/{some_id}",
                f"/fhir/MedicationRequest?patient=Patient/{some_id}",
                f"/fhir/Encounter?patient={some_id}",
                f"/fhir/EpisodeOfCare?patient={some_id}",
                f"/fhir/Condition/ce-{some_id}-0",
                f"/fhir/EpisodeOfCare/reg-{some_id}-0",
                f"/api/patients/{some_id}",
                f"/patients/{some_id}",
            ]
        )
    )
    _refused_and_audited(world, url, pid)


def test_the_patient_page_shows_the_nhs_number_as_people_read_it(world):
    pid, nhs = world["mine"]
    r = world["client"].get(f"/patients/{pid}")
    assert r.status_code == 200
    assert f"NHS number {nhs[:3]} {nhs[3:6]} {nhs[6:]}" in r.text
