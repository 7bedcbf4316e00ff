"""``nhc clients create|list|revoke``: an administrator registers and revokes OAuth clients."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from nhc.cli_clients import clients_app
from nhc.db import Database
from nhc.security.service import SecurityService
from tests.fhir.smart_support import PASSWORD, new_key


def test_create_list_and_revoke_a_backend_client(tmp_path, monkeypatch):
    monkeypatch.setenv("NHC_DATA", str(tmp_path))
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    db = Database(f"sqlite:///{(tmp_path / 'nhc.sqlite3').resolve()}")
    db.upgrade()
    SecurityService(db).create_user("svc", "ICB platform", "team_member", password=PASSWORD)
    pem = tmp_path / "client.pem"
    pem.write_bytes(new_key().as_pem(private=False))
    runner = CliRunner()

    made = runner.invoke(
        clients_app,
        [
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
    assert made.exit_code == 0, made.output
    client = json.loads(made.output)
    assert client["kind"] == "system" and client["auth"] == "private_key_jwt"

    listed = json.loads(runner.invoke(clients_app, ["list", "--json"]).output)
    assert [c["client_id"] for c in listed] == [client["client_id"]] and not listed[0]["revoked"]

    assert runner.invoke(clients_app, ["revoke", client["client_id"]]).exit_code == 0
    assert json.loads(runner.invoke(clients_app, ["list", "--json"]).output)[0]["revoked"]


def test_usage_errors_exit_2_with_a_message(tmp_path, monkeypatch):
    monkeypatch.setenv("NHC_DATA", str(tmp_path))
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    runner = CliRunner()
    wrong_scope = runner.invoke(
        clients_app, ["create", "--name", "X", "--scope", "patient/*.read", "--user", "u"]
    )
    assert wrong_scope.exit_code == 2 and "system client cannot" in wrong_scope.output
    unknown = runner.invoke(clients_app, ["revoke", "nope"])
    assert unknown.exit_code == 2 and "no client" in unknown.output
