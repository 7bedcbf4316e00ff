"""Open Referral UK (HSDS 3.0, UK profile) JSON: export the directory, import it back.

Contract
--------
* :func:`export_services` turns a :class:`Directory` into ORUK service objects (each with its
  organization, service_at_locations with location and schedules, schedules, attributes carrying the
  taxonomy terms, contacts, cost_options, service_areas), sorted by id. Fields that ORUK has no place
  for are extensions prefixed ``x_nhc_`` (the navigator's service kind, commissioner rank, practice
  code, capacity status, a location's ``approximate`` flag, a schedule's bank-holiday closing, and
  eligibility descriptions).
* :func:`parse_services` reads such objects (a JSON list, or an object whose ``contents`` is that list)
  into a :class:`Directory`, or raises :class:`~nhc.errors.InputError` naming the file, the record
  (its index and id) and the field path of the first bad value. Nothing is returned half-made, so a
  caller that writes only a returned directory never half-imports.
* Export then import gives the same directory (the round trip is tested).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from nhc.errors import InputError, NhcError
from nhc.navigation.domain import (
    Address,
    Capacity,
    Contact,
    Cost,
    Directory,
    Eligibility,
    Location,
    NavigationError,
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

# --- export ----------------------------------------------------------------------------------------


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _by_id(items: Any) -> list[Any]:
    """Child records in id order, so that an export does not depend on how it was built."""
    return sorted(items, key=lambda x: x.id)


def schedule_json(s: Schedule) -> dict[str, Any]:
    return {
        "id": s.id,
        "freq": s.freq,
        "byday": ",".join(s.byday),
        "opens_at": s.opens_at.strftime("%H:%M"),
        "closes_at": s.closes_at.strftime("%H:%M"),
        "valid_from": _iso(s.valid_from),
        "valid_to": _iso(s.valid_to),
        "description": s.description,
        "attending_type": s.attending_type,
        "x_nhc_closed_on_bank_holidays": s.closed_on_bank_holidays,
    }


def location_json(loc: Location) -> dict[str, Any]:
    return {
        "id": loc.id,
        "name": loc.name,
        "description": loc.description,
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "addresses": [dict(vars(loc.address), address_type="physical")] if loc.address else [],
        "x_nhc_approximate": loc.approximate,
    }


def term_json(t: TaxonomyTerm) -> dict[str, Any]:
    return {
        "id": t.id,
        "code": t.code,
        "term": t.term,
        "description": t.description,
        "vocabulary": t.vocabulary,
        "parent_id": t.parent_id,
    }


def service_json(s: Service, organization: Organization) -> dict[str, Any]:
    """One ORUK service object (with its organization nested)."""
    return {
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "url": s.url,
        "email": s.email,
        "status": s.status.value,
        "minimum_age": s.minimum_age,
        "maximum_age": s.maximum_age,
        "assured_date": _iso(s.assured_date),
        "last_modified": _iso(s.last_modified),
        "organization": {k: v for k, v in vars(organization).items() if k != "phone"}
        | {"phones": [{"number": organization.phone}] if organization.phone else []},
        "phones": [{"number": s.phone}] if s.phone else [],
        "schedules": [schedule_json(x) for x in _by_id(s.schedules)],
        "service_at_locations": [
            {
                "id": sal.id,
                "location": location_json(sal.location),
                "schedules": [schedule_json(x) for x in _by_id(sal.schedules)],
            }
            for sal in _by_id(s.locations)
        ],
        "attributes": [{"taxonomy_term": term_json(t)} for t in _by_id(s.taxonomy_terms)],
        "contacts": [
            {
                "id": c.id,
                "name": c.name,
                "title": c.title,
                "email": c.email,
                "phones": [{"number": c.phone}] if c.phone else [],
            }
            for c in _by_id(s.contacts)
        ],
        "cost_options": [
            {"id": c.id, "option": c.option, "amount": c.amount, "currency": c.currency}
            for c in _by_id(s.costs)
        ],
        "service_areas": [
            {"id": a.id, "name": a.name, "extent_type": a.extent_type} for a in s.service_areas
        ],
        "x_nhc_eligibility": [{"id": e.id, "description": e.description} for e in _by_id(s.eligibility)],
        "x_nhc_kind": s.kind,
        "x_nhc_commissioner_rank": s.commissioner_rank,
        "x_nhc_practice_code": s.practice_code,
        "x_nhc_capacity": {
            "status": s.capacity.status.value,
            "expires_at": _iso(s.capacity.expires_at),
            "reason": s.capacity.reason,
        },
    }


def export_services(directory: Directory) -> list[dict[str, Any]]:
    """Every service of ``directory`` as ORUK JSON objects, sorted by id."""
    return [
        service_json(s, directory.organizations[s.organization_id])
        for s in sorted(directory.services.values(), key=lambda s: s.id)
    ]


def write_json(directory: Directory, path: Path) -> int:
    """Write ``directory`` to ``path`` atomically (a temporary file renamed); returns the service count."""
    services = export_services(directory)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"contents": services}, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return len(services)


# --- import ----------------------------------------------------------------------------------------


class _Reader:
    """Reads one record, knowing the field path so that an error can name it."""

    def __init__(self, source: str, index: int, record: Any) -> None:
        self.source, self.index = source, index
        self.record_id = record.get("id") if isinstance(record, dict) else None

    def error(self, path: str, message: str) -> InputError:
        which = f"record {self.index}" + (f" (service {self.record_id})" if self.record_id else "")
        return InputError(f"{which}: {message}", file=self.source, field=path)

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(path, "must be an object")
        return value

    def items(self, parent: dict[str, Any], key: str, path: str) -> list[tuple[str, dict[str, Any]]]:
        value = parent.get(key) or []
        if not isinstance(value, list):
            raise self.error(f"{path}.{key}", "must be a list")
        return [(f"{path}.{key}[{i}]", self.obj(v, f"{path}.{key}[{i}]")) for i, v in enumerate(value)]

    def text(self, parent: dict[str, Any], key: str, path: str, *, required: bool = True) -> str | None:
        value = parent.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.error(f"{path}.{key}", "is missing")
            return None
        if not isinstance(value, str):
            raise self.error(f"{path}.{key}", f"must be text, not {type(value).__name__}")
        return value

    def number(self, parent: dict[str, Any], key: str, path: str, *, whole: bool = False) -> Any:
        value = parent.get(key)
        if value is None:
            return None
        ok = isinstance(value, int) if whole else isinstance(value, int | float)
        if isinstance(value, bool) or not ok:
            raise self.error(f"{path}.{key}", f"must be a {'whole ' if whole else ''}number, not {value!r}")
        return value

    def date(self, parent: dict[str, Any], key: str, path: str, kind: type = dt.date) -> Any:
        value = self.text(parent, key, path, required=False)
        if value is None:
            return None
        try:
            parsed = kind.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.error(f"{path}.{key}", f"not an ISO {kind.__name__}: {value!r}") from None
        if isinstance(parsed, dt.datetime) and parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        return parsed

    def phone(self, parent: dict[str, Any], path: str) -> str | None:
        phones = self.items(parent, "phones", path)
        return self.text(phones[0][1], "number", phones[0][0]) if phones else None

    def guarded(self, path: str, build: Any, *args: Any, **kwargs: Any) -> Any:
        """Build a domain object, turning its own checks (BadField) into an error at ``path``."""
        try:
            return build(*args, **kwargs)
        except NavigationError as exc:
            field = getattr(exc, "field", "")
            raise self.error(f"{path}.{field}" if field else path, exc.message) from None


def _schedule(r: _Reader, d: dict[str, Any], path: str) -> Schedule:
    times = {}
    for key in ("opens_at", "closes_at"):
        raw = r.text(d, key, path)
        try:
            times[key] = parse_time(raw, key)
        except NhcError:
            raise r.error(f"{path}.{key}", f"not a time: {raw!r} (HH:MM)") from None
    return r.guarded(
        path,
        Schedule,
        id=r.text(d, "id", path),
        byday=tuple(x.strip() for x in (r.text(d, "byday", path, required=False) or "").split(",") if x),
        freq=r.text(d, "freq", path, required=False) or "WEEKLY",
        valid_from=r.date(d, "valid_from", path),
        valid_to=r.date(d, "valid_to", path),
        description=r.text(d, "description", path, required=False) or "",
        closed_on_bank_holidays=bool(d.get("x_nhc_closed_on_bank_holidays", True)),
        attending_type=r.text(d, "attending_type", path, required=False) or "in_person",
        **times,
    )


def _location(r: _Reader, d: dict[str, Any], path: str) -> Location:
    address = None
    addresses = r.items(d, "addresses", path)
    if addresses:
        apath, a = addresses[0]
        address = Address(
            r.text(a, "address_1", apath) or "",
            r.text(a, "city", apath, required=False) or "",
            r.text(a, "postal_code", apath, required=False) or "",
            r.text(a, "state_province", apath, required=False) or "",
            r.text(a, "country", apath, required=False) or "",
        )
    return r.guarded(
        path,
        Location,
        id=r.text(d, "id", path),
        name=r.text(d, "name", path, required=False) or "",
        latitude=r.number(d, "latitude", path),
        longitude=r.number(d, "longitude", path),
        address=address,
        approximate=bool(d.get("x_nhc_approximate", False)),
        description=r.text(d, "description", path, required=False) or "",
    )


def _term(r: _Reader, d: dict[str, Any], path: str) -> TaxonomyTerm:
    return TaxonomyTerm(
        id=r.text(d, "id", path),
        code=r.text(d, "code", path, required=False) or r.text(d, "id", path),
        term=r.text(d, "term", path),
        vocabulary=r.text(d, "vocabulary", path, required=False) or "",
        description=r.text(d, "description", path, required=False) or "",
        parent_id=r.text(d, "parent_id", path, required=False),
    )


def _organization(r: _Reader, d: dict[str, Any], path: str) -> Organization:
    return Organization(
        id=r.text(d, "id", path),
        name=r.text(d, "name", path),
        description=r.text(d, "description", path, required=False) or "",
        email=r.text(d, "email", path, required=False),
        url=r.text(d, "url", path, required=False),
        phone=r.phone(d, path),
    )


def _capacity(r: _Reader, d: dict[str, Any], path: str) -> Capacity:
    status = r.text(d, "status", path)
    if status not in {x.value for x in Rag}:
        raise r.error(f"{path}.status", f"unknown capacity {status!r} (allowed: green, amber, red)")
    return Capacity(
        Rag(status),
        r.date(d, "expires_at", path, dt.datetime),
        r.text(d, "reason", path, required=False) or "",
    )


def _status(r: _Reader, d: dict[str, Any]) -> ServiceStatus:
    status = r.text(d, "status", "service")
    allowed = [x.value for x in ServiceStatus]
    if status not in allowed:
        raise r.error("service.status", f"unknown status {status!r} (allowed: {', '.join(allowed)})")
    return ServiceStatus(status)


def _extras(r: _Reader, d: dict[str, Any], p: str) -> dict[str, tuple[Any, ...]]:
    """A service's taxonomy terms, contacts, costs, service areas and eligibility."""
    return {
        "taxonomy_terms": tuple(
            _term(r, r.obj(a.get("taxonomy_term"), f"{ap}.taxonomy_term"), f"{ap}.taxonomy_term")
            for ap, a in r.items(d, "attributes", p)
        ),
        "contacts": tuple(
            Contact(
                r.text(c, "id", cp),
                r.text(c, "name", cp),
                r.phone(c, cp),
                r.text(c, "email", cp, required=False),
                r.text(c, "title", cp, required=False) or "",
            )
            for cp, c in r.items(d, "contacts", p)
        ),
        "costs": tuple(
            Cost(
                r.text(c, "id", cp),
                r.text(c, "option", cp),
                r.number(c, "amount", cp),
                r.text(c, "currency", cp, required=False) or "GBP",
            )
            for cp, c in r.items(d, "cost_options", p)
        ),
        "service_areas": tuple(
            ServiceArea(
                r.text(a, "id", ap), r.text(a, "name", ap), r.text(a, "extent_type", ap, required=False) or ""
            )
            for ap, a in r.items(d, "service_areas", p)
        ),
        "eligibility": tuple(
            Eligibility(r.text(e, "id", ep), r.text(e, "description", ep))
            for ep, e in r.items(d, "x_nhc_eligibility", p)
        ),
    }


def _service(r: _Reader, d: dict[str, Any]) -> tuple[Organization, Service]:
    p = "service"
    org = _organization(r, r.obj(d.get("organization"), f"{p}.organization"), f"{p}.organization")
    sites = []
    for spath, sal in r.items(d, "service_at_locations", p):
        loc = _location(r, r.obj(sal.get("location"), f"{spath}.location"), f"{spath}.location")
        schedules = tuple(_schedule(r, x, xp) for xp, x in r.items(sal, "schedules", spath))
        sites.append(ServiceAtLocation(r.text(sal, "id", spath), loc, schedules))
    capacity = d.get("x_nhc_capacity")
    service = r.guarded(
        p,
        Service,
        id=r.text(d, "id", p),
        organization_id=org.id,
        name=r.text(d, "name", p),
        kind=r.text(d, "x_nhc_kind", p, required=False) or "other",
        status=_status(r, d),
        description=r.text(d, "description", p, required=False) or "",
        minimum_age=r.number(d, "minimum_age", p, whole=True),
        maximum_age=r.number(d, "maximum_age", p, whole=True),
        assured_date=r.date(d, "assured_date", p),
        url=r.text(d, "url", p, required=False),
        email=r.text(d, "email", p, required=False),
        phone=r.phone(d, p),
        commissioner_rank=r.number(d, "x_nhc_commissioner_rank", p, whole=True) or 1,
        practice_code=r.text(d, "x_nhc_practice_code", p, required=False),
        schedules=tuple(_schedule(r, x, xp) for xp, x in r.items(d, "schedules", p)),
        locations=tuple(sites),
        **_extras(r, d, p),
        capacity=_capacity(r, r.obj(capacity, f"{p}.x_nhc_capacity"), f"{p}.x_nhc_capacity")
        if capacity is not None
        else Capacity(Rag.GREEN),
        last_modified=r.date(d, "last_modified", p, dt.datetime),
    )
    return org, service


def parse_services(data: Any, source: str = "<input>") -> Directory:
    """A directory from ORUK service objects, or InputError naming ``source``, record and field."""
    records = data.get("contents") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise InputError("expected a JSON list of services (or an object with 'contents')", file=source)
    directory = Directory()
    seen: set[str] = set()
    for index, record in enumerate(records):
        r = _Reader(source, index, record)
        org, service = _service(r, r.obj(record, "service"))
        if service.id in seen:
            raise r.error("service.id", f"duplicate service id {service.id!r}")
        seen.add(service.id)
        known = directory.organizations.setdefault(org.id, org)
        if known != org:
            raise r.error("service.organization", f"organization {org.id!r} differs from an earlier record")
        directory.add(service)
    return directory


def read_json(path: Path) -> Directory:
    """Read an ORUK JSON file (see :func:`parse_services`)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=str(path)) from None
    return parse_services(data, str(path))
