"""The access area's errors: each a one-line :class:`~nhc.errors.NhcError` carrying its HTTP status
(the area itself knows nothing about HTTP; the web layer reads ``http_status``)."""

from __future__ import annotations

from collections.abc import Iterable

from nhc.errors import NhcError


class AccessAreaError(NhcError):
    """A booking or planning request the user can fix (HTTP 400)."""

    http_status = 400


class BadField(AccessAreaError):
    """A field has a value outside what is allowed: names the field and the allowed values (HTTP 422)."""

    http_status = 422

    def __init__(self, field: str, message: str, allowed: Iterable[str] | str) -> None:
        allowed_text = allowed if isinstance(allowed, str) else ", ".join(allowed)
        super().__init__(f"{field}: {message}", hint=f"allowed: {allowed_text}")
        self.field = field


class NotFound(AccessAreaError):
    """No such schedule, slot or appointment (HTTP 404)."""

    http_status = 404


class SlotInPast(AccessAreaError):
    """Only future slots can be booked or cancelled (HTTP 422)."""

    http_status = 422

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: the slot has already started", hint="choose a slot later than now")


class SlotUnavailable(AccessAreaError):
    """The slot is not free (busy, blocked or entered in error) (HTTP 409)."""

    http_status = 409


class SlotTaken(SlotUnavailable):
    """Someone else booked the slot first: the loser of a booking race is told so (HTTP 409)."""

    def __init__(self, slot_id: str) -> None:
        super().__init__(
            f"that slot was just taken: slot {slot_id} was booked by someone else a moment ago",
            hint="search again and choose another slot",
        )
        self.slot_id = slot_id


class NotEligible(AccessAreaError):
    """The patient's practice is not in the hub's area (HTTP 403)."""

    http_status = 403


class InvalidTransition(AccessAreaError):
    """The appointment cannot move to that status from where it is (HTTP 409)."""

    http_status = 409
