"""The CapabilityStatement, generated from the table of served types (so it cannot drift), plus the
entries of types served by their own area's routes (hub Schedule, Slot and Appointment, generated
from those routes by :func:`nhc.web.appointments.fhir_routes.capability_entries`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nhc.fhir import FHIR_VERSION
from nhc.fhir.server.outcome import FHIR_JSON
from nhc.fhir.server.table import CARE, ResourceType, revincludes

#: Operations on a type: (type, name, definition).
OPERATIONS = (
    ("Patient", "everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything"),
    ("EpisodeOfCare", "care-record", "https://nhc.example.org/fhir/OperationDefinition/care-record"),
)


BULK_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
PATIENT_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"
GROUP_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"

SMART_OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
SECURITY_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service"


@dataclass(frozen=True)
class SmartSecurity:
    """Where a SMART client gets tokens (``rest.security`` with the SMART ``oauth-uris`` extension)."""

    authorize: str
    token: str
    revoke: str | None = None

    def as_fhir(self) -> dict[str, Any]:
        uris = [{"url": "authorize", "valueUri": self.authorize}, {"url": "token", "valueUri": self.token}]
        if self.revoke:
            uris.append({"url": "revoke", "valueUri": self.revoke})
        return {
            "cors": False,
            "service": [
                {
                    "coding": [{"system": SECURITY_SERVICE, "code": "SMART-on-FHIR"}],
                    "text": "OAuth 2 bearer tokens (SMART App Launch 2, SMART Backend Services)",
                }
            ],
            "description": "Send Authorization: Bearer <token>; discovery at /.well-known/smart-configuration.",
            "extension": [{"url": SMART_OAUTH_URIS, "extension": uris}],
        }


def _entry(t: ResourceType, served: set[str], types: list[ResourceType]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": t.name,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [{"name": p.name, "type": p.type} for p in t.params],
    }
    if t.includes:
        entry["searchInclude"] = [i.value for i in t.includes]
    reverse = revincludes(types, t.name)
    if reverse:
        entry["searchRevInclude"] = [i.value for i in reverse]
    ops = [
        {"name": name, "definition": definition}
        for rtype, name, definition in OPERATIONS
        if rtype == t.name and (name != "care-record" or CARE in served)
    ]
    if ops:
        entry["operation"] = ops
    return entry


def capability_statement(
    types: list[ResourceType],
    base: str,
    security: SmartSecurity | None = None,
    bulk: bool = False,
    extra: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """What this server serves now: every type in ``types`` with its interactions and parameters,
    then the ``extra`` resource entries (types served outside the table), when tokens are accepted
    how to get one (``rest.security``), and Bulk Data ``$export`` when it is served (system level;
    ``Patient/$export``; ``Group/{id}/$export``)."""
    sources = {part.source for t in types for part in t.parts}
    entries = [_entry(t, sources, types) for t in types] + [dict(e) for e in extra]
    rest: dict[str, Any] = {"mode": "server", "resource": entries}
    if security is not None:
        rest["security"] = security.as_fhir()
    if bulk:
        rest["operation"] = [
            {"name": "export", "definition": BULK_EXPORT},
            {"name": "patient-export", "definition": PATIENT_EXPORT},
            {"name": "group-export", "definition": GROUP_EXPORT},
        ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": dt.date.today().isoformat(),
        "publisher": "NHC (Neighbourhood Health & Care)",
        "kind": "instance",
        "software": {"name": "nhc"},
        "implementation": {"description": "NHC FHIR API over the lake and the care record", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json", FHIR_JSON],
        "rest": [rest],
    }
