"""``nhc demo --no-serve``: the county, the analytics, a team with people admitted and a login per role."""

from __future__ import annotations

import sqlalchemy as sa

from nhc.bootstrap import build
from nhc.care.models import Episode
from nhc.cli import main
from nhc.security.models import User
from nhc.settings import Settings


def test_the_demo_leaves_a_team_with_people_on_its_virtual_ward_and_a_user_per_role(tmp_path, capsys) -> None:
    try:
        main(["demo", "--patients", "2500", "--no-serve", "--data", str(tmp_path)])
    except SystemExit as exit_:
        assert exit_.code in (0, None), capsys.readouterr().err
    services = build(Settings(data_dir=tmp_path))
    with services.db.unit_of_work() as s:
        admitted = s.scalars(sa.select(Episode).where(Episode.neighbourhood == "Headington")).all()
        roles = set(s.scalars(sa.select(User.role)))
    services.close()
    assert len(admitted) >= 1, capsys.readouterr().out[-2000:]
    assert {"analyst", "clinician", "team_member", "admin"} <= roles
