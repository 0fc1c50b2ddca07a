"""Shared fixtures. Infrastructure fixtures live in tests/fixtures/ (one module per service)."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures.lakes",
    "tests.fixtures.moto",
    "tests.fixtures.postgres",
    "tests.fixtures.snowflake",
]


def pytest_sessionfinish(session, exitstatus):
    """A run that collected no test is a failure, never a silent pass (pytest's exit code 5)."""
    if exitstatus == 5:
        session.exitstatus = 1
