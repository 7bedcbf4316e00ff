"""``nhc explain`` is a person-level read: decided and audited like the patient page.

Without ``--as`` the operator reads, audited as ``system``; with ``--as USER`` the one access
decision applies to that account (role, then neighbourhood, caseload or break-glass), audited
under it, and a refusal shows nothing about the person.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nhc import bootstrap
from nhc.cli import main
from nhc.cli.analytics import principal_of
from nhc.security.service import AuditView
from nhc.settings import Settings
from tests.cli.conftest import PEOPLE, UNKNOWN_NHS_NUMBER

PASSWORD = "correct-horse-battery-staple"
BANBURY_NUMBER, WITNEY_NUMBER = PEOPLE[1][0], PEOPLE[3][0]


def _nhc(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


@pytest.fixture
def services(analysed_data: Path):
    svc = bootstrap.build(Settings(data_dir=analysed_data))
    sec = svc.security
    sec.create_user("cli", "Cli Clinician", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    sec.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    sec.create_user("adm", "Adm Admin", "admin", password=PASSWORD)
    yield svc
    svc.close()


def _reads(services, patient_id: int | None = None) -> list[AuditView]:
    events, _ = services.security.audit_events(
        principal_of(services, "adm"), action="view_patient", patient_id=patient_id
    )
    return events


def test_the_operator_read_is_audited_as_system(services, capsys) -> None:
    data = str(services.settings.data_dir)
    code, out, err = _nhc(capsys, "explain", BANBURY_NUMBER, "--json", "--data", data)
    assert code == 0, err
    assert json.loads(out)["patient_id"] == 1
    [event] = _reads(services, 1)
    assert (event.username, event.outcome, event.resource) == ("system", "success", "cli:explain:1")
    assert event.detail.startswith("basis=operator")


def test_a_named_user_reads_through_the_access_decision(services, capsys) -> None:
    data = str(services.settings.data_dir)
    code, out, err = _nhc(capsys, "explain", BANBURY_NUMBER, "--as", "cli", "--json", "--data", data)
    assert code == 0, err
    assert json.loads(out)["name"] == "Ada Banbury-Person"
    [event] = _reads(services, 1)
    assert (event.username, event.role, event.outcome) == ("cli", "clinician", "success")
    assert event.detail == "basis=neighbourhood"


def test_a_user_without_a_relationship_is_refused_and_sees_nothing(services, capsys) -> None:
    data = str(services.settings.data_dir)
    code, out, err = _nhc(capsys, "explain", WITNEY_NUMBER, "--as", "cli", "--data", data)
    assert code == 2
    assert out == ""  # not the name, not a table
    assert err.count("\n") == 1 and "legitimate relationship" in err and "Traceback" not in err
    [event] = _reads(services, 3)
    assert (event.username, event.outcome) == ("cli", "denied")


def test_an_analyst_cannot_read_a_person(services, capsys) -> None:
    data = str(services.settings.data_dir)
    code, out, err = _nhc(capsys, "explain", BANBURY_NUMBER, "--as", "ana", "--data", data)
    assert code == 2 and out == ""
    assert "cannot see information about individual people" in err
    [event] = _reads(services, 1)
    assert (event.username, event.outcome) == ("ana", "denied")


def test_an_unknown_number_is_an_audited_miss(services, capsys) -> None:
    data = str(services.settings.data_dir)
    code, out, err = _nhc(capsys, "explain", UNKNOWN_NHS_NUMBER, "--data", data)
    assert code == 2 and out == ""
    assert f"no patient with NHS number {UNKNOWN_NHS_NUMBER}" in err
    [event] = _reads(services)
    assert (event.username, event.outcome, event.patient_id) == ("system", "not_found", None)


def test_an_impossible_number_reads_no_one_and_is_not_audited(services, capsys) -> None:
    data = str(services.settings.data_dir)
    code, _, err = _nhc(capsys, "explain", "1234567890", "--data", data)
    assert code == 2 and "not a valid NHS number" in err
    assert _reads(services) == []


def test_an_unknown_account_is_refused_before_reading(services, capsys) -> None:
    data = str(services.settings.data_dir)
    code, out, err = _nhc(capsys, "explain", BANBURY_NUMBER, "--as", "nobody", "--data", data)
    assert code == 2 and out == ""
    assert "no active user 'nobody'" in err and "nhc users list" in err
    assert _reads(services) == []
