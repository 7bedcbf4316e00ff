"""The FHIR router mounted in the web app: our sign-in, clinical roles only, relationship checks and
audit on every person-level read; population-wide searches refused."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from nhc.security.models import AuditEvent
from nhc.settings import Settings
from nhc.web.app import create_app

pytestmark = [
    pytest.mark.xdist_group("web-browser"),
    pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient"),
]
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def fhir(county, tmp_path_factory):
    from fastapi.testclient import TestClient

    db = tmp_path_factory.mktemp("fhirdb") / "nhc.sqlite3"
    app = create_app(Settings(data_dir=county, database_url=f"sqlite:///{db}"))
    if not app.state.fhir_mounted:
        pytest.skip("nhc.fhir.api is not importable")
    svc = app.state.insights
    home = svc._rows("SELECT neighbourhood FROM pi GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0][0]
    mine = svc._rows("SELECT patient_id FROM pi WHERE neighbourhood = ? ORDER BY 1 LIMIT 1", [home])[0][0]
    other = svc._rows("SELECT patient_id FROM pi WHERE neighbourhood <> ? ORDER BY 1 LIMIT 1", [home])[0][0]
    nhs = svc._rows("SELECT nhs_number FROM people WHERE patient_id = ?", [mine])[0][0]
    app.state.security.create_user("cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=[home])
    app.state.security.create_user("ana", "Ana", "analyst", password=PASSWORD)

    def client(user=None):
        c = TestClient(app, follow_redirects=False)
        if user:
            tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
            assert (
                c.post(
                    "/sign-in", data={"username": user, "password": PASSWORD, "csrf_token": tok}
                ).status_code
                == 303
            )
        return c

    yield {"app": app, "client": client, "mine": mine, "other": other, "nhs": nhs}
    app.state.security.db.dispose()


def _audit(app) -> list[tuple]:
    with app.state.security.db.unit_of_work() as s:
        rows = s.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "fhir_read").order_by(AuditEvent.id)
        )
        return [(e.username, e.patient_id, e.outcome) for e in rows]


def test_fhir_needs_sign_in_and_a_clinical_role(fhir) -> None:
    r = fhir["client"]().get("/fhir/metadata")
    assert r.status_code == 401 and r.json()["resourceType"] == "OperationOutcome"
    ana = fhir["client"]("ana")
    assert ana.get("/fhir/metadata").status_code == 200
    r = ana.get(f"/fhir/Patient/{fhir['mine']}")
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/fhir+json")


def test_fhir_relationship_checks_and_audit(fhir) -> None:
    cli = fhir["client"]("cli")
    mine, other = fhir["mine"], fhir["other"]
    r = cli.get(f"/fhir/Patient/{mine}")
    assert r.status_code == 200 and r.json()["id"] == str(mine)
    assert cli.get(f"/fhir/Condition?patient={mine}").status_code == 200
    assert (
        cli.get(f"/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{fhir['nhs']}").status_code
        == 200
    )
    assert cli.get(f"/fhir/Patient/{other}").status_code == 403
    assert cli.get(f"/fhir/Patient/{other}/$everything").status_code == 403
    r = cli.get("/fhir/Condition?code=44054006")
    assert r.status_code == 403 and "one person" in r.json()["issue"][0]["diagnostics"]
    assert cli.get("/fhir/Patient/999999999").status_code == 403  # no relationship with an unknown id
    assert cli.get("/fhir/Patient/not-a-number").status_code == 404  # the router's own answer
    # Self-contained (tests may run on different workers): an analyst's refused read is audited too.
    assert fhir["client"]("ana").get(f"/fhir/Patient/{mine}").status_code == 403
    log = _audit(fhir["app"])
    assert ("cli", mine, "success") in log and ("cli", other, "denied") in log
    # The population-wide search names no one; the analyst's refused read names the person asked about
    # (audit rows carry the resolved patient id, so the read shows in that person's audit trail).
    assert ("cli", None, "denied") in log and ("ana", mine, "denied") in log
