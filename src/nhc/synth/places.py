"""A system larger than one county: the county repeated as several synthetic places.

NHS numbers must stay in the 999 test range, which holds only :data:`identity.MAX_PATIENTS`
(about 909,000) valid numbers, so one place can hold at most that many people. A larger system is
made of places: each is the synthetic county again (same practices, small areas and calibration,
its own random draws), with its own names and codes so that the places do not merge in the lake:

- place 1 is the county exactly as a one-place run makes it (same codes, names and bytes);
- place ``p`` (2, 3, ...) renames practice ``K84225`` to ``Y02225`` (``Y`` + two-digit place + the
  last three digits), small area ``X01000001`` to ``X02000001``, care homes ``VCH001`` to ``VC02001``,
  and adds `` (place p)`` to every practice, small area, neighbourhood and locality name;
- ``patient_id`` and ``encounter_id`` run on across places, so they are unique in the system;
- **NHS numbers are unique within a place only**: each place draws its own from the whole 999
  range, so two people in different places can share one. Join people on ``patient_id``, never
  on NHS number, across places.

A place is also the unit of generation: its people are drawn, calibrated and written together, one
place at a time, so memory is bounded by the largest place, not by the system.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nhc.errors import NhcError
from nhc.synth import identity
from nhc.synth.population import allocate

#: At most this many places (their number is two digits in the codes).
MAX_PLACES = 99
#: Suggested place size for a system of millions: the county's own size (Census 2021 Oxfordshire),
#: so the system is the county repeated, each place generated in a few GiB.
PLACE_SIZE = 726_000


def suggested_places(patients: int) -> int:
    """A sensible ``--places`` for ``patients`` people: one place while they fit one (the 999 range
    holds :data:`identity.MAX_PATIENTS`), else the fewest places of at most :data:`PLACE_SIZE`."""
    if patients <= identity.MAX_PATIENTS:
        return 1
    return math.ceil(patients / PLACE_SIZE)


def check_places(patients: int, places: int) -> None:
    """Refuse a split that cannot be made, with what to do instead (NhcError)."""
    if not 1 <= places <= MAX_PLACES:
        raise NhcError(f"--places must be between 1 and {MAX_PLACES}, not {places}")
    if places > patients:
        raise NhcError(f"--places {places} is more than --patients {patients}: every place needs people")
    largest = math.ceil(patients / places)
    if largest > identity.MAX_PATIENTS:
        fewest = math.ceil(patients / identity.MAX_PATIENTS)
        raise NhcError(
            f"--patients {patients:,} in {places} place(s) puts {largest:,} people in a place, more than "
            f"the {identity.MAX_PATIENTS:,} valid NHS numbers in the 999 test range",
            hint=f"use --places {fewest} or more (NHS numbers are unique within a place)",
        )


def place_sizes(patients: int, places: int) -> list[int]:
    """People alive at as-of in each place: as even as possible, the first places one larger."""
    return [int(n) for n in allocate(patients, np.ones(places))]


def place_entropy(seed: int, place: int) -> int | tuple[int, int]:
    """The random seed of place ``place`` (1-based): the seed itself for place 1 (so a one-place
    system is the county as it always was), ``(seed, place)`` for the others."""
    return seed if place == 1 else (seed, place)


@dataclass(frozen=True)
class Place:
    """How place ``number`` (1-based) names its practices, small areas and care homes."""

    number: int

    @property
    def care_home_prefix(self) -> str:
        return "VCH" if self.number == 1 else f"VC{self.number:02d}"

    def _name(self, column: pa.ChunkedArray) -> pa.Array:
        return pc.binary_join_element_wise(column, pa.scalar(f" (place {self.number})"), "")

    def _code(self, column: pa.ChunkedArray, letter: str) -> pa.Array:
        tail = pc.utf8_slice_codeunits(column, 3)
        return pc.binary_join_element_wise(pa.scalar(f"{letter}{self.number:02d}"), tail, "")

    def practices(self, table: pa.Table) -> pa.Table:
        """The practices table as this place names it (unchanged for place 1)."""
        if self.number == 1:
            return table
        return self._rename(table, {"practice_code": "Y"}, ("name", "locality", "neighbourhood"))

    def small_areas(self, table: pa.Table) -> pa.Table:
        """The small areas table as this place names it (unchanged for place 1)."""
        if self.number == 1:
            return table
        return self._rename(table, {"small_area_code": "X"}, ("name", "locality", "neighbourhood"))

    def _rename(self, table: pa.Table, codes: dict[str, str], names: tuple[str, ...]) -> pa.Table:
        columns = []
        for name in table.column_names:
            column = table[name]
            if name in codes:
                column = self._code(column, codes[name])
            elif name in names:
                column = self._name(column)
            columns.append(column)
        return pa.Table.from_arrays(columns, schema=table.schema)
