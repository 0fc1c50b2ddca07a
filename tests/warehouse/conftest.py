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


@pytest.fixture(scope="session")
def warehouse_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated lake (sf=0.01, 40 days from 2024-01-01); copy it before changing it."""
    from datetime import date

    from fleetlake.pipeline import generate_lake

    path = tmp_path_factory.mktemp("warehouse_lake") / "lake"
    generate_lake(str(path), sf=0.01, seed=42, start=date(2024, 1, 1), days=40, workers=1)
    return path


@pytest.fixture
def lake_copy(warehouse_lake: Path, tmp_path: Path) -> Path:
    """A private copy of ``warehouse_lake`` that a test may simulate onto or damage."""
    import shutil

    return Path(shutil.copytree(warehouse_lake, tmp_path / "lake"))
