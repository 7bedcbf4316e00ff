"""Hardening of the security area (the low-severity findings), each tested at its root, on SQLite and
PostgreSQL where a database is involved: audit rows cannot be replaced, a password reset or a
disabled account ends sessions, X-Forwarded-For is believed only from trusted proxies, every audit
line written during a web request records the client address, the password policy refuses weak
passwords, users get only real neighbourhoods, and an oversized chunked body gets 413."""

from __future__ import annotations

import ipaddress
import re

import httpx
import pytest
import sqlalchemy as sa

from nhc.errors import NhcError
from nhc.security.models import AuditEvent, UserSession
from nhc.security.passwords import check_policy, generate_password
from nhc.security.service import SecurityService, SignInError
from nhc.settings import Settings
from tests.security.conftest import PASSWORD

# What these tests check is new (request_context, resolve_client_ip, the deny list...), so it is
# imported inside each test: each then fails on its own, not the whole module, where it is missing.

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _audit(sec: SecurityService) -> list[AuditEvent]:
    with sec.db.unit_of_work() as s:
        return list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


# --- 1. audit rows cannot be overwritten ------------------------------------------------------------


def test_an_audit_row_cannot_be_replaced_in_the_database(security: SecurityService) -> None:
    security.record(None, "view_patient", outcome="success", patient_id=42)
    (row,) = _audit(security)
    dialect = security.db.engine.dialect.name
    if dialect == "sqlite":  # OR REPLACE deletes the old row without firing the DELETE trigger
        statements = [
            "INSERT OR REPLACE INTO audit_events (id, at, username, action, outcome) "
            "VALUES (:id, CURRENT_TIMESTAMP, 'mallory', 'forged', 'success')",
            "REPLACE INTO audit_events (id, at, username, action, outcome) "
            "VALUES (:id, CURRENT_TIMESTAMP, 'mallory', 'forged', 'success')",
        ]
    else:
        statements = []
    statements.append(
        "INSERT INTO audit_events (id, at, username, action, outcome) "
        "VALUES (:id, CURRENT_TIMESTAMP, 'mallory', 'forged', 'success') "
        "ON CONFLICT (id) DO UPDATE SET username = 'mallory', action = 'forged'"
    )
    for statement in statements:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), security.db.engine.begin() as conn:
            conn.execute(sa.text(statement), {"id": row.id})
    (after,) = _audit(security)
    assert (after.id, after.username, after.action, after.patient_id) == (
        row.id,
        "system",
        "view_patient",
        42,
    )
    security.record(None, "view_patient", outcome="success", patient_id=43)  # new rows still go in
    assert [e.patient_id for e in _audit(security)] == [42, 43]


# --- 2. a password reset or a disabled account ends the sessions -------------------------------------


def _live_sessions(sec: SecurityService, username: str) -> int:
    user = sec.get_user(username)
    with sec.db.unit_of_work() as s:
        return (
            s.scalar(
                sa.select(sa.func.count())
                .select_from(UserSession)
                .where(UserSession.user_id == user.id, UserSession.revoked.is_(False))
            )
            or 0
        )


def test_a_password_reset_ends_every_session_of_that_user_at_once(security: SecurityService) -> None:
    security.create_user("cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    security.create_user("tea", "Tea", "team_member", password=PASSWORD, neighbourhoods=["Banbury"])
    tokens = [security.sign_in("cli", PASSWORD, "10.0.0.1")[1] for _ in range(2)]
    other = security.sign_in("tea", PASSWORD, "10.0.0.2")[1]
    assert all(security.session(t) for t in [*tokens, other])  # now in the in-memory cache too
    security.set_password("cli", "a-brand-new-passphrase")
    assert [security.session(t) for t in tokens] == [None, None]  # not served from the cache
    assert _live_sessions(security, "cli") == 0
    assert security.session(other) is not None  # other users are not affected
    with pytest.raises(SignInError):
        security.sign_in("cli", PASSWORD, "10.0.0.1")
    assert security.sign_in("cli", "a-brand-new-passphrase", "10.0.0.1")[0].username == "cli"
    reset = [e for e in _audit(security) if e.action == "password_set"]
    assert len(reset) == 1 and reset[0].detail == "sessions ended=2"


def test_disabling_an_account_ends_its_sessions_and_enabling_lets_it_back(security: SecurityService) -> None:
    security.create_user("cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    _, token = security.sign_in("cli", PASSWORD, "10.0.0.1")
    assert security.session(token) is not None
    view = security.set_active("cli", False)
    assert not view.active and security.session(token) is None and _live_sessions(security, "cli") == 0
    with pytest.raises(SignInError):
        security.sign_in("cli", PASSWORD, "10.0.0.1")
    assert security.set_active("cli", True).active
    _, token = security.sign_in("cli", PASSWORD, "10.0.0.1")
    assert security.session(token) is not None
    actions = [(e.action, e.resource) for e in _audit(security) if e.action.startswith("user_")]
    assert actions == [
        ("user_created", "user:cli"),
        ("user_disabled", "user:cli"),
        ("user_enabled", "user:cli"),
    ]
    with pytest.raises(NhcError, match="no user"):
        security.set_active("nobody", False)


def test_the_command_line_disables_enables_and_resets(security: SecurityService, monkeypatch) -> None:
    import typer
    from typer.testing import CliRunner

    from nhc.cli import web as cli_web

    security.create_user("cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    monkeypatch.setattr(cli_web, "_security", lambda data: security)
    app = typer.Typer()
    app.callback()(lambda: None)
    cli_web.register(app)
    runner = CliRunner()
    _, token = security.sign_in("cli", PASSWORD, "10.0.0.1")
    assert runner.invoke(app, ["users", "disable", "cli"]).exit_code == 0
    assert security.session(token) is None and not security.get_user("cli").active
    assert runner.invoke(app, ["users", "enable", "cli"]).exit_code == 0
    _, token = security.sign_in("cli", PASSWORD, "10.0.0.1")
    r = runner.invoke(app, ["users", "set-password", "cli", "--password", "another-long-passphrase"])
    assert r.exit_code == 0, r.output
    assert security.session(token) is None
    assert security.sign_in("cli", "another-long-passphrase", "10.0.0.1")[0].username == "cli"


# --- 3. X-Forwarded-For only from trusted proxies -----------------------------------------------------


def _nets(*values: str) -> tuple:
    return tuple(ipaddress.ip_network(v) for v in values)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("127.0.0.1", ["6.6.6.6"], (), "127.0.0.1"),  # no trusted proxies: the header is ignored
        ("203.0.113.9", ["6.6.6.6"], ("127.0.0.1/32",), "203.0.113.9"),  # peer is not a proxy
        ("127.0.0.1", ["198.51.100.7"], ("127.0.0.1/32",), "198.51.100.7"),
        # the client's own (forged) entries are left of the one the proxy appended
        ("10.0.0.5", ["6.6.6.6, 198.51.100.7"], ("10.0.0.0/8",), "198.51.100.7"),
        ("10.0.0.5", ["6.6.6.6, 198.51.100.7, 10.0.0.9"], ("10.0.0.0/8",), "198.51.100.7"),
        ("10.0.0.5", ["6.6.6.6", "198.51.100.7:5123"], ("10.0.0.0/8",), "198.51.100.7"),
        ("10.0.0.5", ["not-an-address"], ("10.0.0.0/8",), "10.0.0.5"),
        ("10.0.0.5", [], ("10.0.0.0/8",), "10.0.0.5"),
        ("::1", ["2001:db8::7"], ("::1/128",), "2001:db8::7"),
        ("testclient", ["6.6.6.6"], ("127.0.0.1/32",), "testclient"),
        (None, ["6.6.6.6"], ("127.0.0.1/32",), "unknown"),
    ],
)
def test_client_address_is_the_peer_unless_it_is_a_trusted_proxy(peer, forwarded, trusted, expected) -> None:
    from nhc.web.middleware import resolve_client_ip

    assert resolve_client_ip(peer, forwarded, _nets(*trusted)) == expected


def test_trusted_proxies_setting_is_read_from_the_environment_and_checked() -> None:
    assert Settings.from_env({}).trusted_proxies == ()
    s = Settings.from_env({"NHC_TRUSTED_PROXIES": " 10.0.0.5, 10.1.0.0/16 "})
    assert s.trusted_proxies == ("10.0.0.5/32", "10.1.0.0/16")
    assert ipaddress.ip_address("10.1.2.3") in s.trusted_proxy_networks[1]
    with pytest.raises(NhcError, match="not an IP address or network"):
        Settings.from_env({"NHC_TRUSTED_PROXIES": "proxy.example"})


def test_serve_lets_uvicorn_believe_forwarded_headers_only_from_trusted_proxies(
    monkeypatch, tmp_path
) -> None:
    import typer
    import uvicorn
    from typer.testing import CliRunner

    from nhc.cli import web as cli_web

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    monkeypatch.setattr(cli_web, "_security", lambda data: None)
    monkeypatch.delenv("NHC_TRUSTED_PROXIES", raising=False)
    app = typer.Typer()
    app.callback()(lambda: None)
    cli_web.register(app)
    assert CliRunner().invoke(app, ["serve", "--data", str(tmp_path)]).exit_code == 0
    monkeypatch.setenv("NHC_TRUSTED_PROXIES", "10.0.0.5,10.1.0.0/16")
    assert CliRunner().invoke(app, ["serve", "--data", str(tmp_path)]).exit_code == 0
    assert calls[0]["proxy_headers"] is False  # uvicorn's default would trust any local process
    assert calls[1]["proxy_headers"] is True and calls[1]["forwarded_allow_ips"] == "10.0.0.5/32,10.1.0.0/16"


def _web_app(db_url: str, tmp_path, trusted: tuple[str, ...] = ()):
    from nhc.web.app import create_app

    extra = {"trusted_proxies": trusted} if trusted else {}
    app = create_app(Settings(data_dir=tmp_path, database_url=db_url, **extra))
    if app.state.security.get_user("cli") is None:
        app.state.security.create_user(
            "cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=["Banbury"]
        )
    return app


def _failed_sign_in_ip(app, peer: str, forwarded: str) -> str | None:
    from fastapi.testclient import TestClient

    c = TestClient(app, client=(peer, 50000), follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
    r = c.post(
        "/sign-in",
        data={"username": "cli", "password": "wrong-password-123", "csrf_token": token, "next": "/"},
        headers={"X-Forwarded-For": forwarded},
    )
    assert r.status_code == 401, r.text
    return [e for e in _audit(app.state.security) if e.action == "sign_in"][-1].ip


def test_a_forged_forwarded_for_does_not_change_the_audited_address(db_url, tmp_path) -> None:
    app = _web_app(db_url, tmp_path)
    try:
        assert _failed_sign_in_ip(app, "127.0.0.1", "6.6.6.6") == "127.0.0.1"
    finally:
        app.state.security.db.dispose()
    app = _web_app(db_url, tmp_path, trusted=("127.0.0.1",))
    try:
        assert _failed_sign_in_ip(app, "127.0.0.1", "6.6.6.6, 198.51.100.7") == "198.51.100.7"
    finally:
        app.state.security.db.dispose()


# --- 4. every audit line written during a web request has the client address -------------------------


def test_the_request_context_binds_the_address_only_inside_the_block() -> None:
    from nhc.security.request_context import client_ip_bound, current_client_ip

    assert current_client_ip() is None
    with client_ip_bound("198.51.100.7"):
        assert current_client_ip() == "198.51.100.7"
    assert current_client_ip() is None


def test_an_explicit_address_wins_and_none_outside_a_request(security: SecurityService) -> None:
    from nhc.security.request_context import client_ip_bound

    security.record(None, "batch_job", outcome="success")
    with client_ip_bound("198.51.100.7"):
        security.record(None, "in_request", outcome="success")
        security.record(None, "explicit", outcome="success", ip="10.9.9.9")
    assert [(e.action, e.ip) for e in _audit(security)] == [
        ("batch_job", None),
        ("in_request", "198.51.100.7"),
        ("explicit", "10.9.9.9"),
    ]


@pytest.fixture(scope="module")
def care_lake(tmp_path_factory):
    from tests.web.fixture_lake import write_fixture_lake

    return write_fixture_lake(tmp_path_factory.mktemp("hardening-lake") / "lake")


def test_a_care_write_through_the_web_records_the_client_address(care_lake, db_url, tmp_path) -> None:
    from fastapi.testclient import TestClient

    from tests.care.web_support import make_app, worklist_patients

    app = make_app(care_lake.root, db_url, tmp_path)
    try:
        c = TestClient(app, client=("198.51.100.7", 50000), follow_redirects=False)
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
        form = {"username": "lead", "password": PASSWORD, "csrf_token": token, "next": "/"}
        assert c.post("/sign-in", data=form).status_code == 303
        before = max(e.id for e in _audit(app.state.security))
        h = {"X-CSRF-Token": c.get("/api/care/csrf").json()["csrf_token"]}
        pid = worklist_patients(care_lake)[0]
        r = c.post(
            "/api/care/Banbury/admissions",
            json={"patient_id": pid, "worklist": "high_admission_risk"},
            headers=h,
        )
        assert r.status_code == 201, r.text
        written = [e for e in _audit(app.state.security) if e.id > before]
        assert written and any(e.patient_id == pid for e in written)
        assert {e.ip for e in written} == {"198.51.100.7"}, [(e.action, e.ip) for e in written]
    finally:
        app.state.security.db.dispose()


# --- 5. password policy --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12 characters"),
        (" " * 12, "not only spaces"),
        ("\t \n" * 4, "not only spaces"),
        ("samepwsamepw", "same few characters repeated"),
        ("abcabcabcabc", "same few characters repeated"),
        ("password1234", "commonly used"),
        ("PASSWORD1234", "commonly used"),
        ("qwertyuiop123", "commonly used"),
        ("!!iloveyou2024!!", "commonly used"),
        ("1q2w3e4r5t6y", "commonly used"),
        ("x" * 1025, "at most 1,024 characters"),
    ],
)
def test_weak_passwords_are_refused_with_what_to_change(password: str, message: str) -> None:
    with pytest.raises(NhcError, match=message):
        check_policy(password)


def test_a_password_may_not_be_or_contain_the_username(security: SecurityService) -> None:
    for password in ("drwatson-fixture", "my-DrWatson-horse-staple"):
        with pytest.raises(NhcError, match="does not contain your username"):
            security.create_user(
                "DrWatson", "Dr W", "clinician", password=password, neighbourhoods=["Banbury"]
            )
    with pytest.raises(NhcError, match="does not contain your username"):
        check_policy("jojojo-is-a-long-passphrase-really", "jo" * 3)
    check_policy("a-reasonable-passphrase", "a")  # a one-letter username is only refused as a whole
    security.create_user("ana", "Ana", "analyst", password=PASSWORD)
    with pytest.raises(NhcError, match="does not contain your username"):
        security.set_password("ana", "ana-the-analyst-2026")
    with pytest.raises(NhcError, match="commonly used"):
        security.set_password("ana", "password1234")


def test_the_passwords_used_by_tests_and_demos_pass() -> None:
    for password in (PASSWORD, "a-long-enough-password", "benchmark-password-123", "a-brand-new-passphrase"):
        check_policy(password, "cli")
    for _ in range(200):
        check_policy(generate_password(), "clinician")


def test_the_deny_list_is_shipped_with_its_provenance() -> None:
    from nhc.security.passwords import COMMON_PASSWORDS_FILE, common_passwords

    common = common_passwords()
    assert len(common) > 9_000 and {"password", "123456", "iloveyou", "password1234"} <= common
    header = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.startswith("# ") and not any(p.startswith("# ") for p in common)
    assert "provenance" in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8")[:2000].lower()


def test_demo_users_get_passwords_that_meet_the_policy(monkeypatch) -> None:
    from nhc.cli import web as cli_web

    for username, *_ in cli_web.DEMO_USERS:
        check_policy(cli_web._demo_password(username), username)


# --- 6. users get only real neighbourhoods -------------------------------------------------------------


def test_unknown_neighbourhoods_are_refused_and_known_ones_spelt_canonically(
    security: SecurityService,
) -> None:
    with pytest.raises(NhcError, match="no neighbourhood called 'Atlantis'"):
        security.create_user(
            "cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=["Banbury", "Atlantis"]
        )
    assert security.get_user("cli") is None
    view = security.create_user(
        "cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=["east  oxford", "Headington", "Witney"]
    )
    assert view.neighbourhoods == ("East Oxford", "Headington", "Witney")
    principal, _ = security.sign_in("cli", PASSWORD, "10.0.0.1")
    assert principal.neighbourhoods == {"East Oxford", "Headington", "Witney"}


# --- 7. an oversized chunked body gets 413 -------------------------------------------------------------


def _post_chunked(base: str, path: str, chunks: int, content_type: str) -> httpx.Response:
    """A real chunked request (a body of unknown length) to a real server."""

    def body():
        for _ in range(chunks):
            yield b"a=" + b"x" * 10_000

    with httpx.Client(base_url=base, timeout=30) as c:
        return c.post(path, content=body(), headers={"content-type": content_type})


def test_an_oversized_chunked_body_gets_413(db_url, tmp_path) -> None:
    from tests.care.web_support import live_server

    app = _web_app(db_url, tmp_path)
    try:
        with live_server(app) as base:
            r = _post_chunked(base, "/sign-in", 20, "application/x-www-form-urlencoded")
            assert r.request.headers.get("transfer-encoding") == "chunked"
            assert r.status_code == 413 and "Request too large" in r.text
            r = _post_chunked(base, "/api/care/Banbury/admissions", 20, "application/json")
            assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
            # a small chunked body still reaches the app (the CSRF check refuses it, with 400)
            r = _post_chunked(base, "/sign-in", 1, "application/x-www-form-urlencoded")
            assert r.status_code == 400 and "Your form expired" in r.text
    finally:
        app.state.security.db.dispose()
