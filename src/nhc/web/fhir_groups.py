"""The Groups a Bulk Data ``Group/{id}/$export`` can name, and who a worklist Group holds.

A Group id is one of three forms:

* ``caseload``: the account's own caseload (the people it has a care relationship with);
* ``<neighbourhood>``: one of the account's neighbourhoods, by its slug (:func:`group_slug`:
  ``Central Oxford`` -> ``central-oxford``);
* ``<neighbourhood>.<worklist>``: the people on one of the analytics' worklists in one of the
  account's neighbourhoods (``central-oxford.high-admission-risk``). The worklist part is the
  worklist's key with each ``_`` written ``-`` (:func:`worklist_group_id`), because a FHIR id holds
  only letters, digits, ``-`` and ``.``; the key exactly as the worklist pages and
  ``/api/worklists`` write it (``high_admission_risk``) is accepted too.

A slug never holds a ``.``, so no id can be read two ways. Naming a neighbourhood that is not the
account's is refused (403) whether or not it exists, so a refusal tells nothing about other
neighbourhoods; an unknown worklist in one of the account's own neighbourhoods is a 404. Both
messages name what the account may give.

Resolving a Group decides nothing about its members: the caller runs the one access decision on
every person (:func:`nhc.web.fhir_security._population`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nhc.errors import NhcError
from nhc.fhir.server import FhirError
from nhc.insights.service import InsightsService, NotFound

#: The Group that is the requester's own caseload.
CASELOAD_GROUP = "caseload"
#: Between the neighbourhood and the worklist in a worklist Group's id (never in a slug).
WORKLIST_SEPARATOR = "."
#: People per worklist look-up (the worklist pages' own largest page).
_PAGE = 5000


def group_slug(neighbourhood: str) -> str:
    """A neighbourhood's Group id for ``Group/{id}/$export`` (``Central Oxford`` -> ``central-oxford``)."""
    return re.sub(r"[^a-z0-9]+", "-", neighbourhood.lower()).strip("-")


def worklist_group_id(neighbourhood: str, worklist: str) -> str:
    """A worklist's Group id in a neighbourhood (``Central Oxford``, ``high_admission_risk`` ->
    ``central-oxford.high-admission-risk``)."""
    return f"{group_slug(neighbourhood)}{WORKLIST_SEPARATOR}{worklist.replace('_', '-')}"


@dataclass(frozen=True)
class ExportGroup:
    """What a Group id names: the account's caseload, or one of its ``neighbourhood`` s (as the
    account's list spells it), narrowed to a ``worklist`` (its key) when one is given."""

    caseload: bool = False
    neighbourhood: str | None = None
    worklist: str | None = None

    def covers(self, patient_neighbourhood: str | None) -> bool:
        """Whether a person registered in ``patient_neighbourhood`` can belong to the Group (the
        caseload spans neighbourhoods; the other Groups hold only their neighbourhood's people)."""
        if self.caseload:
            return True
        return patient_neighbourhood is not None and group_slug(patient_neighbourhood) == group_slug(
            self.neighbourhood or ""
        )


def worklist_keys(insights: InsightsService) -> list[str]:
    """The worklists' keys (none when the analytics have not been run on the lake)."""
    try:
        return list(insights.worklist_definitions())
    except NhcError:
        return []


def allowed_groups(neighbourhoods: Iterable[str], worklists: list[str]) -> str:
    """A plain account of the Group ids an account may name, for a refusal's message."""
    slugs = sorted({group_slug(n) for n in neighbourhoods})
    text = f"give 'caseload' or one of your neighbourhoods ({', '.join(slugs) or 'you have none'})"
    if slugs and worklists:
        names = ", ".join(w.replace("_", "-") for w in worklists)
        example = f"{slugs[0]}{WORKLIST_SEPARATOR}{worklists[0].replace('_', '-')}"
        text += (
            f", or a worklist in one of them as <neighbourhood>.<worklist> ({example}; worklists: {names})"
        )
    return f"Group: {text}"[:1000]


def resolve_group(gid: str, neighbourhoods: Iterable[str], worklists: list[str]) -> ExportGroup:
    """The Group ``gid`` names for an account with ``neighbourhoods``, given the ``worklists`` keys;
    :class:`FhirError` 403 for a neighbourhood not the account's, 404 for an unknown worklist."""
    mine = list(neighbourhoods)
    if gid == CASELOAD_GROUP:
        return ExportGroup(caseload=True)
    slug, separator, wanted = gid.partition(WORKLIST_SEPARATOR)
    neighbourhood = next((n for n in mine if group_slug(n) == slug), None)
    if neighbourhood is None:
        raise FhirError(403, "forbidden", allowed_groups(mine, worklists))
    if not separator:
        return ExportGroup(neighbourhood=neighbourhood)
    key = next((w for w in worklists if w.replace("_", "-") == wanted.replace("_", "-")), None)
    if key is None:
        known = (
            ", ".join(worklist_group_id(neighbourhood, w) for w in worklists) or "none (run the analytics)"
        )
        raise FhirError(
            404, "not-found", f"Group: there is no worklist {wanted[:64]!r} (give one of {known})"
        )
    return ExportGroup(neighbourhood=neighbourhood, worklist=key)


def worklist_members(insights: InsightsService, group: ExportGroup) -> list[int]:
    """PERSON-LEVEL: the ids on the Group's worklist in its neighbourhood, every page of the
    look-up the worklist pages make, in the list's order. Decide on each person before reading."""
    if group.neighbourhood is None or group.worklist is None:
        raise ValueError("not a worklist Group")
    ids: list[int] = []
    try:
        while True:
            rows, total = insights.worklist_page(group.neighbourhood, group.worklist, _PAGE, len(ids))
            ids += [int(r["patient_id"]) for r in rows]
            if not rows or len(ids) >= total:
                return ids
    except NotFound as exc:  # the account's neighbourhood is not in this lake
        raise FhirError(404, "not-found", f"Group: {exc}") from None
    except NhcError as exc:  # the analytics have not been run: no worklists to export
        raise FhirError(503, "transient", f"Group: the worklists are not available: {exc}") from None
