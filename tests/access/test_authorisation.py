"""Booking and cancelling by a person: the relationship decision and the audit line are in the
booking's transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from nhc.access.domain import ServiceType, SlotStatus
from nhc.access.services import AccessService, SlotQuery
from nhc.db import Database
from nhc.security.models import AuditEvent
from nhc.security.roles import Principal, Role
from nhc.security.service import AccessDenied, SecurityService
from tests.access.conftest import NOW

NORTH = Principal(1, "north", "North navigator", Role.TEAM_MEMBER, frozenset({"North Town"}))
SOUTH = Principal(2, "south", "South navigator", Role.TEAM_MEMBER, frozenset({"South Vale"}))


@pytest.fixture
def guarded(db: Database, access: AccessService) -> AccessService:
    return AccessService(db, clock=lambda: NOW, security=SecurityService(db))


def _audit(db: Database, action: str) -> list[tuple[str, str, int | None]]:
    with db.unit_of_work() as s:
        rows = s.execute(
            sa.select(AuditEvent.username, AuditEvent.outcome, AuditEvent.patient_id)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return [tuple(r) for r in rows]


def _slot(service: AccessService) -> str:
    query = SlotQuery(service_type=ServiceType.GP, hub_id="hub-north-town", limit=1)
    return service.search(query)[0][0].id


def test_a_team_member_of_the_neighbourhood_books_and_the_booking_is_audited(
    db: Database, guarded: AccessService
) -> None:
    appointment = guarded.book(
        _slot(guarded), patient_id=42, practice_code="K1", booking_organisation="K1", principal=NORTH
    )
    assert appointment.booked_by == "north"
    assert _audit(db, "access_book") == [("north", "success", 42), ("north", "success", 42)]
    guarded.cancel(appointment.id, principal=NORTH)
    assert [o for _, o, _ in _audit(db, "access_cancel")] == ["success", "success"]


def test_a_user_without_a_relationship_is_refused_and_nothing_is_booked(
    db: Database, guarded: AccessService
) -> None:
    slot = _slot(guarded)
    with pytest.raises(AccessDenied):
        guarded.book(slot, patient_id=42, practice_code="K1", booking_organisation="K1", principal=SOUTH)
    assert guarded.slot(slot).status is SlotStatus.FREE
    assert _audit(db, "access_book") == [("south", "denied", 42)]


def test_the_loser_of_a_booking_is_audited_as_a_conflict(db: Database, guarded: AccessService) -> None:
    slot = _slot(guarded)
    guarded.book(slot, patient_id=1, practice_code="K1", booking_organisation="K1", principal=NORTH)
    with pytest.raises(Exception, match="just taken"):
        guarded.book(slot, patient_id=2, practice_code="K2", booking_organisation="K2", principal=NORTH)
    assert ("north", "conflict", 2) in _audit(db, "access_book")
