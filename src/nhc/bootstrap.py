"""The composition root: every service built once, in one place, for the web app and the CLI.

:func:`build` turns :class:`~nhc.settings.Settings` into :class:`Services` — the operational
database (migrated to the newest schema), :class:`~nhc.security.service.SecurityService`,
:class:`~nhc.insights.service.InsightsService` over the lake, the care service over both, the
one person-level access decision (:class:`~nhc.insights.access.PatientAccess`), and the areas built
on them (navigation, access hubs, planning, and the neighbourhood plans, which read all of those). The web app
(:func:`nhc.web.app.create_app`) and every ``nhc`` command take their services from here, so a
service is wired the same way wherever it is used and nothing is built lazily on first request.
A new area adds its service to :class:`Services` and builds it in :func:`build`.

Building is cheap: the constructors only remember where things are; the lake's insight tables
are read on first use (the web app warms them up in the background at start-up).
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pyarrow as pa

from nhc.access.domain.visit_requests import WardStay
from nhc.access.services import AccessService
from nhc.care.directory import InsightsDirectory, PatientDirectory
from nhc.care.services import CareService
from nhc.db import Database
from nhc.engagement.services import EngagementService
from nhc.errors import NhcError
from nhc.insights.access import PatientAccess
from nhc.insights.service import InsightsService
from nhc.lake import changes
from nhc.navigation.services import NavigationService
from nhc.navigation.services.social_prescribing import SocialPrescribing
from nhc.planning.montecarlo import Result
from nhc.planning.parameters import example_scenario_path
from nhc.planning.service import PlanningService
from nhc.planning.staff import StaffInPost, from_team
from nhc.plans.outcomes import LakeOutcomes
from nhc.plans.services import PlansService
from nhc.security.identity import IdentityProvider
from nhc.security.service import SecurityService
from nhc.settings import Settings

SECRET_KEY_FILE = ".secret_key"


@dataclass(frozen=True)
class Services:
    """The services of one running NHC (a web app or one command)."""

    settings: Settings
    db: Database
    security: SecurityService
    insights: InsightsService
    care: CareService
    patient_access: PatientAccess
    navigation: NavigationService
    social_prescribing: SocialPrescribing
    access: AccessService
    planning: PlanningService
    plans: PlansService
    engagement: EngagementService

    def close(self) -> None:
        """Release the database connections (the services are not used afterwards)."""
        self.db.dispose()

    def export_care_records(self) -> CareExport:
        """Care → lake: the team's records and the social prescribing referrals as one
        ``care_records`` table, written into the lake as one atomic change and recorded in its
        change log, so the next nightly refresh recomputes the people whose records changed."""
        table = pa.concat_tables([self.care.export_records(), self.social_prescribing.export_records()])
        changed = changes.replace_team_table(self.settings.lake_dir, "care_records", table)
        return CareExport(table, len(changed))


@dataclass(frozen=True)
class CareExport:
    """What ``nhc care export-lake`` wrote: the ``care_records`` rows, and how many people's
    records changed since the last export."""

    table: pa.Table
    people_changed: int


def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    """The operational database of ``settings``, migrated to the newest schema unless ``migrate``
    is false (``nhc db upgrade`` chooses its own revision)."""
    db = Database(settings.db_url)
    if migrate:
        db.upgrade()
    return db


def build(
    settings: Settings | None = None,
    *,
    security: SecurityService | None = None,
    insights: InsightsService | None = None,
    care_directory: PatientDirectory | None = None,
    migrate: bool = True,
    providers: Iterable[IdentityProvider] = (),
) -> Services:
    """Every service for ``settings`` (default: the environment's), each built once.

    ``security`` and ``insights`` replace the ones that would be built (tests, or a caller that
    already has them; ``security`` brings its own database). ``care_directory`` is where the care
    service looks people up: by default the lake's insight tables through ``insights``.
    ``providers`` are the identity providers beside local passwords (OpenID Connect...)."""
    settings = settings or Settings.from_env()
    if security is None:
        security = SecurityService(open_database(settings, migrate=migrate), providers=providers)
    insights = insights or InsightsService(settings.lake_dir)
    directory = care_directory if care_directory is not None else InsightsDirectory(insights)
    patient_access = PatientAccess(security, insights.patient_neighbourhood)
    navigation = NavigationService(security.db)
    care = CareService(security.db, security, directory)
    access = AccessService(
        security.db,
        security=security,
        neighbourhood_of=patient_access.neighbourhood_of,
        virtual_ward=virtual_ward(care),
    )
    planning = PlanningService(settings, staff=_care_staff(care))
    engagement = EngagementService(security.db, security=security)
    plans = PlansService(
        security.db,
        insights,
        security=security,
        outcomes=LakeOutcomes(settings),
        directory=navigation,
        access=access,
        projection=_projection(planning, insights),
        team=care,
        engagement=engagement,
    )
    return Services(
        settings=settings,
        db=security.db,
        security=security,
        insights=insights,
        care=care,
        # The one person-level decision: role + relationship, on the resolved patient ids, audited.
        patient_access=patient_access,
        navigation=navigation,
        social_prescribing=SocialPrescribing(navigation, patient_access),
        access=access,
        planning=planning,
        plans=plans,
        engagement=engagement,
    )


def _care_staff(care: CareService) -> Callable[[], StaffInPost | None]:
    """Staff in post by planning role from the care record's teams (roles and working patterns
    only); ``None`` when it has none, so the scenario file's figures are used."""

    def read() -> StaffInPost | None:
        members = [(s.role, s.working_pattern) for s in care.list_staff()]
        return from_team(members, care.clock(), "care record (neighbourhood teams)")

    return read


def _projection(planning: PlanningService, insights: InsightsService) -> Callable[[], Result]:
    """The planning model's example scenario, run once per lake generation (plans show its county
    projection and workforce gap)."""
    kept: dict[int, Result] = {}
    lock = threading.Lock()

    def run() -> Result:
        gen = insights.generation()
        with lock:
            if gen not in kept:
                kept.clear()
                kept[gen] = planning.run_scenario(example_scenario_path())
            return kept[gen]

    return run


def virtual_ward(care: CareService) -> Callable[[Sequence[str]], list[WardStay]]:
    """Who is on the care virtual ward in some neighbourhoods, read through the care service (for
    the visiting service's day plan: where, and what skill each visit needs; no names reach it).
    A neighbourhood the care service cannot list (unknown, or the lake it names people from is not
    built) adds no one."""

    def stays(neighbourhoods: Sequence[str]) -> list[WardStay]:
        out: list[WardStay] = []
        for nb in neighbourhoods:
            try:
                episodes = care.caseload(None, nb)
            except NhcError:
                continue
            out += [WardStay(e.id, e.neighbourhood, tuple(e.needs), e.points, e.status) for e in episodes]
        return out

    return stays


def secret_key(settings: Settings) -> str:
    """The key that signs the web app's sign-in flow state: ``settings.secret_key`` when set,
    else a random key made once and kept (mode 0600) in ``<data>/.secret_key`` so that sessions
    of the sign-in flow survive a restart; a throwaway key when the data folder is not writable."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / SECRET_KEY_FILE
    try:
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key
    except OSError:
        return secrets.token_urlsafe(48)
