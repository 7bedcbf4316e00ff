"""The navigator's request, checked field by field.

Contract
--------
:func:`parse_request` turns a JSON object into a :class:`NavigationRequest` or raises
:class:`BadField` naming the first bad field and the values it allows: ``age`` a whole number 0-120;
``sex`` one of :data:`SEXES`; ``reason`` one of the shipped reasons; ``red_flags`` a list of the
reason's own red flags (answered yes); ``when`` an ISO date-time (a time zone is converted to UK
local time; without one it is UK local time already; missing means ``now``); ``practice_code``,
``small_area``, ``postcode`` optional text. Unknown fields are refused, so a misspelt one is never
silently ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from nhc.navigation.domain.errors import BadField

UK = ZoneInfo("Europe/London")
SEXES = ("female", "male", "other", "unknown")
MAX_AGE = 120
FIELDS = ("age", "sex", "reason", "red_flags", "when", "practice_code", "small_area", "postcode")


@dataclass(frozen=True)
class NavigationRequest:
    age: int
    sex: str
    reason: str
    red_flags: tuple[str, ...]
    when: dt.datetime  # naive, UK local time
    practice_code: str | None = None
    small_area: str | None = None
    postcode: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "age": self.age,
            "sex": self.sex,
            "reason": self.reason,
            "red_flags": list(self.red_flags),
            "when": self.when.isoformat(timespec="minutes"),
            "practice_code": self.practice_code,
            "small_area": self.small_area,
            "postcode": self.postcode,
        }


def _age(value: Any) -> int:
    allowed = f"a whole number from 0 to {MAX_AGE}"
    if value is None:
        raise BadField("age", "is required", allowed)
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise BadField("age", f"{str(value)[:20]!r} is not a whole number", allowed)
    if not 0 <= value <= MAX_AGE:
        raise BadField("age", f"{value} is impossible", allowed)
    return value


def _when(value: Any, now: dt.datetime) -> dt.datetime:
    if value is None:
        return now
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadField(
            "when", f"{str(value)[:40]!r} is not a date-time", "ISO 8601, e.g. 2026-03-02T10:15:00"
        ) from None
    if when.tzinfo is not None:
        when = when.astimezone(UK).replace(tzinfo=None)
    return when.replace(second=0, microsecond=0)


def _text(body: Mapping[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise BadField(field, "must be non-empty text of at most 40 characters", "text, or leave it out")
    return value.strip()


def parse_request(body: Any, reasons: Mapping[str, tuple[str, ...]], now: dt.datetime) -> NavigationRequest:
    """Check ``body`` against the contract; ``reasons`` maps each reason to its red flags."""
    if not isinstance(body, Mapping):
        raise BadField("request", "must be a JSON object", ", ".join(FIELDS))
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise BadField(str(unknown[0])[:40], "is not a field of the request", FIELDS)
    age = _age(body.get("age"))
    sex = body.get("sex")
    if sex not in SEXES:
        raise BadField("sex", f"{str(sex)[:20]!r} is not allowed", SEXES)
    reason = body.get("reason")
    if not isinstance(reason, str) or reason not in reasons:
        raise BadField("reason", f"unknown reason {str(reason)[:40]!r}", sorted(reasons))
    flags = body.get("red_flags") or []
    if not isinstance(flags, list):
        raise BadField("red_flags", "must be a list", reasons[reason] or "[] (this reason has none)")
    for flag in flags:
        if flag not in reasons[reason]:
            raise BadField(
                "red_flags",
                f"{str(flag)[:40]!r} is not a red flag of {reason}",
                reasons[reason] or "[] (this reason has none)",
            )
    return NavigationRequest(
        age=age,
        sex=sex,
        reason=reason,
        red_flags=tuple(dict.fromkeys(flags)),
        when=_when(body.get("when"), now),
        practice_code=_text(body, "practice_code"),
        small_area=_text(body, "small_area"),
        postcode=_text(body, "postcode"),
    )
