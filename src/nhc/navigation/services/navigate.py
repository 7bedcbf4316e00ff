"""Use case: answer a navigation request and log the decision, in one unit of work.

The decision log row (who asked, through which channel, the request, the answer and the rule ids)
is written in the same transaction as nothing else: a navigator answer changes no other state, but
an answer is never given without its log row (if the write fails, the caller gets the error).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from nhc.db import Database
from nhc.navigation import repository
from nhc.navigation.domain import Directory
from nhc.navigation.domain.request import parse_request
from nhc.navigation.navigator import navigate
from nhc.navigation.places import locate
from nhc.navigation.rulebook import Rulebook


def answer(
    db: Database,
    rules: Rulebook,
    directory: Directory,
    body: Any,
    *,
    now: dt.datetime,
    asked_by: str,
    channel: str,
) -> dict[str, Any]:
    """Check ``body``, decide, log; returns the response (raises BadField on a bad request)."""
    reasons = {r.id: tuple(f.id for f in r.red_flags) for r in rules.reasons.values()}
    request = parse_request(body, reasons, now)
    place = locate(request.practice_code, request.small_area, request.postcode)
    result = navigate(request, rules, directory, place).as_dict()
    with db.unit_of_work() as session:
        repository.log_decision(
            session,
            asked_by=asked_by,
            channel=channel,
            request=request.as_dict(),
            response=result,
            rules=result["rules"],
            at=now,
        )
    return result
