"""Where a person is: the origin the navigator measures distance from.

Contract
--------
:func:`locate` takes an optional practice code, small area code and postcode and returns a
:class:`Place` (latitude, longitude, neighbourhood and how it was found), trying them in that order;
unknown practice or small area codes and malformed postcodes raise :class:`BadField` naming the
field. The origin is the small area if given, else the postcode, else the practice. Postcodes are located to their *district* only (e.g. ``OX16``), through the synthetic table
:func:`postcode_districts` (each district stands for the mean position of the practices of the
neighbourhoods mapped to it): approximate by design. A postcode outside the table is accepted and
left unlocated (no distances), never guessed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from nhc.navigation.domain import BadField
from nhc.reference.geography import practices, small_areas

#: SYNTHETIC: the postcode district used for each neighbourhood's addresses in the synthetic
#: directory, chosen to resemble the real area (not a postcode look-up).
NEIGHBOURHOOD_DISTRICTS: dict[str, str] = {
    "Banbury": "OX16",
    "Banbury West": "OX15",
    "North Oxfordshire Rural": "OX17",
    "Bicester": "OX26",
    "Kidlington and Villages": "OX5",
    "Otmoor and Ardley": "OX25",
    "Central Oxford": "OX1",
    "North Oxford": "OX2",
    "South East Oxford": "OX4",
    "South and West Oxford": "OX1",
    "East Oxford": "OX4",
    "Headington": "OX3",
    "Henley": "RG9",
    "Thame and Chinnor": "OX9",
    "Wallingford and Watlington": "OX10",
    "Wheatley and Berinsfield": "OX33",
    "Abingdon": "OX14",
    "Didcot": "OX11",
    "Wantage and Grove": "OX12",
    "Faringdon and Western Vale": "SN7",
    "Witney": "OX28",
    "Carterton and Burford": "OX18",
    "Chipping Norton and Charlbury": "OX7",
    "Eynsham and Woodstock": "OX29",
}
_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})?$")


@dataclass(frozen=True)
class Place:
    latitude: float | None
    longitude: float | None
    neighbourhood: str | None
    found_by: str  # practice_code, small_area, postcode, or none

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@functools.cache
def practice_index() -> dict[str, dict]:
    return {r["practice_code"]: r for r in practices().to_pylist()}


@functools.cache
def small_area_index() -> dict[str, dict]:
    return {r["small_area_code"]: r for r in small_areas().to_pylist()}


@functools.cache
def postcode_districts() -> dict[str, tuple[float, float, str]]:
    """District -> (latitude, longitude, first neighbourhood), from the practices' positions."""
    points: dict[str, list[tuple[float, float, str]]] = {}
    for row in practice_index().values():
        district = NEIGHBOURHOOD_DISTRICTS.get(row["neighbourhood"])
        if district:
            points.setdefault(district, []).append((row["latitude"], row["longitude"], row["neighbourhood"]))
    return {
        d: (sum(p[0] for p in ps) / len(ps), sum(p[1] for p in ps) / len(ps), ps[0][2])
        for d, ps in points.items()
    }


def postcode_district(postcode: str) -> str:
    """The outward code of a UK postcode (``OX16 1AB`` -> ``OX16``), or BadField if malformed."""
    match = _POSTCODE.match(str(postcode).strip().upper())
    if not match:
        raise BadField("postcode", f"{str(postcode)[:20]!r} is not a UK postcode", "e.g. OX16 1AB or OX16")
    return match.group(1)


def locate(
    practice_code: str | None = None, small_area: str | None = None, postcode: str | None = None
) -> Place:
    """The person's origin (see the module contract)."""
    if practice_code is not None:
        row = practice_index().get(str(practice_code).strip().upper())
        if row is None:
            raise BadField(
                "practice_code", f"unknown practice {str(practice_code)[:20]!r}", sorted(practice_index())
            )
    if small_area is not None and str(small_area).strip() not in small_area_index():
        raise BadField(
            "small_area", f"unknown small area {str(small_area)[:20]!r}", "a small_area_code of the county"
        )
    district = postcode_district(postcode) if postcode is not None else None
    # Where the person lives is the better origin; the practice stands in when that is all we have.
    if small_area is not None:
        area = small_area_index()[str(small_area).strip()]
        return Place(area["latitude"], area["longitude"], area["neighbourhood"], "small_area")
    if district is not None and district in postcode_districts():
        lat, lon, nb = postcode_districts()[district]
        return Place(lat, lon, nb, "postcode")
    if practice_code is not None:
        return Place(row["latitude"], row["longitude"], row["neighbourhood"], "practice_code")
    return Place(None, None, None, "none")
