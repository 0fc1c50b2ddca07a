"""Shared fixtures. Infrastructure fixtures live in tests/fixtures/ (one module per service)."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures.lakes",
    "tests.fixtures.moto",
    "tests.fixtures.postgres",
    "tests.fixtures.snowflake",
]
