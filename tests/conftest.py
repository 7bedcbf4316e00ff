"""Shared fixtures.

``engine`` runs a test once per analytics engine (DuckDB and Spark local mode) — the spec-test
pattern: a tiny input table, a call, an expected table, the same answer on every engine. The Spark
session is started once per test process because its start-up takes seconds.
"""

from __future__ import annotations

import shutil

import pytest

from nhc.lake.engine import DuckDBEngine, Engine, SparkEngine


def _java_available() -> bool:
    return shutil.which("java") is not None


@pytest.fixture(scope="session")
def duckdb_engine() -> Engine:
    return DuckDBEngine.open()


@pytest.fixture(scope="session")
def spark_engine() -> Engine:
    if not _java_available():
        pytest.fail("Spark tests need Java: run `make test`, which installs it")
    return SparkEngine.open()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each engine in turn; use ``engine.from_arrow`` to load inputs and ``engine.to_arrow`` to run."""
    return request.getfixturevalue(f"{request.param}_engine")


# --- PostgreSQL for the web/security/db tests (appended by the web & security work) -------------
import glob  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

from nhc.security import passwords  # noqa: E402
from tests.browser_support import free_port  # noqa: E402


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL server for this test session: ``postgresql+psycopg://...`` to a server
    database; stopped and deleted at the end. As root it runs as the ``postgres`` system user."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.fail("PostgreSQL tests need the postgresql package: run `make test`, which installs it")
    root = Path(tempfile.mkdtemp(prefix="nhc-pg-"))
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        import pwd

        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
    data, log = root / "data", root / "server.log"
    port = free_port()
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        check=True,
        capture_output=True,
    )
    opts = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=100"
    )
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts, "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
        subprocess.run(["rm", "-rf", str(root)], capture_output=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty operational database URL: a SQLite file, then a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nhc.sqlite3'}"
    server = request.getfixturevalue("postgres_url")
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.rsplit("/", 1)[0] + "/" + name


# --- One headless Chromium per test process, shared by every browser test ------------------------
# Playwright's sync API cannot be started twice in one process at the same time, so the web and
# care browser tests share this session-wide browser.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (the system's /usr/bin/chromium) driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.fail("browser tests need Chromium at /usr/bin/chromium: run `make test`, which installs it")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()
    pw.stop()


@pytest.fixture(scope="module")
def cheap_password_hashing():
    """Cheap Argon2 parameters for a module whose tests are not about password strength (and the
    defaults again after it). A folder's conftest makes it automatic with a one-line autouse fixture."""
    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords.configure()
