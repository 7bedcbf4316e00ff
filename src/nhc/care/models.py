"""Tables of the integrated neighbourhood team on the operational database (``nhc.db.Base``).

Staff and absences; virtual-ward episodes (the caseload) and their clinician assignments (history);
allocation runs (proposals from the optimiser) and their items; recorded events (deterioration);
MDT meetings and agenda items; care plans with a version column (optimistic locking) and one
version row per save; tasks and referrals. Created by migration ``0002_care``.

The rows carry the domain's behaviour (:mod:`nhc.care.domain`, mixed in): a service changes an
episode, plan or task by calling its methods, so the rules are the same in memory and in storage.
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
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from nhc.care.domain import CarePlanRules, EpisodeRules, StaffRules, TaskRules
from nhc.db import Base, utcnow


class Staff(Base, StaffRules):
    __tablename__ = "care_staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(64))
    skills: Mapped[str] = mapped_column(String(500))  # comma-separated, sorted
    neighbourhood: Mapped[str] = mapped_column(String(200), index=True)
    locality: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int] = mapped_column(Integer)  # caseload points a week
    working_pattern: Mapped[str] = mapped_column(String(200), default="Mon-Fri")
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Absence(Base):
    __tablename__ = "care_absences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("care_staff.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[str] = mapped_column(String(150))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Episode(Base, EpisodeRules):
    """A stay on the caseload / virtual ward, from admission to discharge."""

    __tablename__ = "care_episodes"
    __table_args__ = (
        Index("ix_care_episodes_nb_status", "neighbourhood", "status"),
        # At most one open episode per person, guaranteed by the database (simultaneous admissions).
        Index(
            "uq_care_episodes_one_open_per_patient",
            "patient_id",
            unique=True,
            sqlite_where=text("status IN ('active', 'stepped_down')"),
            postgresql_where=text("status IN ('active', 'stepped_down')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(BigInteger, index=True)
    neighbourhood: Mapped[str] = mapped_column(String(200))
    locality: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(32))  # worklist | referral
    worklist: Mapped[str | None] = mapped_column(String(100), nullable=True)
    referral_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    risk_at_admission: Mapped[float | None] = mapped_column(Float, nullable=True)
    band_at_admission: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ae_at_admission: Mapped[int | None] = mapped_column(Integer, nullable=True)  # A&E attendances, 12 months
    needs: Mapped[str] = mapped_column(String(500))  # skills, comma-separated
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    admitted_on: Mapped[dt.date] = mapped_column(Date)
    review_due: Mapped[dt.date] = mapped_column(Date)
    discharged_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_staff.id", ondelete="SET NULL"), nullable=True
    )
    admitted_by: Mapped[str] = mapped_column(String(150))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Assignment(Base):
    """Who looked after an episode, when, and why (accepted proposal, override or re-balance)."""

    __tablename__ = "care_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("care_episodes.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("care_staff.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))  # proposal | override
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(150))
    why: Mapped[str | None] = mapped_column(Text, nullable=True)  # override justification
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class AllocationRun(Base):
    """One proposal of the optimiser for a neighbourhood's caseload."""

    __tablename__ = "care_allocation_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    neighbourhood: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # allocate | rebalance
    method: Mapped[str] = mapped_column(String(100))
    solver_status: Mapped[str] = mapped_column(String(32))
    objective: Mapped[int] = mapped_column(Integer)
    bound: Mapped[float] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(32))  # proposed | accepted | superseded
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(150), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class AllocationItem(Base):
    __tablename__ = "care_allocation_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("care_allocation_runs.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("care_episodes.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_staff.id", ondelete="CASCADE"), nullable=True
    )
    previous_staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cost: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text)


class CareEvent(Base):
    """Something that happened to a patient on the caseload (A&E attendance, fall...)."""

    __tablename__ = "care_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("care_episodes.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(64))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    detail: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(150))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Meeting(Base):
    __tablename__ = "care_mdt_meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    neighbourhood: Mapped[str] = mapped_column(String(200), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AgendaItem(Base):
    __tablename__ = "care_mdt_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("care_mdt_meetings.id", ondelete="CASCADE"), index=True
    )
    episode_id: Mapped[int] = mapped_column(ForeignKey("care_episodes.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[str] = mapped_column(String(200))  # comma-separated AGENDA_REASONS keys
    detail: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(150), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class CarePlan(Base, CarePlanRules):
    """The current version of a personalised care plan; every save also writes a :class:`CarePlanVersion`."""

    __tablename__ = "care_plans"
    # One current plan per episode, guaranteed by the database (simultaneous first saves).
    __table_args__ = (
        Index(
            "uq_care_plans_one_current_per_episode",
            "episode_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(BigInteger, index=True)
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_episodes.id", ondelete="SET NULL"), nullable=True
    )
    neighbourhood: Mapped[str] = mapped_column(String(200))
    what_matters: Mapped[str] = mapped_column(Text)
    goals: Mapped[str] = mapped_column(Text)  # JSON list of strings
    actions: Mapped[str] = mapped_column(Text)  # JSON list of {action, owner, due}
    review_date: Mapped[dt.date] = mapped_column(Date)
    shared_with_patient: Mapped[bool] = mapped_column(Boolean, default=False)
    share_token: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    status: Mapped[str] = mapped_column(String(32), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(150))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CarePlanVersion(Base):
    __tablename__ = "care_plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version", name="uq_care_plan_versions_plan_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)  # JSON snapshot of the plan at this version
    saved_by: Mapped[str] = mapped_column(String(150))
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Task(Base, TaskRules):
    """A task for a person, or a referral between services (``kind``)."""

    __tablename__ = "care_tasks"
    __table_args__ = (Index("ix_care_tasks_nb_status", "neighbourhood", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # task | referral
    neighbourhood: Mapped[str] = mapped_column(String(200))
    patient_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_episodes.id", ondelete="SET NULL"), nullable=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_mdt_items.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    from_service: Mapped[str | None] = mapped_column(String(64), nullable=True)
    to_service: Mapped[str | None] = mapped_column(String(64), nullable=True)
    owner_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_staff.id", ondelete="SET NULL"), nullable=True
    )
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
