"""The dispatcher: read, search, ``$everything`` and ``$care-record`` over the one table, for lake
and care resources alike.

The order is the security contract of the FHIR API (see ``docs/security.md``):

1. parse every parameter (:func:`nhc.fhir.server.params.parse_search`, the one identifier parser);
2. resolve which patients the request is about (``None`` when it is population-wide), with the
   same canonical values and tables as the search itself;
3. the caller's :class:`User` decides on that set — in the web app, the one person-level access
   decision, :class:`nhc.insights.access.PatientAccess` (role, relationship, break-glass, audit);
4. run the search restricted to exactly that set (``Search.scope``), whatever else it says;
   ``_include`` and ``_revinclude`` resources come from within the same set (never a wider one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nhc.fhir.server.bulk import BulkExports, BulkJob
from nhc.fhir.server.capability import SmartSecurity, capability_statement
from nhc.fhir.server.care import care_record, care_searchers, record_number
from nhc.fhir.server.lake import UncodedRecords, lake_searchers
from nhc.fhir.server.outcome import FhirError
from nhc.fhir.server.params import COMMON_PARAMS, Search, parse_search
from nhc.fhir.server.stored import stored_searchers
from nhc.fhir.server.table import (
    CARE,
    EVERYTHING,
    Include,
    ResourceType,
    Searcher,
    Sources,
    Table,
    revincludes,
)
from nhc.identifiers import InvalidIdentifier, parse_patient_id
from nhc.security.roles import Principal

#: THE table: every type the server can serve, lake first (its tables, then the types it keeps
#: only whole), then the care record.
TABLE = Table([*lake_searchers(), *stored_searchers(), *care_searchers()], extras=[UncodedRecords()])
SEARCHABLE = TABLE.all_types
KNOWN_PARAMS = TABLE.all_params | set(COMMON_PARAMS)

#: Decides whether the requester may read the given patients (``None``: a population-wide query,
#: an empty set: the query resolves to no one). Raises to refuse; audits whatever the outcome.
PatientGuard = Callable[[frozenset[int] | None], None]
#: Decides whether the requester may read resources of a type at all (an access token's scopes).
#: Raises :class:`FhirError` (403) to refuse, audited by whoever supplies it.
TypeGuard = Callable[[str], None]
#: Decides whether the requester may write (``interaction``: ``create`` or ``update``) a resource
#: of a type about the given patients -- an access token's write scopes and launch patient, a
#: session's CSRF token. Raises :class:`FhirError` (403) to refuse, audited by whoever supplies it.
#: The person-level decision on the write itself is the use case's (with :attr:`User.principal`).
WriteGuard = Callable[[str, str, frozenset[int]], None]


@dataclass(frozen=True)
class User:
    """Who is asking, and the access decision for them (the web app plugs in its own).

    The server calls :meth:`authorise` with the patient ids a request *resolves to* (after parsing,
    before reading anything), and restricts the query to those ids: the decision is never made on
    raw parameters. Without a guard (the bare router, the system user) every read is allowed.

    ``types`` (an access token's scopes) is asked first, with the resource type, for every read,
    search and operation; ``may_read`` says, without refusing, which types ``$everything`` includes.

    Writes (hub appointments) are made by use cases that take the NHC account (``principal``) and
    make the person-level decision and audit in the write's own transaction; ``writes`` is asked
    first (:meth:`authorise_write`). Without a ``principal`` a write is the system's."""

    username: str
    roles: tuple[str, ...] = ()
    guard: PatientGuard | None = None
    types: TypeGuard | None = None
    may_read: Callable[[str], bool] | None = None
    #: Bulk export: the people this user may export (``group``: a Group id, ``None``: everyone
    #: they may see), decided and audited; ``None``: this user may not export (403).
    population: Callable[[str | None], frozenset[int]] | None = None
    #: Who owns the export jobs this user starts (a client id, a username).
    owner: str = ""
    #: Called when an export job ends (to audit it with its row counts).
    exported: Callable[[BulkJob], None] | None = None
    #: The NHC account behind the request (a token's account or the signed-in user), for writes.
    principal: Principal | None = None
    writes: WriteGuard | None = None

    def authorise(self, patient_ids: frozenset[int] | None) -> None:
        if self.guard is not None:
            self.guard(patient_ids)

    def authorise_type(self, rtype: str) -> None:
        if self.types is not None:
            self.types(rtype)

    def authorise_write(self, rtype: str, interaction: str, patient_ids: frozenset[int]) -> None:
        if self.writes is not None:
            self.writes(rtype, interaction, patient_ids)

    def reads(self, rtype: str) -> bool:
        return self.may_read is None or self.may_read(rtype)


SYSTEM_USER = User("system", ("system",))


@dataclass(frozen=True)
class SearchPage:
    """One page of a search: the matches, the total, the parsed search and ``_include`` resources."""

    resources: list[dict[str, Any]]
    total: int
    search: Search
    included: list[dict[str, Any]]


def _one(found: frozenset[int]) -> frozenset[int]:
    """A read is about exactly one patient; an id that resolves to none (or, impossibly, more) is a miss."""
    return found if len(found) == 1 else frozenset()


class FhirServer:
    """The FHIR server over ``sources`` (the lake, and the care record when it is given)."""

    def __init__(
        self,
        sources: Sources,
        table: Table = TABLE,
        security: SmartSecurity | None = None,
        bulk: BulkExports | None = None,
        extra_capabilities: Sequence[dict[str, Any]] = (),
    ) -> None:
        self.sources = sources
        self.table = table
        self.security = security
        self.bulk = bulk
        #: CapabilityStatement entries of types served by routes outside the table (hub appointments).
        self.extra_capabilities = tuple(extra_capabilities)

    def served(self, rtype: str) -> ResourceType:
        found = self.table.get(rtype, self.sources)
        if found is None:
            raise FhirError(404, "not-supported", f"resource type {rtype[:40]!r} is not served")
        return found

    def capability(self, base: str) -> dict[str, Any]:
        return capability_statement(
            self.table.served(self.sources),
            base,
            self.security,
            self.bulk is not None,
            self.extra_capabilities,
        )

    def read(self, user: User, rtype: str, rid: str) -> dict[str, Any]:
        """``rtype/rid``: the decision on the patient the id resolves to, then the read."""
        part = self.served(rtype).reader_of(rid)
        user.authorise_type(rtype)
        scope = None
        if part.person_level:
            scope = _one(part.patients_of(self.sources, [rid]))
            user.authorise(scope)
        found, _ = part.search(self.sources, Search(rtype, None, [], [], None, [rid], 1, 0, scope))
        if not found:
            raise FhirError(404, "not-found", f"{rtype}/{rid[:60]} is not known")
        return found[0]

    def search(self, user: User, rtype: str, params: list[tuple[str, str]]) -> tuple[list[dict], int, Search]:
        """(one page of resources, total matches, the parsed search), decided and restricted."""
        found = self.search_page(user, rtype, params)
        return found.resources, found.total, found.search

    def search_page(self, user: User, rtype: str, params: list[tuple[str, str]]) -> SearchPage:
        """One page of a search, decided and restricted, with its ``_include`` and ``_revinclude``
        resources (both within the decided patients; see :meth:`_included`, :meth:`_revincluded`)."""
        served = self.served(rtype)
        reverse = revincludes(self.table.served(self.sources), rtype)
        s = parse_search(
            rtype,
            params,
            {p.name for p in served.params},
            [i.value for i in served.includes],
            [i.value for i in reverse],
        )
        user.authorise_type(rtype)
        if served.person_level:
            s.scope = self.resolve_scope(served, s)
            user.authorise(s.scope)
        resources, total = served.search(self.sources, s)
        included = self._included(user, served, s, resources)
        included += self._revincluded(
            user, served, s, resources, [i for i in reverse if i.value in s.revincludes]
        )
        unique = {(r["resourceType"], r["id"]): r for r in included}
        return SearchPage(resources, total, s, list(unique.values()))

    def _included(
        self, user: User, served: ResourceType, s: Search, resources: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The resources the page refers to through ``s.includes`` — only those about the people the
        search was decided on (the decision already made covers them), and of types the user reads."""
        out: list[dict[str, Any]] = []
        for inc in (i for i in served.includes if i.value in s.includes):
            target = self.table.get(inc.target, self.sources)
            if target is None or not user.reads(inc.target):
                continue
            for rid in dict.fromkeys(r for res in resources for r in inc.references(res)):
                out += self._read_within(target, rid, s.scope)
        unique = {(r["resourceType"], r["id"]): r for r in out}
        return list(unique.values())

    def _revincluded(
        self,
        user: User,
        served: ResourceType,
        s: Search,
        resources: list[dict[str, Any]],
        wanted: list[Include],
    ) -> list[dict[str, Any]]:
        """The resources that refer to the page through ``wanted`` (``_revinclude``) — searched only
        among the people the search was decided on (``s.scope``; a population-wide search includes
        nothing), so an include never reaches anyone the decision did not cover; types the user reads."""
        if not wanted or not resources or not served.person_level or not s.scope:
            return []
        ids = {r["id"] for r in resources}
        owners = served.patients_of(self.sources, sorted(ids)) & s.scope
        out: list[dict[str, Any]] = []
        for inc in wanted:
            source = self.table.get(inc.source, self.sources)
            if source is None or not owners or not user.reads(inc.source):
                continue
            found, _ = source.search(
                self.sources, Search(inc.source, None, [], [], None, [], EVERYTHING, 0, owners)
            )
            out += [r for r in found if ids.intersection(inc.references(r))]
        return out

    def _read_within(
        self, target: ResourceType, rid: str, scope: frozenset[int] | None
    ) -> list[dict[str, Any]]:
        try:
            part = target.reader_of(rid)
        except FhirError:
            return []
        if part.person_level:
            owners = part.patients_of(self.sources, [rid])
            if scope is None or not owners or not owners <= scope:
                return []
            scope = owners
        found, _ = part.search(self.sources, Search(target.name, None, [], [], None, [rid], 1, 0, scope))
        return found

    def resolve_scope(self, served: ResourceType, s: Search) -> frozenset[int] | None:
        """The patients a person-level search can return resources about; ``None`` if population-wide.

        Each parameter that names patients narrows the set (FHIR ANDs parameters), so the result is
        the intersection of what ``patient``/``subject``, ``identifier`` and ``_id`` resolve to."""
        scopes: list[frozenset[int]] = []
        if s.patients is not None:
            if len(s.patients) > 1:  # patient=A&patient=B: both must hold, so no resource matches
                return frozenset()
            scopes.append(s.patients)
        if s.identifier is not None:
            scopes.append(served.patients_identified(self.sources, s.identifier))
        if s.ids:
            scopes.append(served.patients_of(self.sources, s.ids))
        if not scopes:
            return None
        out = scopes[0]
        for more in scopes[1:]:
            out &= more
        return out

    def everything(self, user: User, pid: str) -> list[dict[str, Any]]:
        """``Patient/{pid}/$everything``: the patient, then every served type's resources about them."""
        user.authorise_type("Patient")
        try:
            patient_id = parse_patient_id(pid)
        except InvalidIdentifier:
            user.authorise(frozenset())  # audited as a miss
            raise FhirError(404, "not-found", f"Patient/{pid[:40]} is not known") from None
        scope = frozenset({patient_id})
        user.authorise(scope)
        patient = self.served("Patient")
        out, _ = patient.search(
            self.sources, Search("Patient", None, [], [], None, [str(patient_id)], 1, 0, scope)
        )
        if not out:
            raise FhirError(404, "not-found", f"Patient/{patient_id} is not known")
        for served in self.table.served(self.sources):
            if served.name != "Patient" and served.person_level and user.reads(served.name):
                found, _ = served.search(
                    self.sources, Search(served.name, None, [], [], None, [], EVERYTHING, 0, scope)
                )
                out += found
        for extra in self.table.extras:
            if self.sources.has(extra.source):
                out += [
                    r for r in extra.everything(self.sources, patient_id) if user.reads(r["resourceType"])
                ]
        return out

    def care_record(self, user: User, rid: str) -> list[dict[str, Any]]:
        """``EpisodeOfCare/{rid}/$care-record``: the care episode with its team, plan, tasks, referrals."""
        user.authorise_type("EpisodeOfCare")
        number = record_number(rid, "care-episode-")
        care = self.sources.care
        part: Searcher | None = next(
            (p for p in self.served("EpisodeOfCare").parts if p.source == CARE), None
        )
        if care is None or part is None:
            raise FhirError(404, "not-supported", "the care record is not served here")
        scope = _one(part.patients_of(self.sources, [rid]))
        user.authorise(scope)
        if not scope:
            raise FhirError(404, "not-found", f"EpisodeOfCare/{rid[:60]} is not known")
        return care_record(care, number)

    # ------------------------------------------------------------------------------ bulk export
    def _exports(self) -> BulkExports:
        if self.bulk is None:
            raise FhirError(404, "not-supported", "bulk export is not served here")
        return self.bulk

    def export_types(self, user: User, wanted: list[str] | None) -> list[ResourceType]:
        """The types an export writes: ``_type`` (each served and readable), or every served type
        the user reads."""
        served = {t.name: t for t in self.table.served(self.sources)}
        if wanted is None:
            return [t for name, t in served.items() if user.reads(name)]
        unknown = [w for w in wanted if w not in served]
        if unknown:
            raise FhirError(400, "not-supported", f"_type: not served here: {', '.join(unknown)[:200]}")
        for name in wanted:
            user.authorise_type(name)
        return [served[name] for name in dict.fromkeys(wanted)]

    def export(
        self, user: User, group: str | None, wanted: list[str] | None, since: Any, request: str
    ) -> BulkJob:
        """Kick off ``$export`` (``group``: ``Group/{id}/$export``; ``None``: system or patient level)."""
        exports = self._exports()
        if user.population is None:
            raise FhirError(403, "forbidden", "bulk export needs an access token with system/*.read")
        types = self.export_types(user, wanted)
        patients = user.population(group)
        done = user.exported or (lambda job: None)
        return exports.start(
            types,
            self.sources,
            owner=user.owner,
            request=request,
            patients=patients,
            since=since,
            on_done=done,
        )

    def export_job(self, user: User, job_id: str) -> BulkJob:
        job = self._exports().job(job_id, user.owner)
        if job is None:
            raise FhirError(404, "not-found", "no such export (it may have expired)")
        return job

    def export_file(self, user: User, job_id: str, name: str) -> Any:
        path = self._exports().file(job_id, user.owner, name)
        if path is None:
            raise FhirError(404, "not-found", "no such export file (it may have expired)")
        return path

    def export_delete(self, user: User, job_id: str) -> None:
        if not self._exports().delete(job_id, user.owner):
            raise FhirError(404, "not-found", "no such export")
