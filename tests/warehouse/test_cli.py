"""``fleetlake warehouse load|status``: output, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fleetlake.cli import main
from fleetlake.warehouse.targets.duckdb import DuckDBTarget


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def test_load_then_status_then_up_to_date(warehouse_lake: Path, tmp_path: Path) -> None:
    path = str(tmp_path / "wh.duckdb")
    common = ("--warehouse-path", path)
    loaded = run("warehouse", "load", "--lake", str(warehouse_lake), *common, "--json")
    assert loaded.exit_code == 0, loaded.output
    summary = json.loads(loaded.output)
    assert summary["run_id"] == 1 and summary["rows_rejected"] == 0
    again = run("warehouse", "load", "--lake", str(warehouse_lake), *common, "--no-validate")
    assert again.exit_code == 0 and "up to date" in again.output
    status = run("warehouse", "status", *common, "--json")
    info = json.loads(status.output)
    assert info["rows"]["fact_deliveries"] == summary["rows_inserted"] - sum(
        info["rows"][t] - 1 for t in ("dim_vehicle", "dim_driver", "dim_route", "dim_customer")
    )
    text = run("warehouse", "status", *common)
    assert "watermark" in text.output and "run    1 succeeded" in text.output


def test_corrupted_watermark_is_one_line_and_nonzero(warehouse_lake: Path, tmp_path: Path) -> None:
    path = str(tmp_path / "wh.duckdb")
    assert (
        run(
            "warehouse",
            "load",
            "--lake",
            str(warehouse_lake),
            "--warehouse-path",
            path,
            "--no-validate",
        ).exit_code
        == 0
    )
    target = DuckDBTarget(path)
    target.execute("INSERT INTO etl_watermark VALUES ('trips', DATE '2024-01-02', 'x', 1, 9)")
    target.close()
    result = run("warehouse", "load", "--lake", str(warehouse_lake), "--warehouse-path", path)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "watermark is corrupted" in result.output


@pytest.mark.parametrize(
    ("env", "code", "message"),
    [
        ({"SNOWFLAKE_ACCOUNT": ""}, 2, "set 'snowflake_connection'"),
        (
            {
                "SNOWFLAKE_ACCOUNT": "acme",
                "SNOWFLAKE_USER": "u",
                "SNOWFLAKE_PASSWORD": "p",
                "SNOWFLAKE_HOST": "127.0.0.1",
                "SNOWFLAKE_PORT": "9",
                "SNOWFLAKE_PROTOCOL": "http",
                "SNOWFLAKE_LOGIN_TIMEOUT": "3",
            },
            1,
            "cannot connect to Snowflake",
        ),
    ],
)
def test_snowflake_not_configured_or_unreachable(
    warehouse_lake: Path, env: dict[str, str], code: int, message: str
) -> None:
    result = run(
        "warehouse",
        "load",
        "--target",
        "snowflake",
        "--lake",
        str(warehouse_lake),
        "--no-validate",
        env=env,
    )
    assert result.exit_code == code
    assert message in result.output and result.output.count("\n") == 1


def test_validate_refuses_a_lake_that_fails_validation(lake_copy: Path, tmp_path: Path) -> None:
    path = str(tmp_path / "wh.duckdb")
    damaged = sorted((lake_copy / "trips").glob("date=*/*.parquet"))[0]
    damaged.write_bytes(b"not parquet")
    result = run("warehouse", "load", "--lake", str(lake_copy), "--warehouse-path", path,
                 "--validate")  # fmt: skip
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "fails validation" in result.output
    assert not Path(path).exists()


def test_validate_uses_a_saved_verdict_for_the_same_content(
    lake_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fleetlake.lake import open_lake, saved_validation, validate
    from fleetlake.lake.validate import ValidationReport, Violation

    failing = ValidationReport(str(lake_copy), ["x"], [Violation("trips.a rule", 1)])
    opened = open_lake(str(lake_copy))
    saved_validation.save_validation(opened, failing, saved_validation.file_stats(opened))
    for module in (validate, saved_validation):
        monkeypatch.setattr(
            module, "validate_lake", lambda opened, stop=None: pytest.fail("validated")
        )
    path = str(tmp_path / "wh.duckdb")
    result = run("warehouse", "load", "--lake", str(lake_copy), "--warehouse-path", path,
                 "--validate")  # fmt: skip
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "fails validation (trips.a rule: 1 violation(s))" in result.output
    assert not Path(path).exists()


def test_a_non_numeric_snowflake_port_is_one_line(monkeypatch):
    from fleetlake.config import Config
    from fleetlake.errors import ConfigError
    from fleetlake.warehouse.targets.snowflake import connection_parameters

    monkeypatch.setenv("SNOWFLAKE_ACCOUNT", "acme")
    monkeypatch.setenv("SNOWFLAKE_PORT", "abc")
    with pytest.raises(ConfigError, match="SNOWFLAKE_PORT must be an integer, got 'abc'"):
        connection_parameters(Config())
    monkeypatch.setenv("SNOWFLAKE_PORT", "443")
    assert connection_parameters(Config())["port"] == 443


def test_unlock_on_duckdb_has_nothing_to_release_and_never_breaks_a_running_load(
    warehouse_lake: Path, tmp_path: Path
) -> None:
    path = str(tmp_path / "wh.duckdb")
    assert (
        run("warehouse", "load", "--lake", str(warehouse_lake), "--warehouse-path", path).exit_code
        == 0
    )
    free = run("warehouse", "unlock", "--warehouse-path", path)
    assert (free.exit_code, free.output) == (0, "warehouse (duckdb): no load holds the lock\n")
    holder = DuckDBTarget(path)
    try:
        with holder.lock():
            busy = run("warehouse", "unlock", "--warehouse-path", path)
    finally:
        holder.close()
    assert busy.exit_code == 1 and "another warehouse load is running" in busy.output
