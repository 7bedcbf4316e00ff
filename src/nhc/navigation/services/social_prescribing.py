"""Use cases of social prescribing, closed loop: refer, answer (accept or decline), the clock that
declines unanswered referrals, end support, the link worker's caseload and the referrer's notices.

Contract
--------
:class:`SocialPrescribing` works over the navigation service (its database, directory and clock)
and the one person-level access decision, :class:`nhc.insights.access.PatientAccess`. Each use case
that touches a person is one transaction holding the access decision for that person (role, then
relationship: neighbourhood, caseload or break-glass), the change, the notice to the referrer and
the audit lines: all committed or none. A refused decision is audited and raises
:class:`~nhc.security.service.AccessDenied`; a wrong move raises
:class:`~nhc.navigation.domain.referral.ReferralError` (409); an unknown service or referral
:class:`~nhc.navigation.domain.NotFound`.

:meth:`SocialPrescribing.choose` takes the decision (audited ``sp_refer_form``) for the person a
referral form is about, before the page shows who they are.

Wellbeing outcomes (:mod:`nhc.navigation.domain.wellbeing`): :meth:`SocialPrescribing.record_measure`
stores an ONS4 or SWEMWBS questionnaire at baseline or follow-up once support has begun (a follow-up
needs its baseline; one of each per referral and kind); :meth:`SocialPrescribing.referral` shows a
referral with its measures and the change. Both pass the access decision and are audited.

A provider that declines for capacity turns **amber** in the directory for
:data:`CAPACITY_DAYS` days; a second capacity decline within :data:`RESPONSE_DAYS` days turns it
**red** (the navigator stops offering it) for the same time, after which it lapses to green.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nhc.insights.access import PatientAccess
from nhc.lake.tables.operational import CARE_RECORDS, LOCAL, SNOMED
from nhc.navigation import referral_repository as repo
from nhc.navigation import repository
from nhc.navigation.domain import BadField, Capacity, NotFound, Rag, Service, ServiceStatus
from nhc.navigation.domain.referral import RESPONSE_DAYS, Referral, ReferralError, Source, Status
from nhc.navigation.domain.wellbeing import Change, Kind, Measure, Timepoint, change, measure
from nhc.navigation.services import NavigationService
from nhc.navigation.services.equity import EquityReport, PeopleDetails, equity_rows
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied

CAPACITY_DAYS = 7
#: A referral's status -> the outcome written to the lake (open referrals have none).
_LAKE_OUTCOMES = {
    Status.ACCEPTED: "accepted",
    Status.DECLINED: "declined",
    Status.AUTO_DECLINED: "not answered",
    Status.ENDED: "ended",
}
SP_KINDS = frozenset({"social_prescribing"})


@dataclass(frozen=True)
class ReferralView:
    """A referral with its wellbeing measures and, per kind measured twice, the change."""

    referral: Referral
    measures: tuple[Measure, ...]
    changes: Mapping[Kind, list[Change]]

    def measure(self, kind: Kind, when: Timepoint) -> Measure | None:
        return next((m for m in self.measures if (m.kind, m.timepoint) == (kind, when)), None)


def _view(referral: Referral, measures: list[Measure]) -> ReferralView:
    by = {(m.kind, m.timepoint): m for m in measures}
    changes = {
        k: change(by[(k, Timepoint.BASELINE)], by[(k, Timepoint.FOLLOW_UP)])
        for k in Kind
        if (k, Timepoint.BASELINE) in by and (k, Timepoint.FOLLOW_UP) in by
    }
    return ReferralView(referral, tuple(measures), changes)


class SocialPrescribing:
    def __init__(
        self,
        navigation: NavigationService,
        access: PatientAccess,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.navigation, self.access, self.db = navigation, access, navigation.db
        self.clock = clock or navigation.clock

    def _authorise(
        self, s: Session, principal: Principal, patient_id: int, action: str, ip: str | None
    ) -> None:
        """The one access decision for ``patient_id`` in this transaction, audited in it; a refusal
        is committed on its own (a decision is a fact to keep) and raised."""
        try:
            self.access.authorise(
                principal,
                frozenset({patient_id}),
                action=action,
                resource="social_prescribing",
                ip=ip,
                session=s,
            )
        except AccessDenied:
            s.commit()
            raise

    def choose(self, principal: Principal, patient_id: int, *, ip: str | None = None) -> None:
        """The person a referral form is about, before it is shown with their name: the access
        decision for them (audited ``sp_refer_form``); a refusal raises
        :class:`~nhc.security.service.AccessDenied`."""
        with self.db.unit_of_work() as s:
            self._authorise(s, principal, patient_id, "sp_refer_form", ip)

    def referral_service(self, service_id: str, source: str) -> Service:
        """The service a referral from ``source`` would go to, after the checks that do not depend
        on the person (a known source, a service in the directory taking referrals): raises
        :class:`BadField`, :class:`NotFound` or :class:`ReferralError`. A form that names no one
        the user may see runs them too, so its answer matches a refused person's."""
        allowed = [s.value for s in Source]
        if source not in allowed:
            raise BadField("source", f"{str(source)[:20]!r} is not a source of referral", allowed)
        service = self.navigation.directory().services.get(service_id)
        if service is None:
            raise NotFound(f"there is no service {service_id!r} in the directory")
        if service.status is not ServiceStatus.ACTIVE:
            raise ReferralError(f"{service.name} is not taking referrals ({service.status.value})")
        return service

    def refer(
        self,
        principal: Principal,
        patient_id: int,
        service_id: str,
        *,
        source: str,
        reason: str = "",
        what_matters: str = "",
        ip: str | None = None,
    ) -> Referral:
        """Refer the person to a directory service (coded 871731000000106): the checks of
        :meth:`referral_service` first, then the access decision for the person (audited)."""
        service = self.referral_service(service_id, source)
        now = self.clock()
        referral = Referral(patient_id, service_id, service.name, Source(source), principal.username, now, reason.strip()[:2000], what_matters.strip()[:2000])  # fmt: skip
        try:
            with self.db.unit_of_work() as s:
                self._authorise(s, principal, patient_id, "sp_refer", ip)
                repo.add(s, referral)
                self._audit(s, principal, "sp_referral_created", referral, ip)
        except IntegrityError:
            raise ReferralError(f"this person already has an open referral to {service.name}") from None
        return referral

    def _audit(
        self, s: Session, principal: Principal | None, action: str, r: Referral, ip: str | None
    ) -> None:
        self.access.security.record_in(
            s,
            principal,
            action,
            patient_id=r.patient_id,
            resource=f"sp_referral/{r.id}",
            ip=ip,
            detail=f"status={r.status.value} code={r.snomed_code} service={r.service_id}",
        )

    def respond(
        self,
        principal: Principal,
        referral_id: int,
        *,
        accept: bool,
        reason: str = "",
        for_capacity: bool = False,
        ip: str | None = None,
    ) -> Referral:
        """The provider accepts or declines; a decline for capacity turns the service amber or red."""
        now = self.clock()
        with self.db.unit_of_work() as s:
            referral = repo.get(s, referral_id)
            self._authorise(s, principal, referral.patient_id, "sp_respond", ip)
            if accept:
                notice = referral.accept(principal.username, now)
            else:
                notice = referral.decline(principal.username, now, reason[:500], for_capacity=for_capacity)
            repo.save(s, referral)
            repo.add_notice(s, referral_id, notice, now)
            self._audit(s, principal, f"sp_referral_{referral.status.value}", referral, ip)
            if referral.for_capacity:
                self._capacity(s, referral, now)
        if referral.for_capacity:
            self.navigation.directory_changed()
        return referral

    def _capacity(self, s: Session, referral: Referral, now: dt.datetime) -> None:
        recent = repo.capacity_declines_since(s, referral.service_id, now - dt.timedelta(days=RESPONSE_DAYS))
        status = Rag.RED if recent >= 2 else Rag.AMBER
        until = now + dt.timedelta(days=CAPACITY_DAYS)
        why = f"declined {recent} referral(s) for capacity in {RESPONSE_DAYS} days"
        # the service may have left the directory since: then there is nothing to mark
        with contextlib.suppress(NotFound):
            repository.set_capacity(s, referral.service_id, Capacity(status, until, why))

    def run_clock(self) -> list[Referral]:
        """Decline every referral not answered within 14 days, with a notice to each referrer."""
        now = self.clock()
        with self.db.unit_of_work() as s:
            declined = repo.overdue(s, now)
            for referral in declined:
                notice = referral.auto_decline_if_due(now)
                if notice is None:  # cannot happen: overdue() chose them by the same rule
                    continue
                repo.save(s, referral)
                repo.add_notice(s, referral.id, notice, now)  # type: ignore[arg-type]
                self._audit(s, None, "sp_referral_auto_declined", referral, None)
        return declined

    def export_records(self) -> pa.Table:
        """Every referral as ``care_records`` rows (coded 871731000000106, or 871711000000103 when
        declined), for the lake; one audit line says how many left for it. The system acts (no user)."""
        with self.db.unit_of_work() as s:
            referrals = repo.every_referral(s)
            services = self.navigation.directory().services
            areas = {r.id: _area(services.get(r.service_id)) for r in referrals}
            rows = [_care_record(r, areas[r.id]) for r in referrals]
            measures = repo.measures(s)
            by_referral = {r.id: r for r in referrals}
            for m in measures:
                rows += _wellbeing_records(m, by_referral[m.referral_id].patient_id, areas[m.referral_id])
            self.access.security.record_in(
                s,
                None,
                "sp_export_lake",
                resource="care_records",
                detail=f"{len(referrals)} referrals of {len({r.patient_id for r in referrals})} people exported"
                + (f"; {len(measures)} wellbeing measures" if measures else ""),
            )
        return pa.Table.from_pylist(rows, schema=CARE_RECORDS.arrow)

    def record_measure(
        self,
        principal: Principal,
        referral_id: int,
        kind: str,
        when: str,
        answers: Mapping[str, object],
        *,
        ip: str | None = None,
    ) -> Measure:
        """Store an ONS4 or SWEMWBS questionnaire (``when``: baseline or follow_up) on a referral
        whose support has begun; bad answers raise :class:`~nhc.navigation.domain.wellbeing.AnswersError`
        naming every item, before anything is read or decided."""
        now = self.clock()
        m = measure(referral_id, kind, when, answers, taken_at=now, recorded_by=principal.username)
        try:
            with self.db.unit_of_work() as s:
                referral = repo.get(s, referral_id)
                self._authorise(s, principal, referral.patient_id, "sp_outcome_record", ip)
                referral.check_measurable()
                if m.timepoint is Timepoint.FOLLOW_UP and not any(
                    x.kind is m.kind and x.timepoint is Timepoint.BASELINE
                    for x in repo.measures(s, [referral_id])
                ):
                    raise ReferralError(f"record the baseline {m.instrument.title} before its follow-up")
                m = repo.add_measure(s, m)
                self.access.security.record_in(
                    s, principal, "sp_outcome_recorded", patient_id=referral.patient_id, ip=ip,
                    resource=f"sp_referral/{referral_id}",
                    detail=f"kind={m.kind.value} timepoint={m.timepoint.value} score={m.score}",
                )  # fmt: skip
        except IntegrityError:
            raise ReferralError(
                f"the {m.timepoint.value.replace('_', '-')} {m.instrument.title} is already recorded on "
                f"referral {referral_id}"
            ) from None
        return m

    def referral(self, principal: Principal, referral_id: int, *, ip: str | None = None) -> ReferralView:
        """One referral with its wellbeing measures and their change (audited ``sp_referral_view``)."""
        with self.db.unit_of_work() as s:
            referral = repo.get(s, referral_id)
            self._authorise(s, principal, referral.patient_id, "sp_referral_view", ip)
            return _view(referral, repo.measures(s, [referral_id]))

    def end(self, principal: Principal, referral_id: int, outcome: str, *, ip: str | None = None) -> Referral:
        """Support has ended: the referrer hears how it went."""
        if not outcome.strip():
            raise BadField("outcome", "is required", "a few words on how it went")
        now = self.clock()
        with self.db.unit_of_work() as s:
            referral = repo.get(s, referral_id)
            self._authorise(s, principal, referral.patient_id, "sp_end", ip)
            notice = referral.end(principal.username, now, outcome[:2000])
            repo.save(s, referral)
            repo.add_notice(s, referral_id, notice, now)
            self._audit(s, principal, "sp_referral_ended", referral, ip)
        return referral

    def caseload(self, principal: Principal, *, ip: str | None = None) -> list[Referral]:
        """Open referrals to the social prescribing services of the link worker's neighbourhoods,
        each person passing the access decision (audited as ``sp_caseload_view``); people the worker
        may not see are left out."""
        directory = self.navigation.directory()
        services = [
            s.id
            for s in directory.services.values()
            if s.kind in SP_KINDS and {a.name for a in s.service_areas} & set(principal.neighbourhoods)
        ]
        shown = []
        with self.db.unit_of_work() as s:
            for referral in repo.for_services(s, services, (Status.SENT, Status.ACCEPTED)):
                decision = self.access.security.check_patient_access(
                    principal,
                    referral.patient_id,
                    self.access.neighbourhood_of(referral.patient_id),
                    session=s,
                )
                outcome = "success" if decision.allowed else "denied"
                self.access.security.record_in(
                    s, principal, "sp_caseload_view", outcome=outcome, patient_id=referral.patient_id, ip=ip,
                    resource=f"sp_referral/{referral.id}", detail=f"basis={decision.basis}",
                )  # fmt: skip
                if decision.allowed:
                    shown.append(referral)
        return shown

    def equity(self, principal: Principal, people: PeopleDetails, *, ip: str | None = None) -> EquityReport:
        """Who is referred, declined and helped, by IMD quintile, age band, sex and ethnic group:
        counts of people, disclosure-controlled (any signed-in role; audited ``sp_equity_view``)."""
        with self.db.unit_of_work() as s:
            referrals = repo.every_referral(s)
            self.access.security.record_in(
                s, principal, "sp_equity_view", resource="sp_equity", ip=ip,
                detail=f"aggregate of {len(referrals)} referrals",
            )  # fmt: skip
        details = people.details(r.patient_id for r in referrals)
        return EquityReport(equity_rows(referrals, details), self.clock(), people.as_of())

    def notices(self, principal: Principal) -> list[dict[str, object]]:
        """The notices sent to this user about their referrals, newest first."""
        with self.db.unit_of_work() as s:
            return repo.notices(s, principal.username)


def _area(service: Service | None) -> str | None:
    """The neighbourhood a service serves (its first service area), if it is still in the directory."""
    return service.service_areas[0].name if service is not None and service.service_areas else None


def _care_record(r: Referral, neighbourhood: str | None) -> dict[str, object]:
    """One referral as a ``care_records`` row: sent on its creation day, closed when answered no or ended."""
    closed = r.ended_at or (r.responded_at if r.status in (Status.DECLINED, Status.AUTO_DECLINED) else None)
    return {
        "patient_id": r.patient_id,
        "record_type": "social_prescribing",
        "code_system": SNOMED,
        "code": r.snomed_code,
        "start_date": r.created_at.date(),
        "end_date": closed.date() if closed else None,
        "outcome": _LAKE_OUTCOMES.get(r.status),
        "neighbourhood": neighbourhood,
        "source_id": f"sp-referral-{r.id}",
        "value": None,
    }


def _wellbeing_records(m: Measure, patient_id: int, neighbourhood: str | None) -> list[dict[str, object]]:
    """One measure as ``care_records`` rows of NHC's local code system: one row per ONS4 question
    (never summed), one row for the SWEMWBS metric score; ``outcome`` says baseline or follow_up."""
    if m.kind is Kind.SWEMWBS:
        values = [("swemwbs-metric", m.score)]
    else:
        values = [(f"ons4-{key}", float(v)) for key, v in m.by_item().items()]
    return [
        {
            "patient_id": patient_id,
            "record_type": "wellbeing_measure",
            "code_system": LOCAL,
            "code": code,
            "start_date": m.taken_at.date(),
            "end_date": None,
            "outcome": m.timepoint.value,
            "neighbourhood": neighbourhood,
            "source_id": f"sp-wellbeing-{m.id}-{code}",
            "value": value,
        }
        for code, value in values
    ]
