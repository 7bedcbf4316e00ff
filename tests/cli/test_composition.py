"""The composition root builds each service once; the web app and the commands use those."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from nhc import bootstrap
from nhc.cli import app as nhc_app
from nhc.settings import Settings
from nhc.web.app import create_app


def test_one_database_and_one_security_service_behind_every_service(tmp_path: Path) -> None:
    services = bootstrap.build(Settings(data_dir=tmp_path))
    try:
        assert services.care.security is services.security and services.care.db is services.db
        assert services.patient_access.security is services.security
        assert services.security.db is services.db
    finally:
        services.close()


def test_the_web_app_holds_the_services_it_was_built_with(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    try:
        services = app.state.services
        assert app.state.security is services.security and app.state.insights is services.insights
        assert app.state.care is services.care  # built at start-up, not on the first care request
        assert app.state.care_installed is True
    finally:
        app.state.security.db.dispose()


def test_the_web_app_takes_its_secret_and_cookie_settings_from_settings(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, secret_key="from-settings", secure_cookies=True))
    try:
        assert app.state.secret_key == "from-settings" and app.state.force_secure_cookies is True
        assert not (tmp_path / bootstrap.SECRET_KEY_FILE).exists()
    finally:
        app.state.security.db.dispose()


def test_without_a_secret_key_one_is_kept_in_the_data_folder(tmp_path: Path) -> None:
    first = bootstrap.secret_key(Settings(data_dir=tmp_path))
    assert len(first) >= 48 and bootstrap.secret_key(Settings(data_dir=tmp_path)) == first
    assert (tmp_path / bootstrap.SECRET_KEY_FILE).stat().st_mode & 0o777 == 0o600


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: calls.append((target, kw)))
    # a copy of the environment, so what serve writes for its workers does not reach other tests
    monkeypatch.setattr(os, "environ", {**os.environ, "NHC_DATA": "", "NHC_SECRET_KEY": ""})
    return calls


def test_serve_hands_the_data_folder_to_the_app_as_a_value(tmp_path: Path, uvicorn_calls) -> None:
    r = CliRunner().invoke(nhc_app, ["serve", "--data", str(tmp_path)])
    assert r.exit_code == 0, r.output
    [(target, _)] = uvicorn_calls
    assert target.state.settings.data_dir == tmp_path
    assert os.environ["NHC_DATA"] == ""  # nothing written to the environment
    target.state.security.db.dispose()


def test_serve_with_workers_passes_the_settings_through_the_environment(
    tmp_path: Path, uvicorn_calls
) -> None:
    r = CliRunner().invoke(nhc_app, ["serve", "--workers", "2", "--data", str(tmp_path)])
    assert r.exit_code == 0, r.output
    [(target, kw)] = uvicorn_calls
    assert target == "nhc.web.asgi:app" and kw["workers"] == 2
    # each worker process builds the app from the environment, so it must name the data folder
    assert Settings.from_env().data_dir == tmp_path
