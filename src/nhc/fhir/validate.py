"""Validation: the R4 model check (``fhir.resources``) and the list of known resource types.

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

_RESOURCE_CLASS = re.compile(r"^class (\w+)\((?:domainresource\.DomainResource|resource\.Resource)\):", re.M)


@functools.cache
def known_resource_types() -> frozenset[str]:
    """Every resource type of FHIR R4, read from the model package's sources (no imports: fast)."""
    out: set[str] = {"Resource", "DomainResource"}
    for path in Path(r4b.__file__).parent.glob("*.py"):
        out.update(_RESOURCE_CLASS.findall(path.read_text(encoding="utf-8")))
    return frozenset(out - {"Resource", "DomainResource"})


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
