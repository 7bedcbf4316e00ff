"""How the committed geography CSVs were made: run once, by a developer, never at run time.

    python scripts/build_geography.py            # rewrites data/geography/*.csv

The package loads the committed files (:mod:`nhc.reference.geography`); this script only documents and
reproduces them. It is deterministic (``SEED``): running it again gives byte-identical files.

What is real and what is synthetic
----------------------------------
* Real (published): the six localities; the Oxford City neighbourhood clusters, their practices and
  cluster list sizes (OCCG Oxford City locality plan); the county total (about 726,000 patients in 70
  practices); the IMD 2019 profile (17 of 407 LSOAs in the most deprived 20% nationally, in 10 wards:
  6 in Oxford, 3 in Banbury, 1 in Abingdon); approximate coordinates of the Oxford City practices.
* Synthetic: the split of each cluster total over its practices; the 50 practices outside Oxford City
  (names, clusters, list sizes; placed at their towns); the practice codes (ODS-style ``K84nnn``, not
  real ODS look-ups); the 407 small areas (codes ``X01nnnnnn``, not real LSOA codes), their populations,
  deciles and coordinates.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

SEED = 20240726
OUT_DIR = Path(__file__).resolve().parent.parent / "src" / "nhc" / "reference" / "data" / "geography"
N_SMALL_AREAS = 407  # Oxfordshire has 407 LSOAs (2011 boundaries, IMD 2019)

# Locality totals outside Oxford City are synthetic; with Oxford City's published 222,468 they make the
# county exactly 726,000.
LOCALITY_TOTALS = {
    "North": 92_000,
    "North East": 90_500,
    "Oxford City": 222_468,
    "South East": 99_000,
    "South West": 140_032,
    "West": 82_000,
}


@dataclass(frozen=True)
class Practice:
    name: str
    lat: float
    lon: float
    weight: float = 1.0  # relative list size inside its neighbourhood (or locality, outside Oxford)


@dataclass(frozen=True)
class Place:
    """A ward or village that small areas are named after, with its approximate centre."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Neighbourhood:
    locality: str
    name: str
    practices: tuple[Practice, ...]
    places: tuple[Place, ...]
    affluence: float  # typical IMD decile of its areas: drives the decile draw below
    spread: float  # how mixed its areas are (standard deviation on the decile scale)
    total: int | None = None  # published cluster total (Oxford City only)


P, W = Practice, Place

# Oxford City: practice names and cluster totals from the locality plan (seed 004). Weights (the split
# of a cluster total over its practices) are not published: plausible guesses. Coordinates are
# approximate real locations (within about 1 km).
OXFORD_CITY = (
    Neighbourhood(
        "Oxford City",
        "Central Oxford",
        (
            P("19 Beaumont Street", 51.7547, -1.2617, 1.2),
            P("27 Beaumont Street", 51.7546, -1.2612, 1.1),
            P("28 Beaumont Street", 51.7544, -1.2607, 0.8),
            P("King Edward Street", 51.7522, -1.2548, 0.9),
        ),
        (
            W("Carfax", 51.7520, -1.2580),
            W("Holywell", 51.7555, -1.2500),
            W("Jericho and Osney", 51.7560, -1.2700),
        ),
        affluence=6.5,
        spread=2.2,
        total=33_134,
    ),
    Neighbourhood(
        "Oxford City",
        "North Oxford",
        (
            P("Summertown Medical Practice", 51.7760, -1.2640, 1.2),
            P("Banbury Road", 51.7730, -1.2620, 1.0),
            P("Jericho Health Centre", 51.7598, -1.2662, 0.9),
            P("Observatory Medical Practice", 51.7612, -1.2633, 1.1),
        ),
        (
            W("Summertown", 51.7770, -1.2640),
            W("St Margaret's", 51.7660, -1.2640),
            W("Wolvercote", 51.7850, -1.2800),
            W("Walton Manor", 51.7640, -1.2640),
        ),
        affluence=9.0,
        spread=1.0,
        total=44_958,
    ),
    Neighbourhood(
        "Oxford City",
        "South East Oxford",
        (
            P("Donnington Medical Practice", 51.7372, -1.2300, 0.9),
            P("Hollow Way Medical Centre", 51.7392, -1.2058, 1.0),
            P("Temple Cowley Medical Centre", 51.7350, -1.2125, 1.1),
            P("The Leys Medical Centre", 51.7150, -1.2050, 1.0),
        ),
        (
            W("Blackbird Leys", 51.7135, -1.1985),
            W("Northfield Brook", 51.7195, -1.1910),
            W("Rose Hill and Iffley", 51.7290, -1.2290),
            W("Littlemore", 51.7215, -1.2230),
            W("Cowley", 51.7330, -1.2100),
            W("Lye Valley", 51.7400, -1.2000),
        ),
        affluence=4.5,
        spread=1.8,
        total=40_572,
    ),
    Neighbourhood(
        "Oxford City",
        "South and West Oxford",
        (
            P("Botley Medical Centre", 51.7520, -1.2950, 1.1),
            P("South Oxford Health Centre", 51.7410, -1.2575, 0.9),
        ),
        (
            W("Botley", 51.7520, -1.2960),
            W("Hinksey Park", 51.7400, -1.2580),
            W("Osney and St Thomas", 51.7500, -1.2700),
        ),
        affluence=7.0,
        spread=1.6,
        total=20_169,
    ),
    Neighbourhood(
        "Oxford City",
        "East Oxford",
        (
            P("Bartlemas Surgery", 51.7440, -1.2240, 1.0),
            P("Cowley Road Medical Practice", 51.7458, -1.2335, 1.1),
            P("St Bartholomew's Medical Centre", 51.7475, -1.2305, 1.0),
            P("St Clements Surgery", 51.7508, -1.2395, 0.9),
        ),
        (
            W("St Clement's", 51.7510, -1.2390),
            W("St Mary's", 51.7460, -1.2400),
            W("Cowley Marsh", 51.7410, -1.2160),
            W("Iffley Fields", 51.7390, -1.2400),
        ),
        affluence=5.5,
        spread=1.8,
        total=42_235,
    ),
    Neighbourhood(
        "Oxford City",
        "Headington",
        (P("Hedena Health", 51.7605, -1.2140, 1.5), P("Manor Surgery", 51.7598, -1.2190, 1.0)),
        (
            W("Barton and Sandhills", 51.7650, -1.1900),
            W("Churchill", 51.7520, -1.2010),
            W("Headington", 51.7600, -1.2150),
            W("Quarry and Risinghurst", 51.7620, -1.1950),
            W("Marston", 51.7730, -1.2330),
        ),
        affluence=6.5,
        spread=2.0,
        total=41_400,
    ),
)

# The other five localities: synthetic practices (generic town-based names) placed near their towns.
OTHER = (
    Neighbourhood(
        "North",
        "Banbury",
        (
            P("Banbury Cross Health Centre", 52.0600, -1.3420, 1.3),
            P("Cherwell Bridge Surgery", 52.0628, -1.3335, 1.1),
            P("Grimsbury Medical Centre", 52.0618, -1.3255, 1.0),
        ),
        (
            W("Grimsbury and Hightown", 52.0610, -1.3250),
            W("Banbury Cross", 52.0600, -1.3400),
            W("Calthorpe", 52.0550, -1.3420),
            W("Hardwick", 52.0760, -1.3400),
        ),
        affluence=5.0,
        spread=2.0,
    ),
    Neighbourhood(
        "North",
        "Banbury West",
        (P("Bretch Hill Surgery", 52.0640, -1.3640, 1.0), P("Ruscote Health Centre", 52.0700, -1.3550, 1.1)),
        (W("Ruscote", 52.0690, -1.3560), W("Neithrop", 52.0640, -1.3500), W("Bretch Hill", 52.0630, -1.3650)),
        affluence=4.5,
        spread=2.0,
    ),
    Neighbourhood(
        "North",
        "North Oxfordshire Rural",
        (
            P("Deddington Village Practice", 51.9817, -1.3213, 0.9),
            P("Hook Norton Valley Surgery", 51.9960, -1.4850, 0.6),
            P("Bloxham Green Surgery", 52.0195, -1.3720, 0.9),
            P("Cropredy Canal Practice", 52.1160, -1.3160, 0.6),
        ),
        (
            W("Deddington", 51.9817, -1.3213),
            W("Hook Norton", 51.9960, -1.4850),
            W("Bloxham", 52.0195, -1.3720),
            W("Cropredy", 52.1160, -1.3160),
            W("Adderbury", 52.0140, -1.3120),
        ),
        affluence=8.3,
        spread=1.2,
    ),
    Neighbourhood(
        "North East",
        "Bicester",
        (
            P("Bicester Market Square Surgery", 51.8995, -1.1530, 1.3),
            P("Bicester Langford Medical Centre", 51.8890, -1.1420, 1.1),
            P("Bicester Kingsmere Health Centre", 51.8880, -1.1650, 1.0),
            P("Bicester Bure Park Surgery", 51.9130, -1.1560, 0.9),
        ),
        (
            W("Bicester Town", 51.8990, -1.1530),
            W("Bicester South", 51.8870, -1.1560),
            W("Bicester North", 51.9100, -1.1550),
            W("Bicester West", 51.9000, -1.1700),
            W("Bicester East", 51.8980, -1.1350),
        ),
        affluence=6.5,
        spread=1.6,
    ),
    Neighbourhood(
        "North East",
        "Kidlington and Villages",
        (
            P("Kidlington Oxford Road Surgery", 51.8225, -1.2880, 1.2),
            P("Kidlington High Street Practice", 51.8250, -1.2905, 1.0),
            P("Yarnton and Begbroke Surgery", 51.8070, -1.3110, 0.7),
        ),
        (
            W("Kidlington East", 51.8240, -1.2800),
            W("Kidlington West", 51.8230, -1.2960),
            W("Yarnton", 51.8070, -1.3110),
            W("Gosford and Water Eaton", 51.8120, -1.2780),
        ),
        affluence=7.5,
        spread=1.3,
    ),
    Neighbourhood(
        "North East",
        "Otmoor and Ardley",
        (
            P("Islip Otmoor Surgery", 51.8250, -1.2370, 0.7),
            P("Fritwell and Ardley Surgery", 51.9590, -1.2390, 0.6),
        ),
        (
            W("Islip", 51.8250, -1.2370),
            W("Fritwell", 51.9590, -1.2390),
            W("Launton", 51.9010, -1.1180),
            W("Bletchingdon", 51.8570, -1.2730),
        ),
        affluence=8.5,
        spread=1.0,
    ),
    Neighbourhood(
        "South East",
        "Henley",
        (
            P("Henley Thameside Surgery", 51.5360, -0.9030, 1.1),
            P("Henley Bell Street Practice", 51.5395, -0.9050, 1.0),
            P("Sonning Common Health Centre", 51.5200, -0.9770, 0.8),
        ),
        (
            W("Henley North", 51.5420, -0.9050),
            W("Henley South", 51.5330, -0.9020),
            W("Sonning Common", 51.5200, -0.9770),
            W("Goring", 51.5220, -1.1370),
        ),
        affluence=9.0,
        spread=0.9,
    ),
    Neighbourhood(
        "South East",
        "Thame and Chinnor",
        (
            P("Thame Upper High Street Practice", 51.7465, -0.9780, 1.1),
            P("Thame Southern Road Surgery", 51.7420, -0.9720, 0.9),
            P("Chinnor Hill Surgery", 51.7020, -0.9110, 0.8),
        ),
        (W("Thame", 51.7450, -0.9760), W("Chinnor", 51.7020, -0.9110), W("Haddenham Road", 51.7500, -0.9650)),
        affluence=8.7,
        spread=1.0,
    ),
    Neighbourhood(
        "South East",
        "Wallingford and Watlington",
        (
            P("Wallingford Castle Surgery", 51.6005, -1.1265, 1.0),
            P("Wallingford Riverside Practice", 51.5980, -1.1230, 0.9),
            P("Watlington Hill Surgery", 51.6450, -1.0070, 0.6),
        ),
        (
            W("Wallingford", 51.5995, -1.1250),
            W("Cholsey", 51.5700, -1.1560),
            W("Watlington", 51.6450, -1.0070),
            W("Benson", 51.6200, -1.1100),
        ),
        affluence=8.2,
        spread=1.2,
    ),
    Neighbourhood(
        "South East",
        "Wheatley and Berinsfield",
        (
            P("Wheatley Health Centre", 51.7470, -1.1370, 0.9),
            P("Berinsfield and Dorchester Surgery", 51.6590, -1.1710, 0.7),
        ),
        (
            W("Wheatley", 51.7470, -1.1370),
            W("Berinsfield", 51.6590, -1.1710),
            W("Garsington", 51.7150, -1.1620),
        ),
        affluence=7.5,
        spread=1.5,
    ),
    Neighbourhood(
        "South West",
        "Abingdon",
        (
            P("Abingdon Abbey Health Centre", 51.6710, -1.2830, 1.2),
            P("Abingdon Marcham Road Practice", 51.6700, -1.2950, 1.0),
            P("Abingdon Caldecott Surgery", 51.6640, -1.2880, 0.9),
            P("Abingdon Peachcroft Surgery", 51.6800, -1.2720, 0.9),
        ),
        (
            W("Caldecott", 51.6640, -1.2880),
            W("Abingdon Abbey", 51.6710, -1.2820),
            W("Abingdon Peachcroft", 51.6810, -1.2700),
            W("Abingdon Dunmore", 51.6850, -1.2900),
            W("Abingdon Fitzharris", 51.6760, -1.2950),
        ),
        affluence=7.0,
        spread=1.5,
    ),
    Neighbourhood(
        "South West",
        "Didcot",
        (
            P("Didcot Ladygrove Health Centre", 51.6150, -1.2370, 1.1),
            P("Didcot Broadway Surgery", 51.6080, -1.2430, 1.1),
            P("Didcot Great Western Park Practice", 51.6020, -1.2640, 0.9),
            P("Harwell and Blewbury Surgery", 51.5830, -1.2990, 0.7),
        ),
        (
            W("Didcot Ladygrove", 51.6160, -1.2360),
            W("Didcot South", 51.6020, -1.2420),
            W("Didcot West", 51.6060, -1.2600),
            W("Harwell", 51.5990, -1.2900),
            W("Blewbury", 51.5700, -1.2350),
        ),
        affluence=6.8,
        spread=1.4,
    ),
    Neighbourhood(
        "South West",
        "Wantage and Grove",
        (
            P("Wantage Market Place Surgery", 51.5880, -1.4260, 1.1),
            P("Wantage Letcombe Brook Surgery", 51.5850, -1.4330, 0.9),
            P("Grove Village Health Centre", 51.6090, -1.4200, 1.0),
        ),
        (W("Wantage", 51.5880, -1.4260), W("Grove", 51.6090, -1.4200), W("Letcombe", 51.5750, -1.4500)),
        affluence=7.2,
        spread=1.3,
    ),
    Neighbourhood(
        "South West",
        "Faringdon and Western Vale",
        (
            P("Faringdon Folly Hill Surgery", 51.6560, -1.5860, 1.0),
            P("Shrivenham Village Practice", 51.5990, -1.6500, 0.7),
        ),
        (
            W("Faringdon", 51.6560, -1.5860),
            W("Shrivenham", 51.5990, -1.6500),
            W("Stanford in the Vale", 51.6370, -1.5040),
            W("Buckland", 51.6760, -1.5050),
        ),
        affluence=7.8,
        spread=1.2,
    ),
    Neighbourhood(
        "West",
        "Witney",
        (
            P("Witney Market Square Surgery", 51.7850, -1.4850, 1.3),
            P("Witney Cogges Health Centre", 51.7820, -1.4780, 1.2),
        ),
        (
            W("Witney Central", 51.7850, -1.4850),
            W("Witney East", 51.7830, -1.4700),
            W("Witney North", 51.7950, -1.4900),
            W("Witney South", 51.7750, -1.4850),
        ),
        affluence=7.2,
        spread=1.4,
    ),
    Neighbourhood(
        "West",
        "Carterton and Burford",
        (
            P("Carterton Black Bourton Road Surgery", 51.7590, -1.5940, 1.1),
            P("Burford Tolsey Surgery", 51.8090, -1.6360, 0.7),
        ),
        (
            W("Carterton North", 51.7650, -1.5950),
            W("Carterton South", 51.7540, -1.5900),
            W("Burford", 51.8090, -1.6360),
        ),
        affluence=6.5,
        spread=1.3,
    ),
    Neighbourhood(
        "West",
        "Chipping Norton and Charlbury",
        (
            P("Chipping Norton Cotswold Health Centre", 51.9420, -1.5460, 1.1),
            P("Charlbury Evenlode Surgery", 51.8720, -1.4820, 0.6),
        ),
        (
            W("Chipping Norton", 51.9420, -1.5460),
            W("Charlbury", 51.8720, -1.4820),
            W("Milton-under-Wychwood", 51.8620, -1.6170),
        ),
        affluence=8.0,
        spread=1.2,
    ),
    Neighbourhood(
        "West",
        "Eynsham and Woodstock",
        (
            P("Eynsham Abbey Surgery", 51.7805, -1.3750, 0.9),
            P("Woodstock Blenheim Surgery", 51.8480, -1.3540, 0.8),
        ),
        (
            W("Eynsham", 51.7805, -1.3750),
            W("Woodstock", 51.8480, -1.3540),
            W("Stonesfield", 51.8530, -1.4270),
        ),
        affluence=8.5,
        spread=1.0,
    ),
)

NEIGHBOURHOODS = OXFORD_CITY + OTHER

# IMD 2019: the 17 areas in the most deprived 20% nationally, by ward (10 wards: 6 Oxford, 3 Banbury,
# 1 Abingdon). Ward -> (neighbourhood, deciles of its deprived areas). Which ward has how many of the
# 17, and which are decile 1, is a plausible synthetic split.
DEPRIVED = {
    "Blackbird Leys": ("South East Oxford", (2, 2)),
    "Northfield Brook": ("South East Oxford", (1, 2, 2)),
    "Rose Hill and Iffley": ("South East Oxford", (2, 2)),
    "Littlemore": ("South East Oxford", (2,)),
    "Barton and Sandhills": ("Headington", (2,)),
    "Churchill": ("Headington", (2,)),
    "Ruscote": ("Banbury West", (1, 2, 2)),
    "Neithrop": ("Banbury West", (2, 2)),
    "Grimsbury and Hightown": ("Banbury", (2,)),
    "Caldecott": ("Abingdon", (2,)),
}

# Deciles 3-10 of the other 390 areas: the county's skew to the less deprived end (about 4, 6, 9, 12,
# 15, 17, 17 and 16% of all 407 areas).
DECILE_COUNTS = {3: 16, 4: 24, 5: 37, 6: 49, 7: 61, 8: 69, 9: 69, 10: 65}


def apportion(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to ``weights`` summing exactly to ``total`` (largest remainder)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    out = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in by_remainder[: total - sum(out)]:
        out[i] += 1
    return out


def _practice_rows(rng: random.Random) -> list[dict]:
    sizes: dict[tuple[str, str], int] = {}
    for nb in OXFORD_CITY:
        for p, size in zip(nb.practices, apportion(nb.total, [p.weight for p in nb.practices]), strict=True):
            sizes[nb.name, p.name] = size
    for locality, total in LOCALITY_TOTALS.items():
        if locality == "Oxford City":
            continue
        members = [(nb, p) for nb in OTHER if nb.locality == locality for p in nb.practices]
        # A little noise on the hand-set weights so that synthetic list sizes do not look too tidy.
        weights = [p.weight * rng.uniform(0.88, 1.12) for _, p in members]
        for (nb, p), size in zip(members, apportion(total, weights), strict=True):
            sizes[nb.name, p.name] = size
    # Synthetic ODS-style codes: K84 (the Oxfordshire prefix) and three random digits; not real look-ups.
    numbers = sorted(rng.sample(range(1, 1000), len(sizes)))
    rows = []
    members = [(nb, p) for nb in NEIGHBOURHOODS for p in nb.practices]
    for number, (nb, p) in zip(numbers, members, strict=True):
        rows.append(
            {
                "practice_code": f"K84{number:03d}",
                "name": p.name,
                "locality": nb.locality,
                "neighbourhood": nb.name,
                "list_size": sizes[nb.name, p.name],
                "latitude": round(p.lat, 4),
                "longitude": round(p.lon, 4),
            }
        )
    return rows


def _populations(rng: random.Random, total: int, n: int) -> list[int]:
    """``n`` area populations summing to ``total``, each within 1,200-2,600 (redrawn until they are)."""
    while True:
        pops = apportion(total, [rng.uniform(0.72, 1.3) for _ in range(n)])
        if min(pops) >= 1200 and max(pops) <= 2600:
            return pops


def _small_area_rows(rng: random.Random, practices: list[dict]) -> list[dict]:
    totals = {
        nb.name: sum(r["list_size"] for r in practices if r["neighbourhood"] == nb.name)
        for nb in NEIGHBOURHOODS
    }
    counts = apportion(N_SMALL_AREAS, [totals[nb.name] for nb in NEIGHBOURHOODS])
    areas: list[dict] = []
    for nb, n in zip(NEIGHBOURHOODS, counts, strict=True):
        # The deprived areas first, in their named wards; the rest go round the neighbourhood's places.
        fixed = [(w, d) for w, (home, deciles) in DEPRIVED.items() if home == nb.name for d in deciles]
        places = {pl.name: pl for pl in nb.places}
        wards = [w for w, _ in fixed] + [nb.places[i % len(nb.places)].name for i in range(n - len(fixed))]
        deciles: list[int | None] = [d for _, d in fixed] + [None] * (n - len(fixed))
        jitter = (
            0.006 if nb.locality == "Oxford City" else 0.012
        )  # about 0.7 km in town, 1.3 km in the country
        for ward, decile, pop in zip(wards, deciles, _populations(rng, totals[nb.name], n), strict=True):
            pl = places[ward]
            areas.append(
                {
                    "ward": ward,
                    "locality": nb.locality,
                    "neighbourhood": nb.name,
                    "imd_decile": decile,
                    "latitude": round(pl.lat + rng.gauss(0, jitter), 4),
                    "longitude": round(
                        pl.lon + rng.gauss(0, jitter * 1.6), 4
                    ),  # 1 degree of longitude is shorter
                    "population": pop,
                    "_key": nb.affluence + rng.gauss(0, nb.spread),
                }
            )
    # Deciles 3-10 by rank: areas sorted by (neighbourhood affluence + noise) fill the decile quotas in
    # order, so the counts are exact and the geography stays plausible.
    rest = sorted((a for a in areas if a["imd_decile"] is None), key=lambda a: a["_key"])
    quota = [d for d, k in DECILE_COUNTS.items() for _ in range(k)]
    assert len(quota) == len(rest), (len(quota), len(rest))
    for area, decile in zip(rest, quota, strict=True):
        area["imd_decile"] = decile
    numbered: dict[str, int] = {}
    rows = []
    for i, a in enumerate(areas, start=1):
        numbered[a["ward"]] = numbered.get(a["ward"], 0) + 1
        rows.append(
            {
                "small_area_code": f"X01{i:06d}",
                "name": f"{a['ward']} {numbered[a['ward']]}",
                "locality": a["locality"],
                "neighbourhood": a["neighbourhood"],
                "imd_decile": a["imd_decile"],
                "latitude": a["latitude"],
                "longitude": a["longitude"],
                "population": a["population"],
            }
        )
    return rows


PRACTICES_HEADER = """\
# GP practices of a synthetic Oxfordshire (70 practices, 726,000 registered patients, six localities).
# Oxford City (20 practices): names, neighbourhood clusters and cluster totals from the OCCG Oxford City
# locality plan; per-practice list sizes are NOT published: each cluster total is split plausibly.
# Other localities (50 practices): SYNTHETIC generic town-based names, list sizes and locality totals.
# practice_code: SYNTHETIC ODS-style codes (K84 + 3 digits), not real ODS look-ups.
# Coordinates approximate (Oxford City practices within about 1 km; others at their towns).
# Made by scripts/build_geography.py (seed {seed}); see PROVENANCE.md.
"""

SMALL_AREAS_HEADER = """\
# Small areas (LSOA-like) of a synthetic Oxfordshire: 407 areas, as Oxfordshire has 407 LSOAs.
# small_area_code: SYNTHETIC (X01 + 6 digits), not real LSOA codes. Names: real ward or place name + number.
# imd_decile: SYNTHETIC, matching the published IMD 2019 profile: 17 areas in deciles 1-2 (most deprived 20%
# nationally) in 10 wards (6 Oxford, 3 Banbury, 1 Abingdon); the rest skewed to less deprived deciles.
# population: SYNTHETIC registered patients; the areas of a neighbourhood sum to its practices' list sizes.
# Made by scripts/build_geography.py (seed {seed}); see PROVENANCE.md.
"""


def _write(path: Path, header: str, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        f.write(header.format(seed=SEED))
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build(out_dir: Path = OUT_DIR) -> None:
    """Write ``practices.csv`` and ``small_areas.csv`` into ``out_dir`` (deterministic)."""
    rng = random.Random(SEED)
    practices = _practice_rows(rng)
    areas = _small_area_rows(rng, practices)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write(out_dir / "practices.csv", PRACTICES_HEADER, practices)
    _write(out_dir / "small_areas.csv", SMALL_AREAS_HEADER, areas)


if __name__ == "__main__":
    build()
