"""Social prescribing referrals, closed loop: a referral to a directory service is answered by the
provider (accepted or declined) within 14 days, or declined by the clock, and ends with a message back.

Contract
--------
A :class:`Referral` starts ``sent`` and is coded SNOMED CT 871731000000106 (referral to social
prescribing service). The provider may :meth:`~Referral.accept` or :meth:`~Referral.decline` it
while it is ``sent`` and not overdue; a decline (or :meth:`~Referral.auto_decline_if_due` once the
14 days are up) codes it 871711000000103 (referral to social prescribing service declined). An
accepted referral is on a link worker's caseload until :meth:`~Referral.end`. Every change that the
referrer must hear about returns the :class:`Notice` to send them. A wrong move raises
:class:`ReferralError` (HTTP 409) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from nhc.navigation.domain.errors import NavigationError

REFERRAL_CODE = "871731000000106"  # Referral to social prescribing service (procedure)
DECLINED_CODE = "871711000000103"  # Referral to social prescribing service declined (situation)
SNOMED = "http://snomed.info/sct"
RESPONSE_DAYS = 14


class ReferralError(NavigationError):
    """A referral cannot make that move from where it is (HTTP 409)."""

    http_status = 409


class Source(StrEnum):
    NAVIGATOR = "navigator"
    CLINICIAN = "clinician"
    SELF = "self"


class Status(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    AUTO_DECLINED = "auto_declined"
    ENDED = "ended"


OPEN = frozenset({Status.SENT, Status.ACCEPTED})


@dataclass(frozen=True)
class Notice:
    """A message to the referrer about their referral."""

    recipient: str
    kind: str  # accepted, declined, auto_declined, ended
    text: str


@dataclass
class Referral:
    patient_id: int
    service_id: str
    service_name: str
    source: Source
    referred_by: str  # the username of whoever made the referral (for a self-referral, who took it)
    created_at: dt.datetime
    reason: str = ""
    what_matters: str = ""
    status: Status = Status.SENT
    responded_at: dt.datetime | None = None
    responded_by: str | None = None
    decline_reason: str = ""
    for_capacity: bool = False
    ended_at: dt.datetime | None = None
    outcome: str = ""
    id: int | None = None

    @property
    def due_by(self) -> dt.datetime:
        """The provider answers by then, or the clock declines the referral."""
        return self.created_at + dt.timedelta(days=RESPONSE_DAYS)

    @property
    def snomed_code(self) -> str:
        return DECLINED_CODE if self.status in (Status.DECLINED, Status.AUTO_DECLINED) else REFERRAL_CODE

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def _awaiting(self, now: dt.datetime, move: str) -> None:
        if self.status is not Status.SENT:
            raise ReferralError(f"referral {self.id} is {self.status.value}: it cannot be {move}")
        if now > self.due_by:
            raise ReferralError(f"referral {self.id} was not answered within {RESPONSE_DAYS} days")

    def accept(self, by: str, now: dt.datetime) -> Notice:
        self._awaiting(now, "accepted")
        self.status, self.responded_at, self.responded_by = Status.ACCEPTED, now, by
        return Notice(self.referred_by, "accepted", f"{self.service_name} accepted the referral.")

    def decline(self, by: str, now: dt.datetime, reason: str, *, for_capacity: bool = False) -> Notice:
        if not reason.strip():
            raise ReferralError("say why the referral is declined")
        self._awaiting(now, "declined")
        self.status, self.responded_at, self.responded_by = Status.DECLINED, now, by
        self.decline_reason, self.for_capacity = reason.strip(), for_capacity
        why = "it has no capacity" if for_capacity else reason.strip()
        return Notice(self.referred_by, "declined", f"{self.service_name} declined the referral: {why}.")

    def auto_decline_if_due(self, now: dt.datetime) -> Notice | None:
        """Declined by the clock once the 14 days are up without an answer; else None."""
        if self.status is not Status.SENT or now <= self.due_by:
            return None
        self.status, self.responded_at, self.responded_by = Status.AUTO_DECLINED, now, None
        self.decline_reason = f"no answer within {RESPONSE_DAYS} days"
        return Notice(
            self.referred_by,
            "auto_declined",
            f"{self.service_name} did not answer within {RESPONSE_DAYS} days, so the referral was "
            "declined. Please refer to another service.",
        )

    def check_measurable(self) -> None:
        """Wellbeing is measured once support has begun: accepted, or ended (a last follow-up)."""
        if self.status not in (Status.ACCEPTED, Status.ENDED):
            raise ReferralError(
                f"referral {self.id} is {self.status.value}: wellbeing is measured once support has begun"
            )

    def end(self, by: str, now: dt.datetime, outcome: str) -> Notice:
        """Support has ended (accepted referrals only): the referrer hears how it went."""
        if self.status is not Status.ACCEPTED:
            raise ReferralError(f"referral {self.id} is {self.status.value}: only accepted support can end")
        self.status, self.ended_at, self.outcome = Status.ENDED, now, outcome.strip()
        return Notice(
            self.referred_by, "ended", f"Support from {self.service_name} has ended: {self.outcome}"
        )
