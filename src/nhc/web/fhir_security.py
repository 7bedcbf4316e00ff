"""Our sign-in, tokens, roles, relationships and audit for the FHIR router (:mod:`nhc.web.fhir`).

The router's ``get_current_user`` dependency is replaced by :func:`fhir_user`. A request comes in
one of two ways:

* ``Authorization: Bearer <token>`` — an access token NHC issued (:mod:`nhc.security.oauth`),
  checked for signature, issuer, audience (this FHIR base URL), expiry, a live client, a live
  account and revocation. Missing or refused: 401 with ``WWW-Authenticate: Bearer`` (RFC 6750),
  audited.
* the session cookie of the web sign-in, as before.

Either way the request acts as an NHC account (:class:`~nhc.security.roles.Principal`), and the
server's guard is the one person-level access decision (:class:`nhc.insights.access.PatientAccess`:
clinical roles only, a legitimate relationship with every patient the request resolves to,
population-wide searches refused, every decision audited with the resolved patient id). A token
narrows that further: its scopes must allow reading the resource type (else 403
``insufficient_scope``, audited), and a ``patient/`` token reaches only its launch patient (any
other patient: 403, audited). Writes (hub appointments: create, cancel) need a write scope on the
type (``user/Appointment.write``, ``.c`` to create, ``.u`` to cancel; else 403 ``insufficient_scope``,
audited as ``fhir_write``), or, with the session cookie, the session's CSRF token in
``X-CSRF-Token`` (as the JSON API); the write's person-level decision and audit are the use case's,
made for ``User.principal``. ``/fhir/metadata`` and ``Organization`` (practices) are not
person-level. ``get_server`` is replaced by :func:`fhir_server`: the lake (opened on first use), the
care record, the SMART endpoints for the CapabilityStatement's ``rest.security`` and the hub
appointment types' entries (served by :mod:`nhc.web.appointments.fhir_routes`).
"""

from __future__ import annotations

import threading

from fastapi import Request

from nhc.errors import NhcError
from nhc.fhir.server import FhirError, FhirServer, LakeReader, Sources, User
from nhc.fhir.server.bulk import BulkExports, BulkJob
from nhc.fhir.server.capability import SmartSecurity
from nhc.security.access import AccessBasis
from nhc.security.oauth import GrantedScopes, TokenRefused, TokenUse
from nhc.security.roles import Principal
from nhc.web.access import patient_access
from nhc.web.appointments.fhir_routes import capability_entries
from nhc.web.care.deps import care
from nhc.web.deps import SignInRequired, check_csrf, client_ip, optional_user, security
from nhc.web.fhir_groups import resolve_group, worklist_keys, worklist_members
from nhc.web.oauth.deps import endpoints, oauth_service

_BULK_LOCK = threading.Lock()
POPULATION_WIDE = "FHIR searches must be about one person: give patient=, subject=, _id= or identifier=."
REALM = 'Bearer realm="nhc-fhir"'
#: The hub appointment types' CapabilityStatement entries, from their routes.
ACCESS_CAPABILITIES = tuple(capability_entries())


class Unauthorised(FhirError, SignInRequired):
    """No usable credentials (401 with a ``WWW-Authenticate`` challenge). A :class:`SignInRequired`
    too, so routes outside the FHIR router's error handling still answer 401."""

    def __init__(self, message: str, error: str | None = None) -> None:
        challenge = (
            REALM if error is None else f'{REALM}, error="{error}", error_description="{_quoted(message)}"'
        )
        super().__init__(401, "login", message, {"WWW-Authenticate": challenge})


def _quoted(text: str) -> str:
    return text.replace("\\", "").replace('"', "'")[:200]


def fhir_reader(request: Request) -> LakeReader:
    """The app's LakeReader, opened on first use (so the app starts without a lake)."""
    reader = getattr(request.app.state, "fhir_reader", None)
    if reader is None:
        with request.app.state.fhir_lock:
            reader = getattr(request.app.state, "fhir_reader", None)
            if reader is None:
                reader = LakeReader(request.app.state.settings.lake_dir)
                request.app.state.fhir_reader = reader
    return reader


def bulk_exports(request: Request) -> BulkExports:
    """The app's export jobs, in ``<data>/bulk`` (made on first use)."""
    state = request.app.state
    exports = getattr(state, "fhir_bulk", None)
    if exports is None:
        with _BULK_LOCK:
            exports = getattr(state, "fhir_bulk", None)
            if exports is None:
                exports = BulkExports(state.settings.data_dir / "bulk")
                state.fhir_bulk = exports
    return exports


def fhir_server(request: Request) -> FhirServer:
    """The FHIR server over the app's lake and care record, advertising the SMART endpoints."""
    root = endpoints(request).issuer
    smart = SmartSecurity(f"{root}/oauth/authorize", f"{root}/oauth/token", f"{root}/oauth/revoke")
    sources = Sources(lambda: fhir_reader(request), care(request))
    return FhirServer(
        sources, security=smart, bulk=bulk_exports(request), extra_capabilities=ACCESS_CAPABILITIES
    )


def _resource(request: Request) -> str:
    return (request.url.path + (f"?{request.url.query}" if request.url.query else ""))[:500]


def bearer_token(request: Request, header: str) -> TokenUse:
    """The live token in an ``Authorization`` header (:class:`Unauthorised`, audited, otherwise)."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorised("the Authorization header must be 'Bearer <access token>'", "invalid_request")
    ep = endpoints(request)
    try:
        return oauth_service(request).verify_token(
            token.strip(),
            issuer=ep.issuer,
            audience=ep.fhir_base,
            ip=client_ip(request),
            resource=_resource(request),
        )
    except TokenRefused as exc:
        raise Unauthorised(exc.reason, "invalid_token") from None


def fhir_user(request: Request) -> User:
    """Who is asking (a token, or the signed-in user), with the access decision as the guard."""
    header = request.headers.get("authorization")
    if header is not None:
        use = bearer_token(request, header)
        return _user(request, use.principal, use)
    principal = optional_user(request)
    if principal is None:
        raise Unauthorised(
            "sign in, or send Authorization: Bearer <access token> (see /.well-known/smart-configuration)"
        )
    return _user(request, principal, None)


def _user(request: Request, principal: Principal, use: TokenUse | None) -> User:
    access = patient_access(request)
    resource, ip = _resource(request), client_ip(request)
    granted = GrantedScopes.of(use.claims.scope) if use else None
    bound = use.claims.patient_id if use else None

    def refuse(
        message: str, patient_ids: frozenset[int] | None, error: str | None = None, action: str = "fhir_read"
    ) -> None:
        for pid in sorted(patient_ids) if patient_ids else [None]:
            security(request).record(
                principal,
                action,
                outcome="denied",
                patient_id=pid,
                resource=resource,
                ip=ip,
                detail=f"client={use.claims.client_id if use else '-'}: {message}"[:200],
            )
        headers = {"WWW-Authenticate": f'{REALM}, error="{error}"'} if error else None
        raise FhirError(403, "forbidden", message, headers)

    def types(rtype: str) -> None:
        if granted is not None and not granted.may_read(rtype):
            refuse(f"the access token's scopes do not allow reading {rtype[:40]}", None, "insufficient_scope")

    def guard(patient_ids: frozenset[int] | None) -> None:
        if granted is not None and granted.patient_only:
            allowed = frozenset({bound}) if bound is not None else frozenset()
            if patient_ids is None or not patient_ids <= allowed:
                refuse("this access token reaches only its own patient's record", patient_ids)
        access.authorise(
            principal,
            patient_ids,
            action="fhir_read",
            resource=resource,
            ip=ip,
            population_message=POPULATION_WIDE,
        )

    def writes(rtype: str, interaction: str, patient_ids: frozenset[int]) -> None:
        if granted is None:
            if not check_csrf(request, request.headers.get("x-csrf-token")):
                refuse(
                    "send the X-CSRF-Token header with the session's CSRF token",
                    patient_ids,
                    None,
                    "fhir_write",
                )
            return
        if not granted.may_write(rtype, "c" if interaction == "create" else "u"):
            message = f"the access token's scopes do not allow {interaction[:20]} of {rtype[:40]}"
            refuse(message, patient_ids, "insufficient_scope", "fhir_write")
        if granted.patient_only and not patient_ids <= ({bound} if bound is not None else set()):
            refuse("this access token reaches only its own patient's record", patient_ids, None, "fhir_write")

    exporter = use is not None and granted is not None and granted.may_export
    return User(
        principal.username,
        (principal.role.value,),
        guard,
        types if granted is not None else None,
        granted.may_read if granted is not None else None,
        population=_population(request, principal, resource, ip) if exporter else None,
        owner=f"client:{use.claims.client_id}" if use else f"user:{principal.username}",
        exported=lambda job: _audit_export(request, principal, job),
        principal=principal,
        writes=writes,
    )


def _population(request: Request, principal: Principal, resource: str, ip: str):
    """The people a ``system/*.read`` token may export: each person in the lake, or of the Group if
    one is named (:mod:`nhc.web.fhir_groups`: the caseload, a neighbourhood, or a worklist in one),
    on whom the one decision allows the account a neighbourhood or care relationship (break-glass
    is for one person in an emergency, never for bulk), audited person by person."""

    def population(group: str | None) -> frozenset[int]:
        sec, insights = security(request), request.app.state.insights
        target = (
            None if group is None else resolve_group(group, principal.neighbourhoods, worklist_keys(insights))
        )
        if target is not None and target.worklist is not None:
            ids = worklist_members(insights, target)
        else:
            ids = [
                int(r["patient_id"])
                for r in fhir_reader(request).rows("SELECT patient_id FROM patients ORDER BY 1")
            ]
        allowed: list[int] = []
        with sec.db.unit_of_work() as s:
            for pid in ids:
                try:
                    nb = insights.patient_neighbourhood(pid)
                except NhcError:
                    nb = None
                if target is not None and not target.covers(nb):
                    continue
                decision = sec.check_patient_access(principal, pid, nb, session=s)
                basis = str(decision.basis)
                if not decision.allowed or basis == AccessBasis.BREAK_GLASS:
                    continue
                if target is not None and target.caseload and basis == AccessBasis.NEIGHBOURHOOD:
                    continue
                allowed.append(pid)
        patient_access(request).authorise(
            principal, frozenset(allowed), action="fhir_bulk_export", resource=resource, ip=ip
        )
        return frozenset(allowed)

    return population


def _audit_export(request: Request, principal: Principal, job: BulkJob) -> None:
    counts = ", ".join(f"{o['type']}={o['count']}" for o in job.output) or "no rows"
    security(request).record(
        principal,
        "fhir_bulk_export_done",
        outcome="success" if job.status == "done" else "failure",
        resource=f"job:{job.id}",
        detail=f"{counts}{'; ' + job.error if job.error else ''}"[:1000],
    )
