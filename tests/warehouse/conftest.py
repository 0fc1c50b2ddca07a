"""The warehouse contract fixture: every test taking ``target`` runs on DuckDB and on Snowflake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fleetlake.warehouse.targets import Target


@pytest.fixture(params=["duckdb", pytest.param("snowflake", marks=pytest.mark.snowflake)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """An empty warehouse: a DuckDB file, or a fresh schema on the fakesnow server."""
    if request.param == "duckdb":
        from fleetlake.warehouse.targets.duckdb import DuckDBTarget

        opened: Target = DuckDBTarget(str(tmp_path / "warehouse.duckdb"))
    else:
        from fleetlake.warehouse.targets.snowflake import SnowflakeTarget

        opened = SnowflakeTarget(request.getfixturevalue("snowflake_connection"))
    try:
        yield opened
    finally:
        opened.close()
