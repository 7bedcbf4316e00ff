"""``nhc clients create|list|revoke``: an administrator registers and revokes OAuth clients."""

from __future__ import annotations

import json
import re

import pytest

from nhc.cli import main
from nhc.db import Database
from nhc.security.service import SecurityService
from tests.fhir.smart_support import PASSWORD, new_key


def _nhc(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``nhc clients ...`` as the console script does: (exit status, stdout + stderr)."""
    try:
        main(["clients", *args])
        status = 0
    except SystemExit as exit_:
        status = exit_.code or 0
    out = capsys.readouterr()
    return status, out.out + out.err


def test_create_list_and_revoke_a_backend_client(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NHC_DATA", str(tmp_path))
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    db = Database(f"sqlite:///{(tmp_path / 'nhc.sqlite3').resolve()}")
    db.upgrade()
    SecurityService(db).create_user("svc", "ICB platform", "team_member", password=PASSWORD)
    pem = tmp_path / "client.pem"
    pem.write_bytes(new_key().as_pem(private=False))

    status, output = _nhc(
        capsys,
        *[
            "create",
            "--name",
            "ICB",
            "--scope",
            "system/*.read",
            "--public-key",
            str(pem),
            "--user",
            "svc",
            "--json",
        ],
    )
    assert status == 0, output
    client = json.loads(output)
    assert client["kind"] == "system" and client["auth"] == "private_key_jwt"

    listed = json.loads(_nhc(capsys, "list", "--json")[1])
    assert [c["client_id"] for c in listed] == [client["client_id"]] and not listed[0]["revoked"]

    revoked = _nhc(capsys, "revoke", client["client_id"])
    assert revoked[0] == 0, revoked[1]
    assert json.loads(_nhc(capsys, "list", "--json")[1])[0]["revoked"]


def test_usage_errors_exit_2_with_a_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NHC_DATA", str(tmp_path))
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    status, output = _nhc(capsys, "create", "--name", "X", "--scope", "patient/*.read", "--user", "u")
    assert status == 2 and "system client cannot" in output
    status, output = _nhc(capsys, "revoke", "nope")
    assert status == 2 and "no client" in output


def test_client_ids_can_be_typed_on_a_command_line(tmp_path, monkeypatch, capsys):
    """A client id never starts with "-", which `nhc clients revoke <id>` would read as an option."""
    monkeypatch.setenv("NHC_DATA", str(tmp_path))
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    db = Database(f"sqlite:///{(tmp_path / 'nhc.sqlite3').resolve()}")
    db.upgrade()
    SecurityService(db).create_user("svc", "ICB platform", "team_member", password=PASSWORD)
    pem = tmp_path / "client.pem"
    pem.write_bytes(new_key().as_pem(private=False))
    for n in range(40):
        status, output = _nhc(
            capsys,
            "create",
            "--name",
            f"C{n}",
            "--scope",
            "system/*.read",
            "--public-key",
            str(pem),
            "--user",
            "svc",
            "--json",
        )
        assert status == 0, output
        assert re.fullmatch(r"[0-9a-f]{32}", json.loads(output)["client_id"])
