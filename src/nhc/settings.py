"""One settings object, read from the environment: the only reader of ``NHC_*`` variables.

``NHC_DATA``            the data folder (default ``./data``); the lake lives in ``<data>/lake``.
``NHC_DATABASE_URL``    the operational database (default a SQLite file in the data folder).
``NHC_ENGINE``          the analytics engine: ``duckdb`` (default) or ``spark`` (local mode).
``NHC_TRUSTED_PROXIES`` the reverse proxies whose ``X-Forwarded-For`` is believed: comma-separated
                        addresses or networks (``10.0.0.5, 10.1.0.0/16``); none by default, so the
                        client address is the direct peer's and a forged header changes nothing.
``NHC_SECRET_KEY``      the key that signs the web app's sign-in flow state (default: a random key
                        kept in ``<data>/.secret_key``, see :func:`nhc.bootstrap.secret_key`).
``NHC_SECURE_COOKIES``  ``1``: cookies are marked ``Secure`` even on plain HTTP (behind a TLS proxy).
``NHC_SPARK_CORES``     cores of the Spark session (default 2; on a cluster, the most it takes).
``NHC_SPARK_MEMORY``    driver memory of the Spark session, and on a cluster each executor's (``4g``).
``NHC_SPARK_MASTER``    where Spark runs: ``local[<cores>]`` (default) or a cluster, e.g.
                        ``spark://host:7077`` (standalone), ``yarn``, ``k8s://https://host:443``.
``NHC_DUCKDB_MEMORY``   DuckDB's memory limit: a share of the machine's memory (default ``75%``) or a
                        size (``16GB``, ``512MiB``); past it DuckDB spills to the temp folder.
``NHC_DUCKDB_TEMP``     the folder DuckDB spills to (default ``duckdb-temp`` beside the lake).
``NHC_FHIR_TRACE``      any non-empty value: FHIR ingest prints per-statement timings on stderr.

Code elsewhere takes a :class:`Settings` (or values from it); nothing else reads ``os.environ``
for these names. :meth:`Settings.as_env` writes them back for the one case that needs the
environment: uvicorn worker processes, which build the app on their own.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from nhc.errors import NhcError

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Spark's memory sizes: a whole number with an optional unit (k, m, g, t), e.g. 512m or 4g.
_MEMORY = re.compile(r"^[1-9][0-9]*[kmgt]?$")
# Spark master URLs NHC knows: local mode, a standalone cluster, YARN, Kubernetes.
_SPARK_MASTER = re.compile(r"^(local(\[([1-9][0-9]*|\*)\])?|spark://[^\s/]+|yarn|k8s://\S+)$")
# DuckDB memory limits: a percentage of the machine's memory, or a size in DuckDB's units.
_DUCKDB_MEMORY = re.compile(r"^([1-9][0-9]?|100)%$|^[0-9]+(\.[0-9]+)?\s*([kmgt]i?b|b)$", re.IGNORECASE)


def parse_networks(value: str | tuple[str, ...] | list[str]) -> tuple[IPNetwork, ...]:
    """Addresses or networks (``"10.0.0.5, 10.1.0.0/16"``, or a sequence of them) as networks; a
    bare address is a one-address network. Raises :class:`~nhc.errors.NhcError` for a bad entry."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    networks = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise NhcError(
                f"{part!r} is not an IP address or network",
                hint="set NHC_TRUSTED_PROXIES to comma-separated addresses or networks, e.g. 10.0.0.5,10.1.0.0/16",
            ) from None
    return tuple(networks)


def _cores(value: str) -> int:
    try:
        cores = int(value.strip())
    except ValueError:
        cores = 0
    if cores < 1:
        raise NhcError(f"NHC_SPARK_CORES must be a whole number of cores, not {value!r}", hint="e.g. 4")
    return cores


@dataclass(frozen=True)
class Settings:
    """Where things live, which engine runs the analytics and how the web app protects itself."""

    data_dir: Path = field(default_factory=lambda: Path("data"))
    database_url: str | None = None
    engine: Engine = "duckdb"
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks; none by default).
    trusted_proxies: tuple[str, ...] = ()
    # None: a random key kept in the data folder. Never shown in a repr (it ends up in logs).
    secret_key: str | None = field(default=None, repr=False)
    secure_cookies: bool = False
    spark_cores: int = 2
    spark_memory: str = "4g"
    # None: local mode on spark_cores cores (see spark_master_url).
    spark_master: str | None = None
    duckdb_memory: str = "75%"
    # None: a duckdb-temp folder beside the lake the engine reads.
    duckdb_temp: Path | None = None
    fhir_trace: bool = False

    def __post_init__(self) -> None:
        # Validated and written canonically (``10.0.0.5/32``) here, so a bad value fails at start-up.
        canonical = tuple(str(n) for n in parse_networks(self.trusted_proxies))
        object.__setattr__(self, "trusted_proxies", canonical)
        if self.engine not in ENGINES:
            raise NhcError(
                f"unknown analytics engine {self.engine!r}",
                hint=f"set NHC_ENGINE to one of: {', '.join(ENGINES)}",
            )
        if not isinstance(self.spark_cores, int) or self.spark_cores < 1:
            raise NhcError(f"Spark needs at least one core, not {self.spark_cores!r}", hint="e.g. 4")
        if not _MEMORY.match(self.spark_memory):
            raise NhcError(
                f"NHC_SPARK_MEMORY must be a size like 4g or 512m, not {self.spark_memory!r}",
                hint="a whole number with k, m, g or t",
            )
        if self.spark_master is not None and not _SPARK_MASTER.match(self.spark_master):
            raise NhcError(
                f"NHC_SPARK_MASTER must be a Spark master URL, not {self.spark_master!r}",
                hint="local[4], spark://host:7077, yarn or k8s://https://host:443",
            )
        if not _DUCKDB_MEMORY.match(self.duckdb_memory):
            raise NhcError(
                f"NHC_DUCKDB_MEMORY must be a share like 75% or a size like 16GB, not {self.duckdb_memory!r}",
                hint="a percentage of the machine's memory, or a number with KB, MB, GB, KiB, MiB or GiB",
            )

    @property
    def spark_master_url(self) -> str:
        """The Spark master to connect to: :attr:`spark_master`, else local mode on the cores."""
        return self.spark_master or f"local[{self.spark_cores}]"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @functools.cached_property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        """:attr:`trusted_proxies` as networks (parsed once)."""
        return parse_networks(self.trusted_proxies)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'nhc.sqlite3').resolve()}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment (or ``environ``) gives; unset or empty means the default."""
        env = os.environ if environ is None else environ
        return cls(
            data_dir=Path(env.get("NHC_DATA") or "data"),
            database_url=env.get("NHC_DATABASE_URL") or None,
            engine=(env.get("NHC_ENGINE") or "duckdb").strip().lower(),  # type: ignore[arg-type]
            trusted_proxies=tuple((env.get("NHC_TRUSTED_PROXIES") or "").split(",")),
            secret_key=env.get("NHC_SECRET_KEY") or None,
            secure_cookies=env.get("NHC_SECURE_COOKIES") == "1",
            spark_cores=_cores(env.get("NHC_SPARK_CORES") or "2"),
            spark_memory=(env.get("NHC_SPARK_MEMORY") or "4g").strip().lower(),
            spark_master=(env.get("NHC_SPARK_MASTER") or "").strip() or None,
            duckdb_memory=(env.get("NHC_DUCKDB_MEMORY") or "75%").strip(),
            duckdb_temp=Path(env["NHC_DUCKDB_TEMP"]) if env.get("NHC_DUCKDB_TEMP") else None,
            fhir_trace=bool(env.get("NHC_FHIR_TRACE")),
        )

    def as_env(self) -> dict[str, str]:
        """These settings as the ``NHC_*`` variables :meth:`from_env` reads back to equal settings
        (for processes that start on their own, such as uvicorn's workers). An unset optional
        value is an empty string, which :meth:`from_env` reads as the default."""
        return {
            "NHC_DATA": str(self.data_dir),
            "NHC_DATABASE_URL": self.database_url or "",
            "NHC_ENGINE": self.engine,
            "NHC_TRUSTED_PROXIES": ",".join(self.trusted_proxies),
            "NHC_SECRET_KEY": self.secret_key or "",
            "NHC_SECURE_COOKIES": "1" if self.secure_cookies else "",
            "NHC_SPARK_CORES": str(self.spark_cores),
            "NHC_SPARK_MEMORY": self.spark_memory,
            "NHC_SPARK_MASTER": self.spark_master or "",
            "NHC_DUCKDB_MEMORY": self.duckdb_memory,
            "NHC_DUCKDB_TEMP": str(self.duckdb_temp) if self.duckdb_temp else "",
            "NHC_FHIR_TRACE": "1" if self.fhir_trace else "",
        }
