"""SMART on FHIR scopes, parsed once and checked as data (SMART App Launch 2, "Scopes and Launch
Context").

A resource scope is ``<context>/<type>.<permissions>``: context ``patient`` (one patient's record,
chosen at launch), ``user`` (whatever the signed-in user may see) or ``system`` (a backend service,
acting as the account the administrator bound to it); type a FHIR resource type or ``*``;
permissions SMART v1 ``read`` / ``write`` / ``*`` or v2 ``c r u d s`` letters (``rs`` = read and
search). Both spellings mean the same here: ``read`` = ``rs``, ``write`` = ``cud``.

A scope never widens the access model: it narrows what the principal behind the token may do. Reads
still go through the one person-level decision (role, relationship, break-glass, audit). Writes are
granted only on the operational types (:data:`WRITABLE_TYPES`: the care record's and hub
appointments); the lake is read-only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONTEXTS = ("patient", "user", "system")
#: The care record's types.
CARE_TYPES = frozenset({"EpisodeOfCare", "CarePlan", "CareTeam", "Task", "ServiceRequest"})
#: The operational types: the only ones a write scope may name (the care record's, and hub
#: appointments, which are booked and cancelled over FHIR).
WRITABLE_TYPES = CARE_TYPES | {"Appointment"}
#: Scopes that are not about resources.
LAUNCH_PATIENT = "launch/patient"
#: ``offline_access`` / ``online_access`` ask for a refresh token (:mod:`~nhc.security.oauth.refresh`).
OTHER_SCOPES = frozenset({LAUNCH_PATIENT, "openid", "fhirUser", "offline_access", "online_access"})

_SCOPE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]{1,63})\.(read|write|\*|c?r?u?d?s?)$", re.ASCII)
_READ, _WRITE = frozenset("rs"), frozenset("cud")


class ScopeError(ValueError):
    """A scope string that is not a SMART scope this server grants."""


@dataclass(frozen=True)
class ResourceScope:
    """``context/rtype.permissions`` with permissions as a set of SMART v2 letters."""

    context: str
    rtype: str
    permissions: frozenset[str]

    def covers(self, other: ResourceScope) -> bool:
        """Whether this scope grants everything ``other`` asks for."""
        return (
            self.context == other.context
            and self.rtype in ("*", other.rtype)
            and other.permissions <= self.permissions
        )

    def allows(self, rtype: str, permission: str) -> bool:
        return self.rtype in ("*", rtype) and permission in self.permissions


def parse_scope(text: str) -> ResourceScope | str:
    """One scope: a :class:`ResourceScope`, or one of :data:`OTHER_SCOPES` as it is.

    Raises :class:`ScopeError` for anything else, and for write permissions on a type that is not
    one of :data:`WRITABLE_TYPES` (the lake is read-only)."""
    if text in OTHER_SCOPES:
        return text
    match = _SCOPE.match(text)
    if not match or not match.group(3):
        raise ScopeError(f"{text[:80]!r} is not a SMART scope (e.g. patient/*.read, system/Observation.rs)")
    context, rtype, perms = match.groups()
    letters = {"read": _READ, "write": _WRITE, "*": _READ | _WRITE}.get(perms, frozenset(perms))
    if letters & _WRITE and rtype != "*" and rtype not in WRITABLE_TYPES:
        raise ScopeError(
            f"{text!r}: write scopes are only granted on the operational types "
            f"({', '.join(sorted(WRITABLE_TYPES))})"
        )
    return ResourceScope(context, rtype, frozenset(letters))


def parse_scopes(text: str | None) -> tuple[ResourceScope | str, ...]:
    """A space-separated scope string, each part parsed (:class:`ScopeError` on the first bad one)."""
    return tuple(parse_scope(s) for s in (text or "").split())


def resource_scopes(text: str | None) -> list[ResourceScope]:
    return [s for s in parse_scopes(text) if isinstance(s, ResourceScope)]


def allowed_subset(requested: str | None, registered: str) -> str | None:
    """The requested scopes, as written, if the client's registered scopes cover every one of them
    (an empty request gets the registered scopes), else ``None``."""
    texts = (requested or registered).split()
    reg = parse_scopes(registered)
    reg_resources = [s for s in reg if isinstance(s, ResourceScope)]
    for scope in (parse_scope(t) for t in texts):
        ok = scope in reg if isinstance(scope, str) else any(r.covers(scope) for r in reg_resources)
        if not ok:
            return None
    return " ".join(texts)


@dataclass(frozen=True)
class GrantedScopes:
    """What a token may do, as checked on each FHIR request."""

    scopes: tuple[ResourceScope, ...]

    @classmethod
    def of(cls, text: str | None) -> GrantedScopes:
        return cls(tuple(resource_scopes(text)))

    def may_read(self, rtype: str) -> bool:
        """Read and search (``r`` and ``s``) of ``rtype`` in any context the token holds."""
        return any(s.allows(rtype, "r") for s in self.scopes)

    def may_write(self, rtype: str, permission: str = "u") -> bool:
        """Create (``c``), update (``u``) or delete (``d``) of ``rtype`` in any context the token
        holds (``write``, ``*`` and ``*.write`` include all three). A lake type is never writable,
        whatever the scope says."""
        return (
            permission in _WRITE
            and rtype in WRITABLE_TYPES
            and any(s.allows(rtype, permission) for s in self.scopes)
        )

    @property
    def may_export(self) -> bool:
        """Bulk export: a ``system/*.read`` (or ``system/*.rs``) scope."""
        return any(
            s.context == "system" and s.rtype == "*" and {"r", "s"} <= s.permissions for s in self.scopes
        )

    @property
    def patient_only(self) -> bool:
        """Every resource scope is a ``patient/`` scope: the token is bound to its launch patient."""
        return bool(self.scopes) and all(s.context == "patient" for s in self.scopes)

    @property
    def contexts(self) -> frozenset[str]:
        return frozenset(s.context for s in self.scopes)
