"""FHIR R4 views of the directory: a service as ``HealthcareService``, a location as ``Location``.

Contract
--------
:func:`healthcare_service` and :func:`location` return plain JSON dicts that validate against the
R4 models (``fhir.resources`` R4B; the tests check every service of the synthetic directory). Opening
times become ``availableTime`` (``allDay`` for a 00:00-00:00 schedule); the navigator's kind and the
taxonomy terms become ``type`` codings in the ``nhc-navigation`` code system; age limits and
eligibility become ``eligibility`` comments; approximate coordinates are said so in the
Location's ``description``.
"""

from __future__ import annotations

from typing import Any

from nhc.navigation.domain import Location, Organization, Schedule, Service, ServiceStatus

SYSTEM = "https://nhc.example.org/fhir/CodeSystem/nhc-navigation"
_FHIR_DAYS = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat", "SU": "sun"}


def _available(s: Schedule) -> dict[str, Any]:
    days = [_FHIR_DAYS[d] for d in (tuple(_FHIR_DAYS) if s.freq == "DAILY" else s.byday)]
    if s.opens_at == s.closes_at:
        return {"daysOfWeek": days, "allDay": True}
    out: dict[str, Any] = {"daysOfWeek": days, "availableStartTime": s.opens_at.strftime("%H:%M:%S")}
    if s.closes_at > s.opens_at:  # an overnight session has no same-day end time in FHIR
        out["availableEndTime"] = s.closes_at.strftime("%H:%M:%S")
    return out


def _eligibility(service: Service) -> list[dict[str, Any]]:
    out = [{"comment": e.description} for e in service.eligibility]
    if service.minimum_age is not None or service.maximum_age is not None:
        low = service.minimum_age if service.minimum_age is not None else 0
        high = f"to {service.maximum_age}" if service.maximum_age is not None else "and over"
        out.append({"comment": f"Ages {low} {high}"})
    return out


def healthcare_service(service: Service, organization: Organization) -> dict[str, Any]:
    """The FHIR R4 HealthcareService for ``service``."""
    codings = [{"system": SYSTEM, "code": service.kind}] + [
        {"system": SYSTEM, "code": t.code, "display": t.term}
        for t in service.taxonomy_terms
        if t.code != service.kind
    ]
    telecom = [{"system": "phone", "value": service.phone, "use": "work"}] if service.phone else []
    telecom += [{"system": "url", "value": service.url}] if service.url else []
    telecom += [{"system": "email", "value": service.email}] if service.email else []
    schedules = [*service.schedules, *(s for sal in service.locations for s in sal.schedules)]
    resource: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "id": service.id,
        "active": service.status is ServiceStatus.ACTIVE,
        "providedBy": {"reference": f"Organization/{organization.id}", "display": organization.name},
        "type": [{"coding": codings}],
        "name": service.name,
        "comment": service.description or None,
        "telecom": telecom or None,
        "location": [{"reference": f"Location/{sal.location.id}"} for sal in service.locations] or None,
        "coverageArea": [{"display": a.name} for a in service.service_areas] or None,
        "eligibility": _eligibility(service) or None,
        "availableTime": [_available(s) for s in schedules] or None,
    }
    return {k: v for k, v in resource.items() if v is not None}


def location(loc: Location) -> dict[str, Any]:
    """The FHIR R4 Location for ``loc``."""
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": loc.id,
        "status": "active",
        "name": loc.name,
        "description": "Approximate position (synthetic directory)"
        if loc.approximate
        else (loc.description or None),
        "mode": "instance",
    }
    if loc.address is not None:
        a = loc.address
        resource["address"] = {
            "use": "work",
            "line": [a.address_1],
            "city": a.city or None,
            "district": a.state_province or None,
            "postalCode": a.postal_code or None,
            "country": a.country or None,
        }
        resource["address"] = {k: v for k, v in resource["address"].items() if v is not None}
    if loc.latitude is not None and loc.longitude is not None:
        resource["position"] = {"latitude": loc.latitude, "longitude": loc.longitude}
    return {k: v for k, v in resource.items() if v is not None}
