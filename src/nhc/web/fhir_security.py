"""Our sign-in, roles, relationships and audit for the FHIR router (``nhc.fhir.api``).

The router's ``get_current_user`` dependency is replaced by :func:`fhir_user`. FHIR reads are
person-level, so: signed in; clinical roles only; the request must be about one person (a read of
one resource, or a search with ``patient``/``subject``, ``Patient?_id=`` or
``Patient?identifier=``) — population-wide searches are refused; and that person must pass the
legitimate-relationship check (:meth:`SecurityService.authorise_patient_read`), which audits the
read whatever the outcome. ``/fhir/metadata`` and ``Organization`` (practices) are not person-level.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from nhc.errors import NhcError
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.deps import client_ip, current_user

NOT_PERSON_LEVEL = ("metadata", "Organization")
UNKNOWN = object()  # the router will answer 400/404 itself without returning anyone's data


def fhir_reader(request: Request):
    """The router's LakeReader, opened on first use (so the app starts without a lake)."""
    reader = getattr(request.app.state, "fhir_reader", None)
    if reader is None:
        from nhc.fhir.api import LakeReader

        with request.app.state.fhir_lock:
            reader = getattr(request.app.state, "fhir_reader", None)
            if reader is None:
                reader = LakeReader(request.app.state.settings.lake_dir)
                request.app.state.fhir_reader = reader
    return reader


def _digits(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _one(reader: Any, sql: str, value: Any) -> int | None:
    rows = reader.rows(sql, [value])
    return int(rows[0]["patient_id"]) if rows else None


def patient_of(request: Request) -> Any:
    """The patient a FHIR request is about: an id, ``None`` (population-wide) or ``UNKNOWN``."""
    from nhc.fhir import api

    path = request.url.path
    parts = [p for p in path[path.find("/fhir") + 5 :].split("/") if p]
    if not parts or parts[0] in NOT_PERSON_LEVEL:
        return "not-person-level"
    rtype = parts[0]
    if len(parts) >= 2:  # read (or $everything)
        rid = parts[1]
        if rtype == "Patient":
            return _digits(rid) if _digits(rid) is not None else UNKNOWN
        if rtype in api.EVENT_TYPES or rtype in api.MEDICATION_TYPES:
            key = api._id_parts(rid, "ce" if rtype in api.EVENT_TYPES else "med")
            return key[0] if key else UNKNOWN
        if rtype == "EpisodeOfCare":
            bits = rid.split("-")
            return _digits(bits[1]) if len(bits) == 3 and _digits(bits[1]) is not None else UNKNOWN
        if rtype == "Encounter":
            eid = _digits(rid)
            if eid is None:
                return UNKNOWN
            pid = _one(fhir_reader(request), "SELECT patient_id FROM encounters WHERE encounter_id = ?", eid)
            return UNKNOWN if pid is None else pid
        return UNKNOWN
    q = request.query_params
    refs = q.getlist("patient") + q.getlist("subject")
    if refs:
        ids = {_digits(r.removeprefix("Patient/")) for r in refs}
        if None in ids:
            return UNKNOWN
        return ids.pop() if len(ids) == 1 else None
    if rtype == "Patient":
        ids = [i for v in q.getlist("_id") for i in v.split(",")]
        if len(ids) == 1:
            return _digits(ids[0]) if _digits(ids[0]) is not None else UNKNOWN
        ident = q.getlist("identifier")
        if len(ident) == 1 and not ids:
            number = ident[0].split("|")[-1]
            pid = _one(fhir_reader(request), "SELECT patient_id FROM patients WHERE nhs_number = ?", number)
            return UNKNOWN if pid is None else pid
    return None


def fhir_user(request: Request):
    from nhc.fhir import api

    principal: Principal = current_user(request)
    security = request.app.state.security
    resource = (request.url.path + (f"?{request.url.query}" if request.url.query else ""))[:500]
    ip = client_ip(request)
    target = patient_of(request)
    if target == "not-person-level":
        return api.User(principal.username, (principal.role.value,))
    if not principal.is_clinical:
        security.record(
            principal,
            "fhir_read",
            outcome="denied",
            resource=resource,
            ip=ip,
            detail="role cannot read person-level data",
        )
        raise AccessDenied(f"Your role ({principal.role_label}) cannot read FHIR resources about people.")
    if target is None:
        security.record(
            principal,
            "fhir_read",
            outcome="denied",
            resource=resource,
            ip=ip,
            detail="population-wide search",
        )
        raise AccessDenied(
            "FHIR searches must be about one person: give patient=, subject=, _id= or identifier=."
        )
    if target is UNKNOWN:
        security.record(principal, "fhir_read", outcome="not_found", resource=resource, ip=ip)
        return api.User(principal.username, (principal.role.value,))
    try:
        neighbourhood = request.app.state.insights.patient_neighbourhood(target)
    except NhcError:  # insight tables not built yet: only caseload or break-glass can allow it
        neighbourhood = None
    # Someone not in the insight tables (unknown, deceased, moved away) has no neighbourhood, so only a
    # caseload relationship or break-glass lets the read through; unknown ids get 403, not 404.
    security.authorise_patient_read(
        principal, target, neighbourhood, action="fhir_read", resource=resource, ip=ip
    )
    return api.User(principal.username, (principal.role.value,))
