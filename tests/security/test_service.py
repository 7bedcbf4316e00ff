"""Security rules on SQLite and PostgreSQL: accounts, sign-in and lock-out, sessions, legitimate
relationships, break-glass expiry and the append-only audit log."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
import sqlalchemy as sa

import nhc.security
from nhc.errors import NhcError
from nhc.insights.access import PatientAccess
from nhc.security import service as service_module
from nhc.security.models import AuditEvent, BreakGlass, CareRelationship, SignInAttempt, User, UserSession
from nhc.security.roles import Role
from nhc.security.service import AccessDenied, SecurityService, SignInError
from tests.security.conftest import PASSWORD


def _users(sec: SecurityService):
    sec.create_user("ana", "Ana", "analyst", password=PASSWORD)
    sec.create_user("cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    sec.create_user("tea", "Tea", "team_member", password=PASSWORD, neighbourhoods=["Banbury"])
    sec.create_user("adm", "Adm", "admin", password=PASSWORD)
    return {u: sec.sign_in(u, PASSWORD, "10.0.0.1")[0] for u in ("ana", "cli", "tea", "adm")}


def _audit(sec: SecurityService) -> list[AuditEvent]:
    with sec.db.unit_of_work() as s:
        return list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


def test_passwords_are_argon2id_and_policy_enforced(security: SecurityService) -> None:
    security.create_user("ana", "Ana", "analyst", password=PASSWORD)
    with security.db.unit_of_work() as s:
        assert s.scalar(sa.select(User.password_hash)).startswith("$argon2id$")
    with pytest.raises(NhcError, match="at least 12"):
        security.create_user("bob", "Bob", "analyst", password="short")
    with pytest.raises(NhcError, match="already exists"):
        security.create_user("ana", "Ana", "analyst", password=PASSWORD)
    with pytest.raises(NhcError, match="unknown role"):
        security.create_user("eve", "Eve", "superuser", password=PASSWORD)


def test_sign_in_session_and_sign_out(security: SecurityService, clock) -> None:
    security.create_user("cli", "Cli", "clinician", password=PASSWORD, neighbourhoods=["Banbury", "Bicester"])
    principal, token = security.sign_in("cli", PASSWORD, "10.0.0.1")
    assert principal.role is Role.CLINICIAN and principal.neighbourhoods == {"Banbury", "Bicester"}
    found = security.session(token)
    assert found is not None and found[0].username == "cli" and len(found[1]) == 64
    assert security.session("not-a-token") is None
    clock.advance(minutes=61)  # idle timeout
    assert security.session(token) is None
    _, token = security.sign_in("cli", PASSWORD, "10.0.0.1")
    security.sign_out(token)
    assert security.session(token) is None
    with pytest.raises(SignInError, match="correct username and password"):
        security.sign_in("cli", "wrong-password-123", "10.0.0.1")
    with pytest.raises(SignInError):
        security.sign_in("nobody", PASSWORD, "10.0.0.1")


def test_absolute_session_lifetime(security: SecurityService, clock) -> None:
    security.create_user("ana", "Ana", "analyst", password=PASSWORD)
    _, token = security.sign_in("ana", PASSWORD, "10.0.0.1")
    for _ in range(9):  # keep it active, but 8 hours is the limit
        clock.advance(minutes=59)
        security.session(token)
    assert security.session(token) is None


def test_account_lockout_then_release(security: SecurityService, clock) -> None:
    security.create_user("cli", "Cli", "clinician", password=PASSWORD)
    for _ in range(5):
        with pytest.raises(SignInError) as exc:
            security.sign_in("cli", "wrong-password-123", "10.0.0.9")
        assert not exc.value.locked
    with pytest.raises(SignInError, match="Too many failed sign-in attempts") as exc:
        security.sign_in("cli", PASSWORD, "10.0.0.9")  # even the right password, while locked
    assert exc.value.locked
    clock.advance(minutes=16)
    assert security.sign_in("cli", PASSWORD, "10.0.0.9")[0].username == "cli"
    outcomes = [e.outcome for e in _audit(security) if e.action == "sign_in"]
    assert outcomes.count("failure") == 5 and "locked" in outcomes and outcomes[-1] == "success"


def test_ip_lockout_across_accounts(security: SecurityService) -> None:
    security.create_user("cli", "Cli", "clinician", password=PASSWORD)
    for i in range(20):
        with pytest.raises(SignInError):
            security.sign_in(f"guess{i}", "wrong-password-123", "10.6.6.6")
    with pytest.raises(SignInError) as exc:
        security.sign_in("cli", PASSWORD, "10.6.6.6")
    assert exc.value.locked
    assert security.sign_in("cli", PASSWORD, "10.0.0.1")[0].username == "cli"  # other addresses unaffected


def test_patient_access_rules_and_audit(security: SecurityService, clock) -> None:
    p = _users(security)
    for role in ("ana", "adm"):
        with pytest.raises(AccessDenied, match="individual people"):
            security.authorise_patient_read(p[role], 42, "Banbury")
    assert security.authorise_patient_read(p["cli"], 42, "Banbury").basis == "neighbourhood"
    assert security.authorise_patient_read(p["tea"], 42, "Banbury").basis == "neighbourhood"
    with pytest.raises(AccessDenied, match="legitimate relationship") as exc:
        security.authorise_patient_read(p["tea"], 43, "Witney")
    assert not exc.value.can_break_glass
    # a caseload relationship gives access outside the neighbourhood, until it ends
    security.add_relationship(p["tea"].user_id, 43, "caseload", ends_at=clock.now.replace(hour=17))
    assert security.authorise_patient_read(p["tea"], 43, "Witney").basis == "caseload"
    clock.advance(hours=9)
    with pytest.raises(AccessDenied):
        security.authorise_patient_read(p["tea"], 43, "Witney")
    views = [(e.username, e.patient_id, e.outcome) for e in _audit(security) if e.action == "view_patient"]
    assert views == [
        ("ana", 42, "denied"),
        ("adm", 42, "denied"),
        ("cli", 42, "success"),
        ("tea", 42, "success"),
        ("tea", 43, "denied"),
        ("tea", 43, "success"),
        ("tea", 43, "denied"),
    ]


def test_worklist_access(security: SecurityService) -> None:
    p = _users(security)
    security.audit_list_view(p["cli"], "Banbury", "worklist:Banbury", "1.2.3.4", 3)
    with pytest.raises(AccessDenied, match="not a member"):
        security.audit_list_view(p["cli"], "Witney", "worklist:Witney", "1.2.3.4", 0)
    with pytest.raises(AccessDenied, match="lists of individual people"):
        security.audit_list_view(p["ana"], "Banbury", "worklist:Banbury", "1.2.3.4", 0)
    assert [e.outcome for e in _audit(security) if e.action == "view_worklist"] == [
        "success",
        "denied",
        "denied",
    ]


def test_break_glass_reason_expiry_and_audit(security: SecurityService, clock) -> None:
    p = _users(security)
    with pytest.raises(AccessDenied, match="cannot use break-glass"):
        security.break_glass(p["tea"], 77, "Emergency in clinic today")
    with pytest.raises(NhcError, match="at least 10"):
        security.break_glass(p["cli"], 77, "because")
    grant = security.break_glass(p["cli"], 77, "Seen in urgent care, unconscious", "10.0.0.1")
    assert (grant.expires_at - grant.started_at).total_seconds() == 30 * 60
    assert security.authorise_patient_read(p["cli"], 77, "Witney").basis == "break-glass"
    assert [g.patient_id for g in security.active_break_glass(p["cli"])] == [77]
    with pytest.raises(AccessDenied):  # only that patient
        security.authorise_patient_read(p["cli"], 78, "Witney")
    clock.advance(minutes=31)
    assert security.active_break_glass(p["cli"]) == []
    with pytest.raises(AccessDenied):
        security.authorise_patient_read(p["cli"], 77, "Witney")
    bg = [e for e in _audit(security) if e.action == "break_glass"]
    assert [(e.username, e.outcome) for e in bg] == [("tea", "denied"), ("cli", "success")]
    assert bg[1].reason == "Seen in urgent care, unconscious" and bg[1].patient_id == 77


def test_audit_log_is_append_only(security: SecurityService) -> None:
    p = _users(security)
    security.record(p["cli"], "view_patient", outcome="success", patient_id=1)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), security.db.unit_of_work() as s:
        s.scalars(sa.select(AuditEvent)).first().outcome = "changed"
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), security.db.unit_of_work() as s:
        s.delete(s.scalars(sa.select(AuditEvent)).first())
    # the code offers no way to change or remove audit events
    for module in pkgutil.iter_modules(nhc.security.__path__):  # the facade and every part behind it
        source = inspect.getsource(importlib.import_module(f"nhc.security.{module.name}"))
        assert "delete(AuditEvent" not in source and "update(AuditEvent" not in source, module.name
    source = inspect.getsource(service_module)
    assert "delete(AuditEvent" not in source and "update(AuditEvent" not in source
    assert not [
        m for m in dir(SecurityService) if "audit" in m and any(w in m for w in ("delete", "update", "purge"))
    ]


def test_audit_events_for_admins_only(security: SecurityService) -> None:
    p = _users(security)
    security.authorise_patient_read(p["cli"], 5, "Banbury")
    with pytest.raises(AccessDenied):
        security.audit_events(p["cli"])
    events, total = security.audit_events(p["adm"], patient_id=5)
    assert total == 1 and events[0].username == "cli" and events[0].action == "view_patient"
    assert _audit(security)[-1].action == "view_audit"  # looking at the log is logged too


# --- a change and the audit line recording it are one transaction ------------------------------------


class AuditBroken(Exception):
    pass


def _break_audit(sec: SecurityService, monkeypatch, action: str, outcome: str = "success") -> None:
    """Make writing the audit line of ``action``/``outcome`` fail, as a full disk or a lost
    connection would, after the change it records has been added to the transaction."""
    write = sec.audit.write

    def failing(s, principal, act, **fields):
        if act == action and fields.get("outcome") == outcome:
            raise AuditBroken(f"cannot write the {action} audit line")
        write(s, principal, act, **fields)

    monkeypatch.setattr(sec.audit, "write", failing)


def _count(sec: SecurityService, model) -> int:
    with sec.db.unit_of_work() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_a_sign_in_whose_audit_line_fails_leaves_no_session_and_no_attempt(security, monkeypatch) -> None:
    security.create_user("cli", "Cli", "clinician", password=PASSWORD)
    _break_audit(security, monkeypatch, "sign_in")
    with pytest.raises(AuditBroken):
        security.sign_in("cli", PASSWORD, "10.0.0.1")
    assert (_count(security, UserSession), _count(security, SignInAttempt)) == (0, 0)
    monkeypatch.undo()
    principal, token = security.sign_in("cli", PASSWORD, "10.0.0.1")
    assert security.session(token)[0] == principal
    assert (_count(security, UserSession), _count(security, SignInAttempt)) == (1, 1)


def test_a_failed_sign_in_is_counted_only_with_its_audit_line(security, monkeypatch) -> None:
    security.create_user("cli", "Cli", "clinician", password=PASSWORD)
    _break_audit(security, monkeypatch, "sign_in", outcome="failure")
    with pytest.raises(AuditBroken):
        security.sign_in("cli", "wrong-password-123", "10.0.0.1")
    assert _count(security, SignInAttempt) == 0


def test_account_changes_are_kept_only_with_their_audit_lines(security, monkeypatch) -> None:
    security.create_user("cli", "Cli", "clinician", password=PASSWORD)
    _, token = security.sign_in("cli", PASSWORD, "10.0.0.1")
    _break_audit(security, monkeypatch, "user_created")
    with pytest.raises(AuditBroken):
        security.create_user("tea", "Tea", "team_member", password=PASSWORD)
    assert security.get_user("tea") is None
    _break_audit(security, monkeypatch, "password_set")
    with pytest.raises(AuditBroken):
        security.set_password("cli", "a-brand-new-passphrase")
    _break_audit(security, monkeypatch, "user_disabled")
    with pytest.raises(AuditBroken):
        security.set_active("cli", False)
    monkeypatch.undo()
    assert security.get_user("cli").active
    assert security.session(token) is not None  # neither the reset nor the disabling ended it
    assert security.sign_in("cli", PASSWORD, "10.0.0.2")[0].username == "cli"  # old password still works


def test_a_relationship_or_a_grant_is_kept_only_with_its_audit_line(security, monkeypatch) -> None:
    p = _users(security)
    _break_audit(security, monkeypatch, "relationship_added")
    with pytest.raises(AuditBroken):
        security.add_relationship(p["tea"].user_id, 43)
    _break_audit(security, monkeypatch, "break_glass")
    with pytest.raises(AuditBroken):
        security.break_glass(p["cli"], 77, "Seen in urgent care, unconscious")
    assert (_count(security, CareRelationship), _count(security, BreakGlass)) == (0, 0)
    monkeypatch.undo()
    with pytest.raises(AccessDenied):
        security.authorise_patient_read(p["tea"], 43, "Witney")
    assert security.active_break_glass(p["cli"]) == []


def test_a_read_is_decided_and_audited_in_one_transaction(security, monkeypatch) -> None:
    p = _users(security)
    security.add_relationship(p["tea"].user_id, 43, "referral")
    opened = []
    unit_of_work = security.db.unit_of_work
    monkeypatch.setattr(security.db, "unit_of_work", lambda: opened.append(1) or unit_of_work())
    assert security.authorise_patient_read(p["tea"], 43, "Witney").basis == "referral"
    with pytest.raises(AccessDenied):
        security.authorise_patient_read(p["tea"], 44, "Witney")
    assert len(opened) == 2  # one per read: the look-ups and the audit line together
    monkeypatch.undo()
    assert [(e.patient_id, e.outcome, e.detail) for e in _audit(security) if e.action == "view_patient"] == [
        (43, "success", "basis=referral"),
        (44, "denied", "basis=none"),
    ]


def test_a_decision_can_be_made_inside_the_callers_transaction(security) -> None:
    p = _users(security)
    with security.db.unit_of_work() as s:
        s.add(
            CareRelationship(
                user_id=p["tea"].user_id, patient_id=43, kind="task", started_at=security.clock()
            )
        )
        s.flush()
        inside = security.check_patient_access(p["tea"], 43, "Witney", session=s)
        outside = security.check_patient_access(p["tea"], 43, "Witney")
    assert (inside.allowed, inside.basis) == (True, "task")
    assert not outside.allowed  # not committed yet when it was asked


def test_the_parts_share_the_facades_clock_and_policy(security, clock) -> None:
    security.create_user("cli", "Cli", "clinician", password=PASSWORD)
    _, token = security.sign_in("cli", PASSWORD, "10.0.0.1")
    later = clock.now.replace(hour=12)
    security.clock = lambda: later  # three hours on: past the 60-minute idle limit
    assert security.session(token) is None
    security.policy = type(security.policy)(break_glass_min_reason=3)
    principal, _ = security.sign_in("cli", PASSWORD, "10.0.0.1")
    assert security.break_glass(principal, 9, "A&E").reason == "A&E"


def test_the_one_access_decision_decides_and_audits_a_request_in_one_transaction(
    security, monkeypatch
) -> None:
    """PatientAccess (pages, /api, /fhir): every id a request resolves to is decided and audited together."""
    p = _users(security)
    security.add_relationship(p["tea"].user_id, 43, "referral")
    access = PatientAccess(security, lambda pid: "Witney")
    opened = []
    unit_of_work = security.db.unit_of_work
    monkeypatch.setattr(security.db, "unit_of_work", lambda: opened.append(1) or unit_of_work())
    with pytest.raises(AccessDenied):
        access.authorise(p["tea"], frozenset({43, 44}), action="fhir_read", resource="Patient", ip=None)
    assert len(opened) == 1
    monkeypatch.undo()
    assert [(e.patient_id, e.outcome) for e in _audit(security) if e.action == "fhir_read"] == [
        (43, "success"),
        (44, "denied"),
    ]


def test_when_the_audit_cannot_be_written_the_read_is_refused_and_nothing_is_kept(
    security, monkeypatch
) -> None:
    p = _users(security)
    security.add_relationship(p["tea"].user_id, 43, "referral")
    access = PatientAccess(security, lambda pid: "Witney")
    before = len(_audit(security))

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(security, "record_in", broken)
    with pytest.raises(RuntimeError):
        access.authorise(p["tea"], frozenset({43}), action="fhir_read", resource="Patient", ip=None)
    monkeypatch.undo()
    assert len(_audit(security)) == before
