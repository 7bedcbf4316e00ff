"""Settings: the only reader of ``NHC_*``; every value checked at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from nhc.errors import NhcError
from nhc.settings import Settings


def test_defaults_when_nothing_is_set() -> None:
    s = Settings.from_env({})
    assert s.data_dir == Path("data") and s.database_url is None and s.engine == "duckdb"
    assert s.secret_key is None and s.secure_cookies is False and s.fhir_trace is False
    assert (s.spark_cores, s.spark_memory) == (2, "4g")


def test_every_variable_is_read() -> None:
    s = Settings.from_env(
        {
            "NHC_DATA": "/srv/nhc",
            "NHC_DATABASE_URL": "postgresql://db/nhc",
            "NHC_ENGINE": " Spark ",
            "NHC_TRUSTED_PROXIES": "10.0.0.5",
            "NHC_SECRET_KEY": "k" * 40,
            "NHC_SECURE_COOKIES": "1",
            "NHC_SPARK_CORES": "8",
            "NHC_SPARK_MEMORY": "16G",
            "NHC_FHIR_TRACE": "1",
        }
    )
    assert s.data_dir == Path("/srv/nhc") and s.database_url == "postgresql://db/nhc" and s.engine == "spark"
    assert s.trusted_proxies == ("10.0.0.5/32",)
    assert s.secret_key == "k" * 40 and s.secure_cookies is True and s.fhir_trace is True
    assert (s.spark_cores, s.spark_memory) == (8, "16g")


def test_secure_cookies_only_for_one() -> None:
    assert Settings.from_env({"NHC_SECURE_COOKIES": "yes"}).secure_cookies is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NHC_SPARK_CORES": "lots"}, "NHC_SPARK_CORES must be a whole number of cores, not 'lots'"),
        ({"NHC_SPARK_CORES": "0"}, "NHC_SPARK_CORES must be a whole number of cores, not '0'"),
        ({"NHC_SPARK_MEMORY": "plenty"}, "NHC_SPARK_MEMORY must be a size like 4g or 512m, not 'plenty'"),
        ({"NHC_ENGINE": "excel"}, "unknown analytics engine 'excel'"),
    ],
)
def test_a_bad_value_fails_at_start_up(env, message) -> None:
    with pytest.raises(NhcError, match=message):
        Settings.from_env(env)


def test_the_secret_key_is_never_shown() -> None:
    s = Settings(secret_key="do-not-print-me")
    assert "do-not-print-me" not in repr(s)


def test_the_environment_written_back_reads_as_the_same_settings() -> None:
    s = Settings(
        data_dir=Path("/srv/nhc"),
        database_url="sqlite:////tmp/x.sqlite3",
        trusted_proxies=("10.1.0.0/16",),
        secret_key="s" * 32,
        secure_cookies=True,
        spark_cores=3,
        spark_memory="512m",
    )
    assert Settings.from_env(s.as_env()) == s
    assert Settings.from_env(Settings().as_env()) == Settings()
