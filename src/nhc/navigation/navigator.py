"""The navigator: a request in, a disposition with its services, explanation, safety net and
alternatives out — decided by the rulebook's tables, never by code branches on reasons.

Contract
--------
:func:`navigate` takes a checked :class:`NavigationRequest`, the rulebook and the directory, and
returns a :class:`Answer` whose :meth:`Answer.as_dict` is the response of ``nhc navigate --json`` and
``POST /api/navigate``: ``disposition``, ``timeframe_minutes``, ``services`` (``id, name,
distance_km, opens, closes`` plus ``date`` and ``phone``), ``explanation`` (plain English, one line
per rule that fired and per selection note), ``safety_net``, ``alternatives`` (always at least one
phone or face-to-face route) and ``rules`` (the ids of the rows that fired, for the decision log).

Order of decision: every red flag answered yes is looked up in ``red_flags``; the most urgent answer
wins and the triage table is not consulted (red flags override everything). Otherwise ``triage``
decides from reason, age and sex. Then ``out_of_hours`` may move the answer (a same-day GP answer
when the practice is closed, or closing within the margin, becomes NHS 111). Services are selected
as :mod:`nhc.navigation.selection` describes; when none fits, the catch-all (the two nearest
emergency departments) is given, except for self care.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from nhc.errors import InputError
from nhc.navigation.domain import Directory
from nhc.navigation.domain.request import NavigationRequest
from nhc.navigation.domain.schedule import DAYS
from nhc.navigation.places import Place, practice_index
from nhc.navigation.rulebook import Rulebook
from nhc.navigation.selection import Option, Who, catch_all, select_services


@dataclass
class Answer:
    disposition: str
    timeframe_minutes: int
    options: list[Option]
    explanation: list[str]
    safety_net: str
    alternatives: list[str]
    rules: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "disposition": self.disposition,
            "timeframe_minutes": self.timeframe_minutes,
            "services": [_service_json(o) for o in self.options],
            "explanation": self.explanation,
            "safety_net": self.safety_net,
            "alternatives": self.alternatives,
            "rules": self.rules,
        }


_FROM = {"practice_code": "registered practice", "small_area": "home area", "postcode": "postcode district"}


def _clock(moment: dt.datetime, day: dt.date) -> str:
    if moment.date() > day and moment.time() == dt.time(0, 0):
        return "24:00"
    return moment.strftime("%H:%M")


def _service_json(o: Option) -> dict[str, Any]:
    s = o.session
    all_day = s.end - s.start >= dt.timedelta(hours=24)
    return {
        "id": o.service.id,
        "name": o.service.name,
        "distance_km": o.distance_km,
        "opens": "00:00" if all_day else s.start.strftime("%H:%M"),
        "closes": "24:00" if all_day else _clock(s.end, s.start.date()),
        "date": s.start.date().isoformat(),
        "phone": o.service.phone,
    }


def in_core_hours(rules: Rulebook, when: dt.datetime) -> bool:
    """GP practices are open at ``when`` with at least the closing margin left."""
    hours = rules.core_hours
    if DAYS[when.weekday()] not in hours.byday or rules.calendar.is_bank_holiday(when.date()):
        return False
    opens = dt.datetime.combine(when.date(), hours.opens_at)
    closes = dt.datetime.combine(when.date(), hours.closes_at)
    return opens <= when and when + rules.margin <= closes


def _clinical(rules: Rulebook, req: NavigationRequest) -> list[dict[str, Any]]:
    """The rows that fired, the deciding one first (red flags, else triage)."""
    flagged = []
    for flag in req.red_flags:
        row = rules.decide("red_flags", {"red_flag": flag, "age": req.age})
        if row is None:
            raise InputError(f"no red_flags row answers {flag!r}", file="red_flags.json", field="red_flag")
        flagged.append(row)
    if flagged:
        return sorted(flagged, key=lambda r: rules.dispositions[r["disposition"]].urgency)
    row = rules.decide("triage", {"reason": req.reason, "age": req.age, "sex": req.sex})
    if row is None:
        raise InputError(f"no triage row answers {req.reason!r} at age {req.age}", file="triage.json", field="reason")  # fmt: skip
    return [row]


def _who(req: NavigationRequest, place: Place) -> Who:
    practice = practice_index().get(req.practice_code.upper()) if req.practice_code else None
    neighbourhood = practice["neighbourhood"] if practice else place.neighbourhood
    code = practice["practice_code"] if practice else None
    return Who(req.age, req.when, place, code, neighbourhood)


def _alternatives(base: tuple[str, ...], options: list[Option]) -> list[str]:
    extra = [
        f"Phone {o.service.name} on {o.service.phone}."
        for o in options[:1]
        if o.service.phone and o.service.kind not in ("emergency_department", "nhs_111")
    ]
    return [*extra, *base]


def navigate(req: NavigationRequest, rules: Rulebook, directory: Directory, place: Place) -> Answer:
    """The answer for ``req`` (see the module contract)."""
    fired = _clinical(rules, req)
    disposition = fired[0]["disposition"]
    open_now = in_core_hours(rules, req.when)
    moved = rules.decide("out_of_hours", {"disposition": disposition, "in_hours": open_now})
    if moved is not None and moved["disposition"] != disposition:
        fired.append(moved)
        disposition = moved["disposition"]
    spec = rules.dispositions[disposition]
    reason = rules.reasons[req.reason]
    kinds = spec.service_kinds + ((reason.vcse_kind,) if reason.vcse_kind and disposition == "social_prescriber" else ())  # fmt: skip
    who = _who(req, place)
    timeframe = dt.timedelta(minutes=spec.timeframe_minutes)
    options = select_services(directory, kinds, who, timeframe, rules.calendar, rules.margin)
    notes: list[str] = []
    if not options and disposition != "self_care":
        options = catch_all(directory, rules.catch_all["kind"], who, rules.calendar, rules.catch_all["count"])
        notes.append("Nothing suitable is open in time, so the nearest emergency departments are shown.")
    if rules.calendar.is_bank_holiday(req.when.date()):
        notes.append("Today is a bank holiday: many services are closed.")
    if not place.located:
        notes.append("We do not know where you are, so services are not sorted by distance.")
    elif place.found_by != "none":
        notes.append(f"Distances are approximate, measured from your {_FROM[place.found_by]}.")
    return Answer(
        disposition=disposition,
        timeframe_minutes=spec.timeframe_minutes,
        options=options,
        explanation=[row["explanation"] for row in fired] + notes,
        safety_net=spec.safety_net,
        alternatives=_alternatives(spec.alternatives, options),
        rules=[row["rule"] for row in fired],
    )
