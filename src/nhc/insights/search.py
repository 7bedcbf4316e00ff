"""Finding a person by NHS number or by name, for clinical roles, one access decision per result.

What a user types is read by :func:`parse_person_query`: ten digits written any way people write
them (``943 476 5919``, ``943-476-5919``, ``9434765919``) are an NHS number, matched exactly; other
text is a name, each word matching the start of the given or the family name (or of a part of a
double-barrelled one), so ``smi`` finds Smith and ``ann smi`` finds Ann Smith.

:meth:`PeopleSearch.find_people` (a mixin of :class:`~nhc.insights.service.InsightsService`) reads
the candidates; :func:`search_people` is the use case: it refuses non-clinical roles, then puts every
candidate through the one access decision (:class:`~nhc.insights.access.PatientAccess`) and writes
the search and each decision to the audit log in one transaction. Only people the user may see are
returned; the others are counted, never named. The audit keeps the search terms redacted
(:func:`redacted`): the people found are audited by id, so the terms add nothing but exposure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from nhc.errors import NhcError
from nhc.identifiers import InvalidIdentifier, parse_nhs_number
from nhc.insights.access import PatientAccess
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied

#: At most this many candidates are put to the access decision (and shown) for one search.
LIMIT = 50
#: The longest search text read; longer is refused, not truncated silently.
MAX_LENGTH = 100
SEARCH_ACTION = "search_people"
RESULT_ACTION = "view_search_result"
_NUMBERISH = re.compile(r"[0-9 \t\-]+", re.ASCII)
# A word of a name: letters (any script), apostrophes; hyphens and spaces separate words.
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


class InvalidSearch(NhcError):
    """Search text that cannot be read as an NHS number or a name (shown on the page, HTTP 400)."""


@dataclass(frozen=True)
class PersonQuery:
    """A parsed search: ``kind`` is ``nhs_number`` (``value`` ten digits) or ``name`` (``words``
    lower case, each at least one letter)."""

    kind: str
    value: str = ""
    words: tuple[str, ...] = ()


def parse_person_query(text: str) -> PersonQuery:
    """``text`` as an NHS number or a name; :class:`InvalidSearch` with a message for the page."""
    text = (text or "").strip()
    if len(text) > MAX_LENGTH:
        raise InvalidSearch(f"Search text must be {MAX_LENGTH} characters or fewer")
    if _NUMBERISH.fullmatch(text):
        try:
            return PersonQuery("nhs_number", value=parse_nhs_number(text))
        except InvalidIdentifier:
            raise InvalidSearch("An NHS number is 10 digits, like 943 476 5919") from None
    words = tuple(w.lower() for w in _NAME_WORD.findall(text))
    if sum(len(w) for w in words) < 2:
        raise InvalidSearch("Enter an NHS number (10 digits) or at least 2 letters of a name")
    return PersonQuery("name", words=words)


def redacted(query: PersonQuery) -> str:
    """The search as the audit log keeps it: an NHS number's last 4 digits, a name's first letter
    of each word and its length (``name:S____ A__``). Enough to recognise a search when
    investigating, not enough to read a person's identity back from the log."""
    if query.kind == "nhs_number":
        return f"nhs_number:****** {query.value[-4:]}"
    return "name:" + " ".join(w[0].upper() + "_" * (len(w) - 1) for w in query.words)


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PeopleSearch:
    """PERSON-LEVEL candidates for a search (authorise them before showing any: :func:`search_people`)."""

    def find_people(
        self, query: PersonQuery, *, first: frozenset[str] = frozenset(), limit: int = LIMIT
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` people matching ``query``: people registered in the ``first``
        neighbourhoods (the user's own) before others, then by family and given name."""
        if query.kind == "nhs_number":
            where, params = "pe.nhs_number = ?", [query.value]
        else:
            clauses = []
            params = []
            for word in query.words:
                clause = " OR ".join(
                    f"lower({col}) LIKE ? ESCAPE '\\'"
                    for col in ("pe.given_name", "pe.family_name")
                    for _ in range(3)
                )
                clauses.append(f"({clause})")
                w = _like(word)
                params += [w + "%", f"% {w}%", f"%-{w}%"] * 2
            where = " AND ".join(clauses)
        mine = ", ".join("?" for _ in first) or "NULL"
        sql = (
            "SELECT pi.patient_id, pe.nhs_number, pe.given_name, pe.family_name, pe.date_of_birth, "
            "pi.age, pi.sex, pi.practice_code, coalesce(pr.name, pi.practice_code) AS practice_name, "
            "pi.neighbourhood FROM people pe JOIN pi USING (patient_id) "
            "LEFT JOIN practices pr ON pr.practice_code = pi.practice_code "
            f"WHERE {where} ORDER BY (pi.neighbourhood IN ({mine})) DESC, "
            "lower(pe.family_name), lower(pe.given_name), pi.patient_id LIMIT ?"
        )
        return self._dicts(sql, [*params, *sorted(first), int(limit)])  # type: ignore[attr-defined]


@dataclass
class SearchResult:
    """What a search shows: the people the user may see, how many others matched (not shown),
    and whether there were more candidates than :data:`LIMIT`."""

    query: PersonQuery
    people: list[dict[str, Any]] = field(default_factory=list)
    hidden: int = 0
    hidden_ids: list[int] = field(default_factory=list)
    more: bool = False


def search_people(
    insights: PeopleSearch, access: PatientAccess, principal: Principal, query: PersonQuery, ip: str | None
) -> SearchResult:
    """The use case: refuse roles that may not see people (audited), read the candidates, put each
    through the one access decision and audit the search with them, in one transaction."""
    security = access.security
    resource = f"search:{redacted(query)}"
    if not principal.is_clinical:
        security.record(principal, SEARCH_ACTION, outcome="denied", resource=resource, ip=ip)
        raise AccessDenied(f"Your role ({principal.role_label}) cannot search for people.")
    found = insights.find_people(query, first=principal.neighbourhoods, limit=LIMIT + 1)
    result = SearchResult(query, more=len(found) > LIMIT)
    with security.db.unit_of_work() as s:
        security.record_in(
            s,
            principal,
            SEARCH_ACTION,
            outcome="success" if found else "not_found",
            resource=resource,
            ip=ip,
            detail=f"{min(len(found), LIMIT)} matched",
        )
        for person in found[:LIMIT]:
            pid = person["patient_id"]
            try:  # the one decision, in the search's transaction, audited with it
                access.authorise(
                    principal, frozenset({pid}), action=RESULT_ACTION, resource=resource, ip=ip, session=s
                )
            except AccessDenied:
                result.hidden += 1
                result.hidden_ids.append(pid)
                continue
            result.people.append(person)
    return result
