"""The synthetic Oxfordshire directory: generated, deterministic, every location marked approximate.

Contract
--------
:func:`synthetic_directory` builds the same :class:`Directory` every time from the shipped geography
(``nhc.reference.geography``): for each of the 70 practices a GP service (core hours plus nothing
else) and a practice nurse service; for each of the 24 neighbourhoods an extended-hours hub, a PCN
clinical pharmacist, first-contact physiotherapy, a mental health link worker, a social prescribing
link worker, two community pharmacies offering Pharmacy First, a lunch club and a walking group; for
each locality a 100-hour pharmacy and the VCSE services (older people, carers, debt and benefits,
food bank, housing, employment, bereavement, befriending, faith); countywide NHS 111, talking
therapies, the urgent treatment centre and minor injury units, the two emergency departments and the
nine community hospitals. Ids are UUIDs derived from readable keys (:func:`uid`), so they are stable.
Everything here is SYNTHETIC: names, opening times, phone numbers (Ofcom drama range) and places.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from nhc.navigation.domain import (
    Address,
    Contact,
    Cost,
    Directory,
    Eligibility,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from nhc.navigation.places import NEIGHBOURHOOD_DISTRICTS
from nhc.reference.geography import LOCALITIES, practices

NAMESPACE = uuid.UUID("6f1c1f9e-4a52-4b59-9a55-0e3c4f1a7b21")
ASSURED = dt.date(2026, 1, 15)
MODIFIED = dt.datetime(2026, 1, 15, 9, 0)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")
EVERY_DAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
VOCABULARY = "nhc-navigation"

#: The navigator's service kinds: taxonomy code -> term.
KINDS: dict[str, str] = {
    "gp_practice": "GP practice appointments",
    "gp_extended_hours": "GP extended hours (enhanced access)",
    "practice_nurse": "Practice nurse",
    "clinical_pharmacist": "Clinical pharmacist (primary care network)",
    "community_pharmacy": "Community pharmacy",
    "fcp_physio": "First-contact physiotherapy",
    "mh_link_worker": "Mental health link worker",
    "social_prescribing": "Social prescribing link worker",
    "talking_therapies": "NHS Talking Therapies",
    "nhs_111": "NHS 111",
    "urgent_treatment_centre": "Urgent treatment centre",
    "minor_injury_unit": "Minor injury unit",
    "emergency_department": "Emergency department",
    "community_hospital": "Community hospital",
    "pharmacy_first": "Pharmacy First",
    "vcse_older_people": "Older people's support",
    "vcse_carers": "Carers' support",
    "vcse_lunch_club": "Lunch club",
    "vcse_walking_group": "Walking group",
    "vcse_debt_benefits": "Debt and benefits advice",
    "vcse_food_bank": "Food bank",
    "vcse_housing": "Housing advice",
    "vcse_employment": "Employment support",
    "vcse_bereavement": "Bereavement support",
    "vcse_befriending": "Loneliness and befriending",
    "vcse_faith": "Faith group",
}

#: Nine community hospitals (seed 000: 147 beds between them); the beds per hospital are SYNTHETIC.
COMMUNITY_HOSPITALS: tuple[tuple[str, str, int], ...] = (
    ("Abingdon Community Hospital", "Abingdon", 20),
    ("Bicester Community Hospital", "Bicester", 12),
    ("City Community Hospital", "Central Oxford", 20),
    ("Chipping Norton War Memorial Hospital", "Chipping Norton and Charlbury", 14),
    ("Didcot Community Hospital", "Didcot", 16),
    ("Townlands Memorial Hospital", "Henley", 12),
    ("Wallingford Community Hospital", "Wallingford and Watlington", 17),
    ("Wantage Community Hospital", "Wantage and Grove", 12),
    ("Witney Community Hospital", "Witney", 24),
)
EMERGENCY_DEPARTMENTS = (("John Radcliffe Hospital emergency department", "Headington"), ("Horton General Hospital emergency department", "Banbury"))  # fmt: skip
URGENT = (
    ("Horton urgent treatment centre", "Banbury", "urgent_treatment_centre", "08:00", "22:00"),
    ("Abingdon minor injury unit", "Abingdon", "minor_injury_unit", "08:00", "20:00"),
    ("Henley minor injury unit", "Henley", "minor_injury_unit", "08:00", "20:00"),
    ("Witney minor injury unit", "Witney", "minor_injury_unit", "08:00", "20:00"),
)
#: Locality VCSE services: kind, name pattern, days, opens, closes, minimum age, cost.
LOCALITY_VCSE = (
    ("vcse_older_people", "{} Age Well", WEEKDAYS, "09:00", "16:00", 60, "Free"),
    ("vcse_carers", "{} Carers Hub", ("TU", "WE", "TH"), "10:00", "15:00", 16, "Free"),
    ("vcse_debt_benefits", "{} Money and Benefits Advice", WEEKDAYS, "09:30", "16:30", 18, "Free"),
    ("vcse_food_bank", "{} Food Bank", ("MO", "TH"), "10:00", "13:00", None, "Free (voucher)"),
    ("vcse_housing", "{} Housing Advice", WEEKDAYS, "09:00", "17:00", 16, "Free"),
    ("vcse_employment", "{} Work and Skills", ("MO", "WE", "FR"), "09:30", "15:30", 16, "Free"),
    ("vcse_bereavement", "{} Bereavement Support", ("WE",), "18:00", "20:00", 18, "Free"),
    ("vcse_befriending", "{} Befriending Network", WEEKDAYS, "09:00", "17:00", 18, "Free"),
    ("vcse_faith", "{} Churches Together Drop-in", ("SU",), "10:00", "12:00", None, "Free"),
)


def uid(key: str) -> str:
    """A stable UUID for a readable key (the same key always gives the same id)."""
    return str(uuid.uuid5(NAMESPACE, key))


def _jitter(key: str, scale: float = 0.004) -> tuple[float, float]:
    digest = hashlib.sha256(key.encode()).digest()
    return ((digest[0] / 255 - 0.5) * scale, (digest[1] / 255 - 0.5) * scale * 1.6)


def _town(neighbourhood: str) -> str:
    return "Oxford" if neighbourhood.endswith("Oxford") or neighbourhood == "Headington" else neighbourhood


def _phone(key: str) -> str:
    # Ofcom reserves 01632 960000-960999 for drama: never a real line.
    return f"01632 960{int(hashlib.sha256(key.encode()).hexdigest(), 16) % 1000:03d}"


def _weekly(key: str, days: Iterable[str], opens: str, closes: str, **extra) -> Schedule:
    return Schedule(
        id=uid(f"schedule:{key}"),
        opens_at=dt.time.fromisoformat(opens),
        closes_at=dt.time.fromisoformat(closes),
        byday=tuple(days),
        **extra,
    )


@dataclass
class _Builder:
    """Collects organizations and services; one place knows how to dress a service in ORUK."""

    directory: Directory

    def org(self, key: str, name: str, description: str = "") -> str:
        oid = uid(f"org:{key}")
        self.directory.organizations.setdefault(
            oid, Organization(oid, name, description, phone=_phone(f"org:{key}"))
        )
        return oid

    def location(self, key: str, name: str, lat: float, lon: float, neighbourhood: str) -> Location:
        dlat, dlon = _jitter(key)
        district = NEIGHBOURHOOD_DISTRICTS.get(neighbourhood, "OX1")
        address = Address(
            f"{1 + int(uid(key)[:4], 16) % 120} High Street", _town(neighbourhood), f"{district} 9ZZ"
        )
        return Location(uid(f"location:{key}"), name, round(lat + dlat, 5), round(lon + dlon, 5), address, approximate=True)  # fmt: skip

    def service(
        self,
        key: str,
        org_id: str,
        name: str,
        kind: str,
        schedules: tuple[Schedule, ...],
        location: Location | None,
        area: tuple[str, str],
        **fields,
    ) -> Service:
        terms = [TaxonomyTerm(uid(f"term:{kind}"), kind, KINDS[kind], VOCABULARY)]
        terms += [TaxonomyTerm(uid(f"term:{t}"), t, KINDS[t], VOCABULARY) for t in fields.pop("also", ())]
        sites = (ServiceAtLocation(uid(f"sal:{key}"), location, schedules),) if location else ()
        eligibility = fields.pop("eligibility", "")
        cost = fields.pop("cost", "Free")
        service = Service(
            id=uid(f"service:{key}"),
            organization_id=org_id,
            name=name,
            kind=kind,
            description=fields.pop("description", f"{KINDS[kind]} ({area[0]})."),
            assured_date=ASSURED,
            last_modified=MODIFIED,
            phone=fields.pop("phone", _phone(key)),
            url=f"https://example.org/nhc/{uid(key)[:8]}",
            schedules=() if location else schedules,
            locations=sites,
            taxonomy_terms=tuple(terms),
            contacts=(Contact(uid(f"contact:{key}"), "Reception", _phone(key), title="Bookings"),),
            costs=(Cost(uid(f"cost:{key}"), cost, 0.0),),
            service_areas=(ServiceArea(uid(f"area:{key}"), area[0], area[1]),),
            eligibility=(Eligibility(uid(f"elig:{key}"), eligibility),) if eligibility else (),
            **fields,
        )
        self.directory.add(service)
        return service


def _practice_services(b: _Builder, rows: list[dict]) -> None:
    for p in rows:
        code, nb = p["practice_code"], p["neighbourhood"]
        org = b.org(f"practice:{code}", p["name"], f"GP practice in {nb}")
        loc = b.location(f"practice:{code}", p["name"], p["latitude"], p["longitude"], nb)
        core = (_weekly(f"gp:{code}", WEEKDAYS, "08:00", "18:30", description="core hours"),)
        b.service(f"gp:{code}", org, f"{p['name']}: GP appointments", "gp_practice", core, loc, (nb, "neighbourhood"), practice_code=code, eligibility="Registered patients of the practice")  # fmt: skip
        nurse = (_weekly(f"nurse:{code}", WEEKDAYS, "08:30", "17:00"),)
        b.service(f"nurse:{code}", org, f"{p['name']}: practice nurse", "practice_nurse", nurse, loc, (nb, "neighbourhood"), practice_code=code, eligibility="Registered patients of the practice")  # fmt: skip


def _neighbourhood_services(b: _Builder, nb: str, first: dict) -> None:
    pcn = b.org(f"pcn:{nb}", f"{nb} Primary Care Network", f"The practices of {nb} working together")
    hub = b.location(f"hub:{nb}", f"{nb} health hub", first["latitude"], first["longitude"], nb)
    area = (nb, "neighbourhood")
    extended = (
        _weekly(f"ext:{nb}:wk", WEEKDAYS, "18:30", "20:00", description="extended hours, weekday evenings"),
        _weekly(f"ext:{nb}:sa", ("SA",), "09:00", "17:00", description="extended hours, Saturday"),
    )
    b.service(f"ext:{nb}", pcn, f"{nb} extended hours GP and nurse appointments", "gp_extended_hours", extended, hub, area, eligibility="Patients registered in the neighbourhood; pre-bookable")  # fmt: skip
    day = (_weekly(f"cp:{nb}", ("MO", "TU", "WE", "TH"), "09:00", "17:00"),)
    b.service(f"cp:{nb}", pcn, f"{nb} clinical pharmacist", "clinical_pharmacist", day, hub, area)
    physio = (_weekly(f"fcp:{nb}", WEEKDAYS, "08:30", "17:00"),)
    b.service(f"fcp:{nb}", pcn, f"{nb} first-contact physiotherapy", "fcp_physio", physio, hub, area, minimum_age=16)  # fmt: skip
    mh = (_weekly(f"mh:{nb}", WEEKDAYS, "09:00", "17:00"), _weekly(f"mh:{nb}:eve", ("WE",), "17:00", "19:00"))
    b.service(f"mh:{nb}", pcn, f"{nb} mental health link worker", "mh_link_worker", mh, hub, area, minimum_age=18)  # fmt: skip
    sp = (_weekly(f"sp:{nb}", WEEKDAYS, "09:00", "17:00"),)
    b.service(f"sp:{nb}", pcn, f"{nb} social prescribing link worker", "social_prescribing", sp, hub, area, minimum_age=16)  # fmt: skip
    for i in (1, 2):
        key = f"pharmacy:{nb}:{i}"
        org = b.org(
            key, f"{_town(nb)} Pharmacy {nb[:1]}{i}" if _town(nb) == "Oxford" else f"{nb} Pharmacy {i}"
        )
        close_weekday = "18:00" if i == 1 else "17:30"
        sat = ("09:00", "13:00") if i == 1 else ("09:00", "17:00")
        times = (_weekly(f"{key}:wk", WEEKDAYS, "09:00", close_weekday), _weekly(f"{key}:sa", ("SA",), *sat))
        loc = b.location(key, b.directory.organizations[org].name, first["latitude"], first["longitude"], nb)
        b.service(key, org, f"{b.directory.organizations[org].name}: Pharmacy First and advice", "community_pharmacy", times, loc, area, also=("pharmacy_first",))  # fmt: skip
    social = b.org(f"vcse:{nb}", f"{nb} Community Association", f"Volunteer-run groups in {nb}")
    hall = b.location(f"hall:{nb}", f"{nb} community hall", first["latitude"], first["longitude"], nb)
    lunch = (_weekly(f"lunch:{nb}", ("TU",), "12:00", "14:00"),)
    b.service(f"lunch:{nb}", social, f"{nb} lunch club", "vcse_lunch_club", lunch, hall, area, minimum_age=60, cost="£4 a meal", also=("vcse_befriending",))  # fmt: skip
    walk = (_weekly(f"walk:{nb}", ("TH",), "10:00", "12:00"),)
    b.service(f"walk:{nb}", social, f"{nb} health walk", "vcse_walking_group", walk, hall, area, also=("vcse_befriending",))  # fmt: skip


def _locality_services(b: _Builder, locality: str, first: dict) -> None:
    area = (locality, "locality")
    nb = first["neighbourhood"]
    key = f"pharmacy100:{locality}"
    org = b.org(key, f"{_town(nb)} Late Pharmacy")
    times = (
        _weekly(f"{key}:wk", (*WEEKDAYS, "SA"), "07:00", "22:00", closed_on_bank_holidays=False),
        _weekly(f"{key}:su", ("SU",), "10:00", "16:00", closed_on_bank_holidays=False),
    )
    loc = b.location(key, f"{_town(nb)} Late Pharmacy", first["latitude"], first["longitude"], nb)
    b.service(key, org, f"{_town(nb)} Late Pharmacy: Pharmacy First and advice", "community_pharmacy", times, loc, area, also=("pharmacy_first",))  # fmt: skip
    for kind, pattern, days, opens, closes, min_age, cost in LOCALITY_VCSE:
        name = pattern.format(locality)
        vkey = f"{kind}:{locality}"
        vorg = b.org(vkey, name, f"Voluntary and community service for {locality}")
        vloc = b.location(vkey, name, first["latitude"], first["longitude"], nb)
        sched = (_weekly(vkey, days, opens, closes),)
        b.service(vkey, vorg, name, kind, sched, vloc, area, minimum_age=min_age, cost=cost)


def _county_services(b: _Builder, by_nb: dict[str, dict]) -> None:
    county = ("Oxfordshire", "county")
    nhs = b.org("nhs111", "NHS 111", "Urgent medical help by phone and online, 24 hours")
    always = (_weekly("nhs111", EVERY_DAY, "00:00", "00:00", closed_on_bank_holidays=False, attending_type="phone"),)  # fmt: skip
    b.service("nhs111", nhs, "NHS 111 (phone 111, or 111.nhs.uk)", "nhs_111", always, None, county, description="Call 111 or go to 111.nhs.uk, any time, for urgent advice.", phone="111")  # fmt: skip
    trust = b.org("ouh", "Oxford University Hospitals (synthetic)", "Acute hospital trust")
    for name, nb in EMERGENCY_DEPARTMENTS:
        p = by_nb[nb]
        loc = b.location(f"ed:{name}", name, p["latitude"], p["longitude"], nb)
        sched = (_weekly(f"ed:{name}", EVERY_DAY, "00:00", "00:00", closed_on_bank_holidays=False),)
        b.service(f"ed:{name}", trust, name, "emergency_department", sched, loc, county)
    community = b.org("oh", "Oxford Health community services (synthetic)", "Community health services")
    for name, nb, kind, opens, closes in URGENT:
        p = by_nb[nb]
        loc = b.location(f"urgent:{name}", name, p["latitude"], p["longitude"], nb)
        sched = (_weekly(f"urgent:{name}", EVERY_DAY, opens, closes, closed_on_bank_holidays=False),)
        b.service(f"urgent:{name}", community, name, kind, sched, loc, county, description=f"Walk in for minor injuries and illnesses, {opens}-{closes} every day.")  # fmt: skip
    for name, nb, beds in COMMUNITY_HOSPITALS:
        p = by_nb[nb]
        loc = b.location(f"ch:{name}", name, p["latitude"], p["longitude"], nb)
        sched = (_weekly(f"ch:{name}", EVERY_DAY, "10:00", "20:00", closed_on_bank_holidays=False, description="visiting"),)  # fmt: skip
        b.service(f"ch:{name}", community, name, "community_hospital", sched, loc, county, description=f"Community hospital with {beds} inpatient beds (synthetic split of 147).")  # fmt: skip
    tt = b.org("talking", "Oxfordshire Talking Therapies (synthetic)", "NHS talking therapies, self-referral")
    sched = (_weekly("talking", WEEKDAYS, "09:00", "17:00", attending_type="phone"),)
    b.service("talking", tt, "NHS Talking Therapies: refer yourself", "talking_therapies", sched, None, county, minimum_age=18, description="Refer yourself online or by phone for anxiety, low mood and stress.")  # fmt: skip


def synthetic_directory() -> Directory:
    """The synthetic Oxfordshire directory (see the module contract); the same every call."""
    rows = sorted(practices().to_pylist(), key=lambda r: r["practice_code"])
    by_nb: dict[str, dict] = {}
    for r in rows:
        by_nb.setdefault(r["neighbourhood"], r)
    b = _Builder(Directory())
    _practice_services(b, rows)
    for nb in sorted(by_nb):
        _neighbourhood_services(b, nb, by_nb[nb])
    for locality in LOCALITIES:
        first = next(r for r in rows if r["locality"] == locality)
        _locality_services(b, locality, first)
    _county_services(b, by_nb)
    return b.directory
