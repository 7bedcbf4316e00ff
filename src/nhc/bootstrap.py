"""The composition root: every service built once, in one place, for the web app and the CLI.

:func:`build` turns :class:`~nhc.settings.Settings` into :class:`Services` — the operational
database (migrated to the newest schema), :class:`~nhc.security.service.SecurityService`,
:class:`~nhc.insights.service.InsightsService` over the lake, the care service over both, and the
one person-level access decision (:class:`~nhc.insights.access.PatientAccess`). The web app
(:func:`nhc.web.app.create_app`) and every ``nhc`` command take their services from here, so a
service is wired the same way wherever it is used and nothing is built lazily on first request.
A new area adds its service to :class:`Services` and builds it in :func:`build`.

Building is cheap: the constructors only remember where things are; the lake's insight tables
are read on first use (the web app warms them up in the background at start-up).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from nhc.access.services import AccessService
from nhc.care.directory import InsightsDirectory, PatientDirectory
from nhc.care.services import CareService
from nhc.db import Database
from nhc.engagement.services import EngagementService
from nhc.insights.access import PatientAccess
from nhc.insights.service import InsightsService
from nhc.lake.store import update_lake
from nhc.navigation.services import NavigationService
from nhc.navigation.services.social_prescribing import SocialPrescribing
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
    engagement: EngagementService

    def close(self) -> None:
        """Release the database connections (the services are not used afterwards)."""
        self.db.dispose()

    def export_care_records(self) -> pa.Table:
        """Care → lake: the team's records and the social prescribing referrals as one
        ``care_records`` table, written into the lake as one atomic change (and returned)."""
        table = pa.concat_tables([self.care.export_records(), self.social_prescribing.export_records()])
        update_lake(self.settings.lake_dir, {"care_records": table})
        return table


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
    return Services(
        settings=settings,
        db=security.db,
        security=security,
        insights=insights,
        care=CareService(security.db, security, directory),
        # The one person-level decision: role + relationship, on the resolved patient ids, audited.
        patient_access=patient_access,
        navigation=navigation,
        social_prescribing=SocialPrescribing(navigation, patient_access),
        access=AccessService(
            security.db, security=security, neighbourhood_of=patient_access.neighbourhood_of
        ),
        engagement=EngagementService(security.db, security=security),
    )


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
