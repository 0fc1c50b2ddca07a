"""Fixtures of the report tests: the report of the tiny lake, built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetlake.config import Config
from fleetlake.report import build_report

PG_VARIABLES = ("PGHOST", "PGDATABASE")  # either one means "Postgres configured"


@pytest.fixture(autouse=True)
def no_postgres_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Report tests decide themselves whether Postgres is configured."""
    for name in PG_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def built(tiny_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the tiny lake, built where no Postgres, warehouse or replay results exist."""
    work = tmp_path_factory.mktemp("report")
    config = Config(lake=str(tiny_lake), warehouse_path=str(work / "warehouse.duckdb"))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        for name in PG_VARIABLES:
            mp.delenv(name, raising=False)
        return build_report(config, work / "report.html")
