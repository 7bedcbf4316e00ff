"""Synthetic identities: NHS numbers in the 999 test range, names, addresses and postcodes.

The NHS number rule itself lives in :mod:`nhc.nhs_number`; numbers beginning 999 are reserved for
testing and never issued to a person, so the generator uses only those.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nhc.errors import NhcError
from nhc.nhs_number import check_digits, is_valid

TEST_RANGE_PREFIX = 999
nhs_check_digit = check_digits
is_valid_nhs_number = is_valid


def valid_test_range_bases() -> np.ndarray:
    """All 9-digit bases 999xxxxxx whose check digit is not 10 (about 909,000)."""
    bases = np.arange(TEST_RANGE_PREFIX * 1_000_000, (TEST_RANGE_PREFIX + 1) * 1_000_000, dtype=np.int64)
    return bases[nhs_check_digit(bases) != 10]


MAX_PATIENTS = len(valid_test_range_bases())


def nhs_numbers(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` distinct valid NHS numbers from the 999 test range, as strings."""
    bases = valid_test_range_bases()
    if n > len(bases):
        raise NhcError(
            f"the NHS number test range (999...) holds {len(bases):,} valid numbers; cannot make {n:,} patients",
            hint=f"use --patients {len(bases):,} or fewer",
        )
    chosen = rng.choice(bases, size=n, replace=False)
    full = chosen * 10 + nhs_check_digit(chosen)
    return pc.cast(pa.array(full), pa.string())


# Common UK given and family names: synthetic people only, any resemblance is chance.
_GIVEN_F = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Isabella",
    "Rosie",
    "Sophia",
    "Grace",
    "Freya",
    "Evie",
    "Poppy",
    "Ella",
    "Emily",
    "Sophie",
    "Charlotte",
    "Florence",
    "Alice",
    "Margaret",
    "Patricia",
    "Susan",
    "Elizabeth",
    "Jean",
    "Mary",
    "Joan",
    "Helen",
    "Sarah",
    "Karen",
    "Julie",
    "Claire",
    "Emma",
    "Rachel",
    "Hannah",
    "Amy",
    "Laura",
    "Zara",
    "Aisha",
    "Fatima",
    "Priya",
    "Anika",
    "Maryam",
    "Chloe",
]
_GIVEN_M = [
    "Oliver",
    "George",
    "Noah",
    "Arthur",
    "Leo",
    "Oscar",
    "Harry",
    "Muhammad",
    "Jack",
    "Charlie",
    "Thomas",
    "Jacob",
    "Freddie",
    "Alfie",
    "Theo",
    "William",
    "James",
    "Henry",
    "Joshua",
    "Samuel",
    "David",
    "John",
    "Michael",
    "Peter",
    "Robert",
    "Richard",
    "Paul",
    "Mark",
    "Andrew",
    "Stephen",
    "Christopher",
    "Daniel",
    "Matthew",
    "Ben",
    "Ryan",
    "Adam",
    "Ravi",
    "Arjun",
    "Omar",
    "Yusuf",
    "Kwame",
    "Tomasz",
    "Luca",
]
_FAMILY = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
]
_STREETS = [
    "High",
    "Cherry",
    "Church",
    "Mill",
    "Station",
    "London",
    "Banbury",
    "Abingdon",
    "Woodstock",
    "Cowley",
    "Iffley",
    "Botley",
    "Witney",
    "Manor",
    "Victoria",
    "Park",
    "Meadow",
    "Orchard",
    "Chapel",
    "School",
    "Green",
    "Kings",
    "Queens",
    "Bridge",
    "Oak",
    "Willow",
    "Beech",
    "Elm",
]
_STREET_KINDS = ["Street", "Road", "Lane", "Close", "Way", "Avenue", "Crescent", "Drive", "Gardens"]


def _pick(rng: np.random.Generator, words: list[str], n: int) -> pa.Array:
    return pc.take(pa.array(words), pa.array(rng.integers(0, len(words), size=n)))


def names(rng: np.random.Generator, is_female: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """(given, family) names for each person, given names chosen by sex."""
    n = len(is_female)
    given_f = _pick(rng, _GIVEN_F, n)
    given_m = _pick(rng, _GIVEN_M, n)
    given = pc.if_else(pa.array(is_female), given_f, given_m)
    return given, _pick(rng, _FAMILY, n)


def addresses(rng: np.random.Generator, district: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(first address line, postcode) for each person; ``district`` is the outward code, e.g. 'OX4'."""
    n = len(district)
    number = pc.cast(pa.array(rng.integers(1, 200, size=n)), pa.string())
    line = pc.binary_join_element_wise(number, _pick(rng, _STREETS, n), _pick(rng, _STREET_KINDS, n), " ")
    sector = pc.cast(pa.array(rng.integers(1, 10, size=n)), pa.string())
    letters = list("ABDEFGHJLNPQRSTUWXYZ")
    unit = pc.binary_join_element_wise(_pick(rng, letters, n), _pick(rng, letters, n), "")
    inward = pc.binary_join_element_wise(sector, unit, "")
    return line, pc.binary_join_element_wise(district, inward, " ")
