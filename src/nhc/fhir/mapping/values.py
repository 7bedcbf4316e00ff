"""Observation values of every kind, and the concept map that lets the analytics read LOINC codes.

:func:`observation_value` reads the value of an Observation or of one of its components, whatever
its type: ``valueQuantity`` (value, unit, unit system and code), ``valueCodeableConcept`` (its
first coding, and its text), ``valueString``, ``valueBoolean`` and ``valueInteger``. It goes with
every coding that is not the lake's main code into ``fhir_codings``, so nothing is dropped.

:func:`map_loinc` applies the starter concept map shipped in
``nhc/reference/data/fhir/loinc_to_snomed.csv`` (its provenance beside it): a LOINC-coded
measurement the analytics use becomes a ``clinical_events`` row with the mapped SNOMED CT code and
the value converted to the unit the analytics expect.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nhc.fhir.mapping.codes import SNOMED, Reject

LOINC = "http://loinc.org"
CONCEPT_MAP_FILE = Path(__file__).resolve().parents[2] / "reference" / "data" / "fhir" / "loinc_to_snomed.csv"
#: (value, unit, unit_system, unit_code, value_system, value_code, value_display, value_string)
Value = tuple[Any, Any, Any, Any, Any, Any, Any, Any]
NO_VALUE: Value = (None, None, None, None, None, None, None, None)


@dataclass(frozen=True)
class Mapping:
    """One row of the concept map: LOINC -> SNOMED CT (``value``: the value's SNOMED CT coding)."""

    snomed_code: str
    unit: str | None
    from_unit: str | None
    factor: float
    offset: float


@functools.cache
def concept_map() -> dict[str, Mapping]:
    """The shipped LOINC -> SNOMED CT map, by LOINC code."""
    with CONCEPT_MAP_FILE.open(encoding="utf-8", newline="") as fh:
        return {
            r["loinc_code"]: Mapping(
                r["snomed_code"],
                r["unit"] or None,
                r["from_unit"] or None,
                float(r["factor"] or 1),
                float(r["offset"] or 0),
            )
            for r in csv.DictReader(fh)
        }


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def observation_value(obj: dict, field: str) -> Value:
    """The value of an Observation (or component) ``obj`` as a :data:`Value` tuple (all ``None`` when
    it has none). Raises :class:`Reject` for a quantity whose value is not a number."""
    q = obj.get("valueQuantity")
    if isinstance(q, dict):
        v = q.get("value")
        if v is not None and (type(v) is bool or not isinstance(v, int | float)):
            raise Reject(f"{field}.valueQuantity.value", "not a number")
        return (
            None if v is None else float(v),
            _str(q.get("unit")),
            _str(q.get("system")),
            _str(q.get("code")),
            None,
            None,
            None,
            None,
        )
    cc = obj.get("valueCodeableConcept")
    if isinstance(cc, dict):
        first = next((c for c in cc.get("coding") or () if isinstance(c, dict)), {})
        return (
            None,
            None,
            None,
            None,
            _str(first.get("system")),
            _str(first.get("code")),
            _str(first.get("display")),
            _str(cc.get("text")),
        )
    for name in ("valueString", "valueBoolean", "valueInteger"):
        v = obj.get(name)
        if v is not None:
            if name == "valueInteger" and type(v) is int:
                return (float(v), None, None, None, None, None, None, None)
            return (None, None, None, None, None, None, None, str(v).lower() if type(v) is bool else str(v))
    return NO_VALUE


def _value_snomed(obj: dict) -> str | None:
    """The SNOMED CT code of ``obj``'s valueCodeableConcept, if it has one."""
    cc = obj.get("valueCodeableConcept")
    for c in (cc.get("coding") or ()) if isinstance(cc, dict) else ():
        if isinstance(c, dict) and c.get("system") == SNOMED and isinstance(c.get("code"), str):
            return c["code"]
    return None


def map_loinc(others: list, obj: dict, value: Value) -> tuple[str, float | None, str | None] | None:
    """The ``clinical_events`` row (snomed_code, value, unit) the concept map gives for the first mapped
    LOINC coding in ``others`` (codings of ``obj``, whose value is ``value``), or ``None``.

    A quantity in neither the map's unit nor its ``from_unit`` is not mapped (it stays in
    ``fhir_codings`` only, as sent).
    """
    cmap = concept_map()
    for system, code, *_ in others:
        if system != LOINC or code not in cmap:
            continue
        m = cmap[code]
        if m.snomed_code == "value":
            found = _value_snomed(obj)
            return (found, None, None) if found else None
        v, unit, _usys, ucode = value[0], value[1], value[2], value[3]
        if v is None:
            return m.snomed_code, None, None
        if m.unit is None or m.unit in (ucode, unit):
            return m.snomed_code, v, m.unit or unit or ucode
        if m.from_unit is not None and m.from_unit in (ucode, unit):
            return m.snomed_code, round(v * m.factor + m.offset, 3), m.unit
        return None
    return None
