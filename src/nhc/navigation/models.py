"""Tables of the community asset directory and the navigator's decision log (``nhc.db.Base``).

One table per Open Referral UK entity (``nav_`` prefix), with the navigator's extras on
``nav_services`` (kind, commissioner rank, practice code, capacity status and its expiry), and
``nav_decisions``: every navigator answer, who asked, what was answered and which rules fired.
Created by migration ``0005_navigation``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from nhc.db import Base, utcnow

ID = 64  # ids are text: ORUK uses UUIDs; ours are readable and deterministic


class OrganizationRow(Base):
    __tablename__ = "nav_organizations"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(300), nullable=True)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)


class LocationRow(Base):
    __tablename__ = "nav_locations"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    address_1: Mapped[str | None] = mapped_column(String(300), nullable=True)
    city: Mapped[str | None] = mapped_column(String(200), nullable=True)
    state_province: Mapped[str | None] = mapped_column(String(200), nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)


class ServiceRow(Base):
    __tablename__ = "nav_services"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("nav_organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    minimum_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    maximum_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    assured_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    email: Mapped[str | None] = mapped_column(String(300), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    commissioner_rank: Mapped[int] = mapped_column(Integer, default=1)
    practice_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    capacity_status: Mapped[str] = mapped_column(String(8), default="green")
    capacity_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    capacity_reason: Mapped[str] = mapped_column(String(500), default="")
    last_modified: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ServiceAtLocationRow(Base):
    __tablename__ = "nav_service_at_locations"
    __table_args__ = (UniqueConstraint("service_id", "location_id"),)

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("nav_services.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("nav_locations.id", ondelete="CASCADE"), index=True)


class ScheduleRow(Base):
    """A schedule of a service (``service_id``) or of a service at a location (``service_at_location_id``)."""

    __tablename__ = "nav_schedules"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    service_id: Mapped[str | None] = mapped_column(
        ForeignKey("nav_services.id", ondelete="CASCADE"), index=True, nullable=True
    )
    service_at_location_id: Mapped[str | None] = mapped_column(
        ForeignKey("nav_service_at_locations.id", ondelete="CASCADE"), index=True, nullable=True
    )
    freq: Mapped[str] = mapped_column(String(10))
    byday: Mapped[str] = mapped_column(String(30))
    opens_at: Mapped[str] = mapped_column(String(8))  # HH:MM, local time
    closes_at: Mapped[str] = mapped_column(String(8))
    valid_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    closed_on_bank_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    attending_type: Mapped[str] = mapped_column(String(32), default="in_person")


class TaxonomyTermRow(Base):
    __tablename__ = "nav_taxonomy_terms"
    __table_args__ = (UniqueConstraint("vocabulary", "code"),)

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    code: Mapped[str] = mapped_column(String(100))
    term: Mapped[str] = mapped_column(String(300))
    vocabulary: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)


class ServiceTaxonomyRow(Base):
    __tablename__ = "nav_service_taxonomy"

    service_id: Mapped[str] = mapped_column(
        ForeignKey("nav_services.id", ondelete="CASCADE"), primary_key=True
    )
    taxonomy_term_id: Mapped[str] = mapped_column(
        ForeignKey("nav_taxonomy_terms.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ContactRow(Base):
    __tablename__ = "nav_contacts"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("nav_services.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    email: Mapped[str | None] = mapped_column(String(300), nullable=True)


class CostRow(Base):
    __tablename__ = "nav_costs"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("nav_services.id", ondelete="CASCADE"), index=True)
    option: Mapped[str] = mapped_column(String(300))
    amount: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")


class ServiceAreaRow(Base):
    __tablename__ = "nav_service_areas"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("nav_services.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    extent_type: Mapped[str] = mapped_column(String(32), default="neighbourhood")


class EligibilityRow(Base):
    __tablename__ = "nav_eligibility"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("nav_services.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)


class DecisionRow(Base):
    """One navigator answer, kept for review of appropriateness (append-only by use)."""

    __tablename__ = "nav_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    asked_by: Mapped[str] = mapped_column(String(150))
    channel: Mapped[str] = mapped_column(String(20))  # api, cli
    reason: Mapped[str] = mapped_column(String(64), index=True)
    disposition: Mapped[str] = mapped_column(String(64), index=True)
    rules: Mapped[str] = mapped_column(String(500))  # rule ids that fired, comma-separated
    request: Mapped[str] = mapped_column(Text)  # the request as JSON
    response: Mapped[str] = mapped_column(Text)  # the answer as JSON
