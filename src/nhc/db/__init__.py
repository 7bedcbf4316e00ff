"""The operational database: one SQLAlchemy 2 declarative ``Base`` for every area, an engine from
``settings.db_url`` (SQLite by default, PostgreSQL via ``NHC_DATABASE_URL``), a unit of work, and the
schema migrations (Alembic, shipped inside the package so ``nhc db upgrade`` works for users).

Areas add their models to :class:`Base` in their own modules and a migration under
``nhc/db/migrations/versions``; :data:`MODEL_MODULES` lists the modules Alembic imports so that
``Base.metadata`` is complete for autogenerate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from nhc.errors import NhcError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Modules whose models live on Base (imported by the migrations' env.py). Areas append theirs.
MODEL_MODULES: list[str] = [
    "nhc.security.models",
    "nhc.security.oauth.models",
    "nhc.care.models",
    "nhc.navigation.models",
    "nhc.navigation.referral_models",
    "nhc.access.models",
    "nhc.plans.models",
    "nhc.engagement.models",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The one declarative base of the operational database."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """Now in UTC as a naive datetime (how every timestamp is stored, on SQLite and PostgreSQL)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout for concurrent use."""
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1] if "///" in url else ""
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if db_path and db_path != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)
    except ModuleNotFoundError as exc:
        raise NhcError(
            f"no database driver for {url.split(':', 1)[0]}: {exc}",
            hint="pip install 'psycopg[binary]' for PostgreSQL",
        ) from None


class Database:
    """An engine plus a session factory, with a unit of work (one transaction)."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self, revision: str = "head") -> None:
        upgrade(self.url, revision, engine=self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head", *, engine: Engine | None = None) -> None:
    """Bring the database at ``url`` up to ``revision`` (idempotent)."""
    from alembic import command

    cfg = alembic_config(url)
    eng = engine or make_engine(url)
    try:
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except Exception as exc:
        if isinstance(exc, NhcError):
            raise
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            raise NhcError(
                f"cannot reach the operational database: {exc.orig}", hint="check NHC_DATABASE_URL"
            ) from None
        raise
    finally:
        if engine is None:
            eng.dispose()


def head_revision() -> str | None:
    """The newest revision shipped with the package."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str, *, engine: Engine | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    eng = engine or make_engine(url)
    try:
        with eng.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        if engine is None:
            eng.dispose()
