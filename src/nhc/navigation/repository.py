"""The directory and the decision log on the operational database: rows to domain objects and back.

Functions take a SQLAlchemy ``Session`` inside the caller's unit of work, so an import that fails part
way writes nothing (the unit of work rolls back).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from nhc.db import utcnow
from nhc.navigation.domain import (
    Address,
    Capacity,
    Contact,
    Cost,
    Directory,
    Eligibility,
    Location,
    NotFound,
    Organization,
    Rag,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from nhc.navigation.domain.schedule import parse_time
from nhc.navigation.models import (
    ContactRow,
    CostRow,
    DecisionRow,
    EligibilityRow,
    LocationRow,
    OrganizationRow,
    ScheduleRow,
    ServiceAreaRow,
    ServiceAtLocationRow,
    ServiceRow,
    ServiceTaxonomyRow,
    TaxonomyTermRow,
)

# Children first, so deleting never trips a foreign key.
_TABLES = (
    ScheduleRow,
    ServiceTaxonomyRow,
    ContactRow,
    CostRow,
    ServiceAreaRow,
    EligibilityRow,
    ServiceAtLocationRow,
    ServiceRow,
    TaxonomyTermRow,
    LocationRow,
    OrganizationRow,
)


def replace_directory(session: Session, directory: Directory) -> None:
    """Replace the stored directory with ``directory`` (in the caller's transaction)."""
    for table in _TABLES:
        session.execute(delete(table))
    session.add_all(OrganizationRow(**vars(o)) for o in directory.organizations.values())
    session.add_all(
        TaxonomyTermRow(**vars(t)) for t in sorted(directory.taxonomy.values(), key=lambda t: t.id)
    )
    session.add_all(_location_row(loc) for loc in directory.locations().values())
    session.flush()
    for service in directory.services.values():
        _add_service(session, service)
    session.flush()


def _location_row(loc: Location) -> LocationRow:
    address = vars(loc.address) if loc.address else {}
    return LocationRow(
        id=loc.id,
        name=loc.name,
        description=loc.description,
        latitude=loc.latitude,
        longitude=loc.longitude,
        approximate=loc.approximate,
        **address,
    )


def _schedule_row(schedule: Schedule, **owner: str) -> ScheduleRow:
    return ScheduleRow(
        id=schedule.id,
        freq=schedule.freq,
        byday=",".join(schedule.byday),
        opens_at=schedule.opens_at.strftime("%H:%M"),
        closes_at=schedule.closes_at.strftime("%H:%M"),
        valid_from=schedule.valid_from,
        valid_to=schedule.valid_to,
        description=schedule.description,
        closed_on_bank_holidays=schedule.closed_on_bank_holidays,
        attending_type=schedule.attending_type,
        **owner,
    )


def _add_service(session: Session, s: Service) -> None:
    session.add(
        ServiceRow(
            id=s.id,
            organization_id=s.organization_id,
            name=s.name,
            kind=s.kind,
            status=s.status.value,
            description=s.description,
            minimum_age=s.minimum_age,
            maximum_age=s.maximum_age,
            assured_date=s.assured_date,
            url=s.url,
            email=s.email,
            phone=s.phone,
            commissioner_rank=s.commissioner_rank,
            practice_code=s.practice_code,
            capacity_status=s.capacity.status.value,
            capacity_expires_at=s.capacity.expires_at,
            capacity_reason=s.capacity.reason,
            last_modified=s.last_modified or utcnow(),
        )
    )
    session.flush()
    session.add_all(_schedule_row(sch, service_id=s.id) for sch in s.schedules)
    for sal in s.locations:
        session.add(ServiceAtLocationRow(id=sal.id, service_id=s.id, location_id=sal.location.id))
        session.flush()
        session.add_all(_schedule_row(sch, service_at_location_id=sal.id) for sch in sal.schedules)
    session.add_all(ServiceTaxonomyRow(service_id=s.id, taxonomy_term_id=t.id) for t in s.taxonomy_terms)
    session.add_all(ContactRow(service_id=s.id, **vars(c)) for c in s.contacts)
    session.add_all(CostRow(service_id=s.id, **vars(c)) for c in s.costs)
    session.add_all(ServiceAreaRow(service_id=s.id, **vars(a)) for a in s.service_areas)
    session.add_all(EligibilityRow(service_id=s.id, **vars(e)) for e in s.eligibility)


def _schedule(row: ScheduleRow) -> Schedule:
    return Schedule(
        id=row.id,
        opens_at=parse_time(row.opens_at, "opens_at"),
        closes_at=parse_time(row.closes_at, "closes_at"),
        byday=tuple(d for d in row.byday.split(",") if d),
        freq=row.freq,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        description=row.description,
        closed_on_bank_holidays=row.closed_on_bank_holidays,
        attending_type=row.attending_type,
    )


def _location(row: LocationRow) -> Location:
    address = None
    if row.address_1 is not None:
        address = Address(
            row.address_1, row.city or "", row.postal_code or "", row.state_province or "", row.country or ""
        )
    return Location(row.id, row.name, row.latitude, row.longitude, address, row.approximate, row.description)


def _children(session: Session, row_type: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for row in session.scalars(select(row_type).order_by(row_type.id)):
        out[row.service_id].append(row)
    return out


def load_directory(session: Session) -> Directory:
    """The whole stored directory as domain objects (children in id order)."""
    directory = Directory()
    for o in session.scalars(select(OrganizationRow)):
        directory.organizations[o.id] = Organization(o.id, o.name, o.description, o.email, o.url, o.phone)
    terms = {
        t.id: TaxonomyTerm(t.id, t.code, t.term, t.vocabulary, t.description, t.parent_id)
        for t in session.scalars(select(TaxonomyTermRow))
    }
    directory.taxonomy.update(terms)
    locations = {r.id: _location(r) for r in session.scalars(select(LocationRow))}
    schedules = _children(session, ScheduleRow)
    sal_schedules: dict[str, list[Schedule]] = defaultdict(list)
    for row in session.scalars(
        select(ScheduleRow).where(ScheduleRow.service_at_location_id.is_not(None)).order_by(ScheduleRow.id)
    ):
        sal_schedules[row.service_at_location_id].append(_schedule(row))
    sites: dict[str, list[ServiceAtLocation]] = defaultdict(list)
    for r in session.scalars(select(ServiceAtLocationRow).order_by(ServiceAtLocationRow.id)):
        sites[r.service_id].append(
            ServiceAtLocation(r.id, locations[r.location_id], tuple(sal_schedules[r.id]))
        )
    taxonomy: dict[str, list[TaxonomyTerm]] = defaultdict(list)
    for link in session.scalars(select(ServiceTaxonomyRow).order_by(ServiceTaxonomyRow.taxonomy_term_id)):
        taxonomy[link.service_id].append(terms[link.taxonomy_term_id])
    contacts, costs = _children(session, ContactRow), _children(session, CostRow)
    areas, eligibility = _children(session, ServiceAreaRow), _children(session, EligibilityRow)
    for r in session.scalars(select(ServiceRow).order_by(ServiceRow.id)):
        directory.services[r.id] = Service(
            id=r.id,
            organization_id=r.organization_id,
            name=r.name,
            kind=r.kind,
            status=ServiceStatus(r.status),
            description=r.description,
            minimum_age=r.minimum_age,
            maximum_age=r.maximum_age,
            assured_date=r.assured_date,
            url=r.url,
            email=r.email,
            phone=r.phone,
            commissioner_rank=r.commissioner_rank,
            practice_code=r.practice_code,
            schedules=tuple(_schedule(x) for x in schedules[r.id] if x.service_at_location_id is None),
            locations=tuple(sites[r.id]),
            taxonomy_terms=tuple(taxonomy[r.id]),
            contacts=tuple(Contact(c.id, c.name, c.phone, c.email, c.title) for c in contacts[r.id]),
            costs=tuple(Cost(c.id, c.option, c.amount, c.currency) for c in costs[r.id]),
            service_areas=tuple(ServiceArea(a.id, a.name, a.extent_type) for a in areas[r.id]),
            eligibility=tuple(Eligibility(e.id, e.description) for e in eligibility[r.id]),
            capacity=Capacity(Rag(r.capacity_status), r.capacity_expires_at, r.capacity_reason),
            last_modified=r.last_modified,
        )
    return directory


def set_capacity(session: Session, service_id: str, capacity: Capacity) -> None:
    """Record a service's capacity status (and bump its ``last_modified``); NotFound if no such service."""
    done = session.execute(
        update(ServiceRow)
        .where(ServiceRow.id == service_id)
        .values(
            capacity_status=capacity.status.value,
            capacity_expires_at=capacity.expires_at,
            capacity_reason=capacity.reason,
            last_modified=utcnow(),
        )
    )
    if done.rowcount != 1:
        raise NotFound(f"there is no service {service_id!r} in the directory")


def log_decision(
    session: Session,
    *,
    asked_by: str,
    channel: str,
    request: dict[str, Any],
    response: dict[str, Any],
    rules: list[str],
    at: dt.datetime | None = None,
) -> int:
    """Append one navigator answer to the decision log; returns its id."""
    row = DecisionRow(
        at=at or utcnow(),
        asked_by=asked_by,
        channel=channel,
        reason=str(request.get("reason", "")),
        disposition=str(response.get("disposition", "")),
        rules=",".join(rules),
        request=json.dumps(request, sort_keys=True, default=str),
        response=json.dumps(response, sort_keys=True, default=str),
    )
    session.add(row)
    session.flush()
    return row.id


def decisions(session: Session, limit: int = 100) -> list[dict[str, Any]]:
    """The newest logged decisions first."""
    rows = session.scalars(select(DecisionRow).order_by(DecisionRow.id.desc()).limit(limit))
    return [
        {
            "id": r.id,
            "at": r.at,
            "asked_by": r.asked_by,
            "channel": r.channel,
            "reason": r.reason,
            "disposition": r.disposition,
            "rules": r.rules.split(",") if r.rules else [],
            "request": json.loads(r.request),
            "response": json.loads(r.response),
        }
        for r in rows
    ]
