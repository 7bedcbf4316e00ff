"""``nhc social-prescribing clock`` from cron: declines what is overdue (once), says what with
``--json``, and declines nothing on a second run. Run through a real subprocess."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from nhc import bootstrap
from nhc.navigation import referral_repository as repo
from nhc.navigation.domain.referral import Referral, Source
from nhc.navigation.services import uk_now
from nhc.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def nhc(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nhc.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_clock_declines_overdue_referrals_once_and_prints_them(tmp_path):
    services = bootstrap.build(Settings(data_dir=tmp_path))
    now = uk_now()
    with services.db.unit_of_work() as s:
        old = repo.add(
            s, Referral(7, "svc-1", "Lunch club", Source.CLINICIAN, "gp", now - dt.timedelta(days=15))
        )
        repo.add(s, Referral(8, "svc-1", "Lunch club", Source.SELF, "gp", now - dt.timedelta(days=13)))
    services.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NHC_DATA": str(tmp_path), "COLUMNS": "200"}
    env.pop("NHC_DATABASE_URL", None)

    first = nhc(env, "social-prescribing", "clock", "--json")
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert [(d["referral_id"], d["service_name"], d["referred_by"]) for d in out["declined"]] == [
        (old.id, "Lunch club", "gp")
    ]
    assert "patient_id" not in out["declined"][0]  # a cron log holds no one's identity

    second = nhc(env, "social-prescribing", "clock", "--json")
    assert json.loads(second.stdout)["declined"] == []
    plain = nhc(env, "social-prescribing", "clock")
    assert plain.returncode == 0 and "0 referral(s) declined" in plain.stdout
