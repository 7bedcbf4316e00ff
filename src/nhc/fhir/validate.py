"""Validation: the R4 model check (``fhir.resources``) and the list of FHIR R4 resource types.

``fhir.resources`` (8.x) ships models for R5 (its default), R4B and STU3, not R4. R4B is R4 with
13 types added and 23 removed (the MedicinalProduct* family, the *EvidenceSynthesis and Substance*
resources), and unchanged for the clinical and administrative types NHC receives. So:

* which names are R4 types comes from the R4 (4.0.1) resource list shipped in
  ``nhc/reference/data/fhir/r4_resource_types.txt`` (:func:`r4_resource_types`);
* a resource is checked with the R4B model of its type (:func:`validate_resource`); an R4 type
  that R4B dropped has no model and is checked only for its shape (a JSON object with a type).

The ingest hot path uses the hand-written checks in :mod:`nhc.fhir.mapping` (JSON shape, required
fields for the mapping, NHS number check digit, real dates, resolvable subject): they run at
hundreds of thousands of resources a second. The full model check here is ~20-50x slower (see
``benchmarks/fhir.py``), so ingest runs it only with ``--strict``; the tests run it on everything the
export and the API emit.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import fhir.resources.R4B as r4b
from fhir.resources.R4B import get_fhir_model_class

R4_TYPES_FILE = Path(__file__).resolve().parents[1] / "reference" / "data" / "fhir" / "r4_resource_types.txt"

_RESOURCE_CLASS = re.compile(r"^class (\w+)\((?:domainresource\.DomainResource|resource\.Resource)\):", re.M)


@functools.cache
def known_resource_types() -> frozenset[str]:
    """Every resource type that has an R4B model in ``fhir.resources`` (read from its sources: fast)."""
    out: set[str] = {"Resource", "DomainResource"}
    for path in Path(r4b.__file__).parent.glob("*.py"):
        out.update(_RESOURCE_CLASS.findall(path.read_text(encoding="utf-8")))
    return frozenset(out - {"Resource", "DomainResource"})


@functools.cache
def r4_resource_types() -> frozenset[str]:
    """The 145 resource types of FHIR R4 (4.0.1), from the shipped list (comment lines start with #)."""
    lines = R4_TYPES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(t.strip() for t in lines if t.strip() and not t.startswith("#"))


def has_model(rtype: str) -> bool:
    """Whether ``fhir.resources`` has an R4B model for ``rtype`` (false for the R4 types R4B dropped)."""
    return rtype in known_resource_types()


def validate_resource(resource: dict[str, Any]) -> str | None:
    """None if ``resource`` validates against its FHIR R4 model; else the first error, with its path."""
    rtype = resource.get("resourceType")
    try:
        cls = get_fhir_model_class(rtype)
    except (KeyError, ValueError, TypeError):
        return f"unknown resourceType {rtype!r}"
    try:
        cls.model_validate(resource)
    except Exception as exc:  # pydantic ValidationError or a FHIR-specific error
        errors = getattr(exc, "errors", None)
        if callable(errors):
            first = errors()[0]
            loc = ".".join(str(p) for p in first.get("loc", ()))
            return f"{loc}: {first.get('msg')}"
        return str(exc).splitlines()[0]
    return None
