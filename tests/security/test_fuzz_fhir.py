"""Fuzz, part (b): every FHIR search parameter of every searchable type, and the FHIR reads and
operations, given hostile values, answer with a success or a 4xx, never a 5xx (see
:mod:`tests.security.test_fuzz`, whose app, county and hostile values these share: a module of its
own so that the two long walks run on two test workers at once).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.security.test_fuzz import FULL_WIDTH, HOSTILE, World, _not_a_number, _world, fuzz_county


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    """The same app and county as part (a)'s, built for this module."""
    data = fuzz_county(tmp_path_factory.mktemp("fuzz-fhir"))
    yield from _world(data, f"sqlite:///{data / 'nhc.sqlite3'}")


def _fhir_get(world: World, url: str, params: list[tuple[str, str]] | None = None) -> Any:
    try:
        return world.clients["clinician"].get(url, params=params or [])
    except Exception as exc:
        return exc


def _fhir_problem(what: str, r: Any, value: str, numeric: bool) -> str | None:
    if isinstance(r, Exception):
        return f"{what} -> raised {type(r).__name__}: {str(r)[:120]}"
    if r.status_code >= 500:
        return f"{what} -> {r.status_code}"
    if numeric and _not_a_number(value) and r.status_code < 400:
        return f"{what} -> {r.status_code}: a number parameter accepted {value!r}"
    return None


def _fhir_vocabulary() -> tuple[tuple[str, ...], set[str]]:
    """The searchable types and the known search parameters of the FHIR router."""
    from nhc.fhir import server as api

    try:
        from nhc.fhir import server as search
    except ImportError:
        search = api
    types = getattr(api, "SEARCHABLE", None) or search.SEARCHABLE
    return tuple(types), set(getattr(api, "KNOWN_PARAMS", None) or search.KNOWN_PARAMS)


def test_every_fhir_search_parameter_answers_hostile_values_without_a_5xx(world: World) -> None:
    SEARCHABLE, KNOWN_PARAMS = _fhir_vocabulary()
    problems = []
    for rtype in SEARCHABLE:
        about = ("_id" if rtype == "Patient" else "patient", str(world.patient))
        for param in sorted(KNOWN_PARAMS):
            for value in [*HOSTILE, str(world.patient).translate(FULL_WIDTH)]:
                # about one person (past the population-wide refusal), unless this is the person
                params = (
                    [(param, value)] if param in ("patient", "subject", about[0]) else [about, (param, value)]
                )
                numeric = param in ("patient", "subject", "_count", "_offset") or (
                    rtype == "Patient" and param == "_id"
                )
                what = f"GET /fhir/{rtype}?{'&'.join(f'{k}={v[:40]!r}' for k, v in params)}"
                problems.append(
                    _fhir_problem(what, _fhir_get(world, f"/fhir/{rtype}", params), value, numeric)
                )
    problems = [p for p in problems if p]
    assert not problems, f"{len(problems)} hostile FHIR searches went wrong:\n" + "\n".join(problems[:300])


def test_fhir_reads_and_operations_answer_hostile_ids_without_a_5xx(world: World) -> None:
    SEARCHABLE, _ = _fhir_vocabulary()
    problems = []
    for value in [*HOSTILE, str(world.patient).translate(FULL_WIDTH)]:
        rid = quote(value, safe="")
        urls = [(f"/fhir/{rtype}/{rid}", rtype == "Patient") for rtype in SEARCHABLE]
        urls += [
            (f"/fhir/CarePlan/{rid}", True),
            (f"/fhir/Patient/{rid}/$everything", True),
            (f"/fhir/EpisodeOfCare/{rid}/$care-record", True),
        ]
        for url, numeric in urls:
            what = f"GET {url[:80]}"
            problems.append(
                _fhir_problem(what, _fhir_get(world, url), value, numeric and value.strip() != "")
            )
    problems = [p for p in problems if p]
    assert not problems, f"{len(problems)} hostile FHIR reads went wrong:\n" + "\n".join(problems[:300])
