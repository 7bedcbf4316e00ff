"""One settings object, read from the environment.

``NHC_DATA``          the data folder (default ``./data``); the lake lives in ``<data>/lake``.
``NHC_DATABASE_URL``  the operational database (default a SQLite file in the data folder).
``NHC_ENGINE``        the analytics engine: ``duckdb`` (default) or ``spark`` (local mode).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from nhc.errors import NhcError

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")


@dataclass(frozen=True)
class Settings:
    """Where things live and which engine runs the analytics."""

    data_dir: Path = field(default_factory=lambda: Path("data"))
    database_url: str | None = None
    engine: Engine = "duckdb"

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise NhcError(
                f"unknown analytics engine {self.engine!r}",
                hint=f"set NHC_ENGINE to one of: {', '.join(ENGINES)}",
            )

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

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
        )
