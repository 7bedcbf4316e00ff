"""Tables of the plans area (``nhc.db.Base``, ``plan_`` prefix): agreed versions of a neighbourhood's
priorities and their rows. Created by migration ``0011_plans``.

A version is never changed once agreed: a new agreement is a new version. Two leads agreeing at once
cannot both make version N: ``uq_plan_versions_neighbourhood`` (neighbourhood, number) is the
database's rule, not a check-then-insert.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nhc.db import Base, utcnow


class PlanVersionRow(Base):
    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("neighbourhood", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    neighbourhood: Mapped[str] = mapped_column(String(200), index=True)
    number: Mapped[int] = mapped_column(Integer)
    agreed_by: Mapped[str] = mapped_column(String(300))
    agreed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(1000), default="")


class PlanPriorityRow(Base):
    __tablename__ = "plan_priorities"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    activity: Mapped[str] = mapped_column(String(200))
    what: Mapped[str] = mapped_column(Text, default="")
    how: Mapped[str] = mapped_column(Text, default="")
    when_text: Mapped[str] = mapped_column(String(200), default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20))
    themes: Mapped[str] = mapped_column(String(200), default="")  # comma-separated theme keys
