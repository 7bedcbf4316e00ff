"""One settings object, read from the environment.

``NHC_DATA``          the data folder (default ``./data``); the lake lives in ``<data>/lake``.
``NHC_DATABASE_URL``  the operational database (default a SQLite file in the data folder).
``NHC_ENGINE``        the analytics engine: ``duckdb`` (default) or ``spark`` (local mode).
``NHC_TRUSTED_PROXIES`` the reverse proxies whose ``X-Forwarded-For`` is believed: comma-separated
                      addresses or networks (``10.0.0.5, 10.1.0.0/16``); none by default, so the
                      client address is the direct peer's and a forged header changes nothing.
"""

from __future__ import annotations

import functools
import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from nhc.errors import NhcError

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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


@dataclass(frozen=True)
class Settings:
    """Where things live and which engine runs the analytics."""

    data_dir: Path = field(default_factory=lambda: Path("data"))
    database_url: str | None = None
    engine: Engine = "duckdb"
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks; none by default).
    trusted_proxies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Validated and written canonically (``10.0.0.5/32``) here, so a bad value fails at start-up.
        canonical = tuple(str(n) for n in parse_networks(self.trusted_proxies))
        object.__setattr__(self, "trusted_proxies", canonical)
        if self.engine not in ENGINES:
            raise NhcError(
                f"unknown analytics engine {self.engine!r}",
                hint=f"set NHC_ENGINE to one of: {', '.join(ENGINES)}",
            )

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
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            data_dir=Path(env.get("NHC_DATA") or "data"),
            database_url=env.get("NHC_DATABASE_URL") or None,
            engine=(env.get("NHC_ENGINE") or "duckdb").strip().lower(),  # type: ignore[arg-type]
            trusted_proxies=tuple((env.get("NHC_TRUSTED_PROXIES") or "").split(",")),
        )
