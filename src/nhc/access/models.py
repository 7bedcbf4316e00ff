"""Tables of the access area (``nhc.db.Base``, ``acc_`` prefix): hubs, schedules, slots, appointments.

The rule that no slot is double-booked is the database's, not a check-then-insert:
``uq_acc_appointments_one_holding_per_slot`` is a partial unique index on ``slot_id`` over the
appointments that hold their slot (booked, arrived, fulfilled, noshow), on SQLite and PostgreSQL.
Created by migration ``0007_access``; visit requests by ``0010_access_visits``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from nhc.db import Base, utcnow

ID = 120
#: The SQL form of :data:`nhc.access.domain.HOLDING` (kept in step by a unit test).
HOLDING_SQL = "status IN ('booked', 'arrived', 'fulfilled', 'noshow')"


class HubRow(Base):
    __tablename__ = "acc_hubs"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    neighbourhood: Mapped[str] = mapped_column(String(200), index=True)
    locality: Mapped[str] = mapped_column(String(100))
    host_practice: Mapped[str] = mapped_column(String(10))
    practices: Mapped[str] = mapped_column(Text)  # comma-separated practice codes
    list_size: Mapped[int] = mapped_column(Integer)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class ScheduleRow(Base):
    __tablename__ = "acc_schedules"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    hub_id: Mapped[str] = mapped_column(ForeignKey("acc_hubs.id", ondelete="CASCADE"), index=True)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(ID), index=True)
    actor_name: Mapped[str] = mapped_column(String(300))
    service_type: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SlotRow(Base):
    __tablename__ = "acc_slots"
    __table_args__ = (
        Index("ix_acc_slots_status_start", "status", "start"),
        # Searches name a role: its free slots in time order without reading other roles' rows.
        Index("ix_acc_slots_role_status_start", "service_type", "status", "start"),
        Index("ix_acc_slots_schedule_start", "schedule_id", "start"),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    schedule_id: Mapped[str] = mapped_column(ForeignKey("acc_schedules.id", ondelete="CASCADE"))
    start: Mapped[dt.datetime] = mapped_column(DateTime)
    end: Mapped[dt.datetime] = mapped_column(DateTime)
    service_type: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))


class AppointmentRow(Base):
    __tablename__ = "acc_appointments"
    __table_args__ = (
        Index(
            "uq_acc_appointments_one_holding_per_slot",
            "slot_id",
            unique=True,
            sqlite_where=text(HOLDING_SQL),
            postgresql_where=text(HOLDING_SQL),
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot_id: Mapped[str] = mapped_column(ForeignKey("acc_slots.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(BigInteger, index=True)
    practice_code: Mapped[str] = mapped_column(String(10))
    booking_organisation: Mapped[str] = mapped_column(String(200))
    booked_by: Mapped[str] = mapped_column(String(150))
    status: Mapped[str] = mapped_column(String(20))
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    cancellation_reason: Mapped[str] = mapped_column(String(500), default="")


class VisitRequestRow(Base):
    """A home visit asked of the visiting service for one day (migration ``0010_access_visits``).

    The location is the centre of the person's neighbourhood moved a little and marked approximate:
    the synthetic county has no addresses."""

    __tablename__ = "acc_visit_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    visit_date: Mapped[dt.date] = mapped_column(Date, index=True)
    patient_id: Mapped[int] = mapped_column(BigInteger, index=True)
    neighbourhood: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    window_start: Mapped[int] = mapped_column(Integer)
    window_end: Mapped[int] = mapped_column(Integer)
    duration: Mapped[int] = mapped_column(Integer)
    skill: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(150))
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
