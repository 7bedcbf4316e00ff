"""Tables of social prescribing (``nhc.db.Base``, ``sp_`` prefix): referrals, the notices sent
back to referrers (migration ``0008_social_prescribing``) and the wellbeing measures taken on a
referral (migration ``0009_sp_wellbeing``: one per referral, kind and timepoint, the database's rule).

One open referral per person per service is the database's rule, not a check-then-insert:
``uq_sp_referrals_one_open`` is a partial unique index on ``(patient_id, service_id)`` over the
open referrals (sent, accepted), on SQLite and PostgreSQL. ``service_id`` names a directory service
without a foreign key: a directory import replaces the directory, and a referral outlives that.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
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

from nhc.db import Base

#: The SQL form of :data:`nhc.navigation.domain.referral.OPEN` (kept in step by a test).
OPEN_SQL = "status IN ('sent', 'accepted')"


class ReferralRow(Base):
    __tablename__ = "sp_referrals"
    __table_args__ = (
        Index(
            "uq_sp_referrals_one_open",
            "patient_id",
            "service_id",
            unique=True,
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(Integer, index=True)
    service_id: Mapped[str] = mapped_column(String(120), index=True)
    service_name: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    snomed_code: Mapped[str] = mapped_column(String(20))
    referred_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    what_matters: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    due_by: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    responded_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decline_reason: Mapped[str] = mapped_column(String(500), default="")
    for_capacity: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    outcome: Mapped[str] = mapped_column(Text, default="")


class NoticeRow(Base):
    __tablename__ = "sp_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("sp_referrals.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class WellbeingRow(Base):
    """One ONS4 or SWEMWBS questionnaire on a referral: the answers in item order (comma-separated),
    and for SWEMWBS the raw and metric scores as scored when recorded."""

    __tablename__ = "sp_wellbeing_measures"
    __table_args__ = (UniqueConstraint("referral_id", "kind", "timepoint", name="uq_sp_wellbeing_one"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("sp_referrals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    timepoint: Mapped[str] = mapped_column(String(20))
    answers: Mapped[str] = mapped_column(String(100))
    raw_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
