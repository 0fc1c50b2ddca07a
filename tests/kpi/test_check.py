"""DuckDB over the lake against the PostgreSQL copy: identical results, or the differing rows."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import psycopg
import pyarrow as pa
import pytest
from click.testing import CliRunner

from fleetlake.cli import main
from fleetlake.kpi import KPIS, run_kpis
from fleetlake.kpi.check import check_kpis, compare
from fleetlake.lake import open_lake
from fleetlake.oltp.load import load_lake
from fleetlake.pipeline import simulate_lake


def test_compare_normalises_types_and_order() -> None:
    duck = pa.table({"d": [date(2024, 1, 1), date(2024, 2, 1)], "x": [1.004, 2.0], "n": [1, 2]})
    post = pa.table(
        {
            "d": [date(2024, 2, 1), date(2024, 1, 1)],
            "x": [Decimal("2"), Decimal("1.00")],
            "n": [Decimal(2), Decimal(1)],
        }
    )
    assert compare(duck, post) == []


def test_compare_reports_differing_rows() -> None:
    duck = pa.table({"city": ["Cali", "Bogotá"], "trips": [3, 4]})
    post = pa.table({"city": ["Cali", "Bogotá"], "trips": [3, 5]})
    assert compare(duck, post) == ["  duckdb:   ('Bogotá', 4.0)", "  postgres: ('Bogotá', 5.0)"]
    shorter = pa.table({"city": ["Cali"], "trips": [3]})
    assert "row counts differ: duckdb 2 vs postgres 1" in compare(duck, shorter)
    assert compare(duck, pa.table({"town": ["Cali"], "trips": [3]}))[0].startswith("columns differ")


@pytest.mark.postgres
def test_both_engines_agree_on_every_kpi(pg_tiny: str, tiny_lake) -> None:
    result = check_kpis(str(tiny_lake), pg_tiny)
    assert result.differences == {name: [] for name in KPIS}
    assert all(rows > 0 for rows in result.rows.values()), result.rows


@pytest.mark.postgres
def test_postgres_engine_alone_uses_the_loaded_date_range(pg_tiny: str, tiny_lake) -> None:
    alone = run_kpis(None, engine="postgres", dsn=pg_tiny, names=["q11"])
    with_lake = run_kpis(str(tiny_lake), engine="postgres", dsn=pg_tiny, names=["q11"])
    assert alone == with_lake
    assert alone["q11_monthly_trip_trend"].num_rows == 24


@pytest.mark.postgres
def test_kpi_check_cli_passes_then_fails_on_a_changed_copy(pg_db: str, tiny_lake) -> None:
    load_lake(open_lake(str(tiny_lake)), pg_db)
    runner = CliRunner()
    ok = runner.invoke(main, ["kpi", "check", "--dsn", pg_db, "--lake", str(tiny_lake)])
    assert ok.exit_code == 0, ok.output
    assert "all 12 KPIs identical on DuckDB and PostgreSQL" in ok.output

    with psycopg.connect(pg_db) as con:
        con.execute("UPDATE trips SET status = 'cancelled' WHERE trip_id = 1")
    bad = runner.invoke(main, ["kpi", "check", "--dsn", pg_db, "--lake", str(tiny_lake)])
    assert bad.exit_code == 1
    assert "q03_trips_by_status                     2 rows  DIFFERENT" in bad.output
    assert "    duckdb:   ('cancelled', 15.0, 1.5)" in bad.output
    assert "    postgres: ('cancelled', 16.0, 1.6)" in bad.output
    assert "q01_fleet_composition                   2 rows  ok" in bad.output


@pytest.mark.postgres
def test_check_refuses_a_copy_of_other_data(pg_tiny: str, tiny_lake, tmp_path) -> None:
    grown = tmp_path / "lake"
    shutil.copytree(tiny_lake, grown, ignore=shutil.ignore_patterns(".cache"))
    simulate_lake(str(grown), days=1, workers=1)
    result = CliRunner().invoke(main, ["kpi", "check", "--dsn", pg_tiny, "--lake", str(grown)])
    assert result.exit_code == 1
    assert result.output == (
        "error: the PostgreSQL copy holds seed 42, sf 0.01, 2024-01-01..2025-12-31 but the lake "
        f"{grown} holds seed 42, sf 0.01, 2024-01-01..2026-01-01; "
        "run `fleetlake pg load` to refresh it\n"
    )


@pytest.mark.postgres
def test_check_only_at_the_last_date(pg_tiny: str, tiny_lake) -> None:
    from fleetlake.errors import ConfigError

    with pytest.raises(ConfigError, match=r"compares at the last date in the data \(2025-12-30\)"):
        check_kpis(str(tiny_lake), pg_tiny, as_of="2025-06-30")
    assert check_kpis(str(tiny_lake), pg_tiny, as_of="2025-12-30", names=["q01"]).ok
