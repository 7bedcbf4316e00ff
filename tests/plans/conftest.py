"""Fixtures of the plans tests: cheap password hashing, and the 3,000-person county with the
analytics run on it (the web tests' ``county`` fixture, built once per session)."""

from __future__ import annotations

import pytest

from tests.web.conftest import county  # noqa: F401  (a fixture shared with the web tests)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    from nhc.security import passwords

    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords.configure()
