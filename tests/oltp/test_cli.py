"""``fleetlake pg load`` / ``pg explain`` and ``fleetlake kpi`` from the command line."""

from __future__ import annotations

import json
import shutil

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.conninfo import conninfo_to_dict

from fleetlake.cli import main


def _run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.postgres
def test_pg_load_validates_then_loads(pg_db: str, tiny_lake) -> None:
    result = _run("pg", "load", "--dsn", pg_db, "--lake", str(tiny_lake))
    assert result.exit_code == 0, result.output
    assert "loaded 5,156 rows from" in result.output
    assert "fleetlake-test" not in result.output  # the password


@pytest.mark.postgres
def test_pg_load_reuses_a_saved_validation_result(
    pg_db: str, tiny_lake, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fleetlake.lake import open_lake, saved_validation, validate
    from fleetlake.lake.validate import ValidationReport, Violation

    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake, ignore=shutil.ignore_patterns(".cache"))
    assert _run("validate", "--lake", str(lake)).exit_code == 0

    def scan(opened):
        raise AssertionError(f"{opened.uri} validated again")

    for module in (validate, saved_validation):  # wherever the load would look it up
        monkeypatch.setattr(module, "validate_lake", scan)
    result = _run("pg", "load", "--dsn", pg_db, "--lake", str(lake))
    assert result.exit_code == 0, result.output
    assert "loaded 5,156 rows from" in result.output
    # the saved verdict is what decides: a failing one refuses the load, still without a scan
    failing = ValidationReport(str(lake), ["x"], [Violation("trips.a rule", 2, ("7",))])
    opened = open_lake(str(lake))
    saved_validation.save_validation(opened, failing, saved_validation.file_stats(opened))
    refused = _run("pg", "load", "--dsn", pg_db, "--lake", str(lake))
    assert refused.exit_code == 1 and refused.output.count("\n") == 1
    assert "fails validation (trips.a rule: 2 violation(s) — e.g. 7)" in refused.output


@pytest.mark.postgres
def test_dsn_from_libpq_environment(pg_db: str, tiny_lake) -> None:
    params = conninfo_to_dict(pg_db)
    env = {
        "PGHOST": params["host"],
        "PGPORT": params["port"],
        "PGUSER": params["user"],
        "PGPASSWORD": params["password"],
        "PGDATABASE": params["dbname"],
        "FLEETLAKE_POSTGRES_DSN": None,
    }
    result = _run("pg", "load", "--no-validate", "--lake", str(tiny_lake), env=env)
    assert result.exit_code == 0, result.output
    assert f"into postgres@{params['host']}:{params['port']}/{params['dbname']}" in result.output


@pytest.mark.postgres
def test_dsn_flag_beats_profile(pg_db: str, tiny_lake) -> None:
    env = {"FLEETLAKE_POSTGRES_DSN": "host=127.0.0.1 port=1 dbname=nowhere"}
    assert _run("pg", "load", "--no-validate", "--lake", str(tiny_lake), env=env).exit_code == 1
    flagged = _run("pg", "load", "--no-validate", "--dsn", pg_db, "--lake", str(tiny_lake), env=env)
    assert flagged.exit_code == 0, flagged.output


@pytest.mark.postgres
def test_bad_inputs_one_line_and_copy_untouched(pg_tiny: str, tiny_lake, tmp_path) -> None:
    with psycopg.connect(pg_tiny) as con:
        loaded_at = con.execute("SELECT loaded_at FROM fleetlake_load").fetchone()

    wrong = pg_tiny.replace("password=fleetlake-test", "password=wrong-secret")
    result = _run("pg", "load", "--dsn", wrong, "--lake", str(tiny_lake))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "password authentication failed" in result.output
    assert "wrong-secret" not in result.output

    missing = _run("pg", "load", "--dsn", pg_tiny, "--lake", str(tmp_path / "none"))
    assert missing.exit_code == 1
    assert missing.output.startswith("error: no lake at")

    broken = tmp_path / "broken"
    shutil.copytree(tiny_lake, broken, ignore=shutil.ignore_patterns(".cache"))
    victim = next((broken / "trips").rglob("*.parquet"))
    victim.write_bytes(victim.read_bytes()[:-20] + b"\0" * 20)
    refused = _run("pg", "load", "--dsn", pg_tiny, "--lake", str(broken))
    assert refused.exit_code == 1
    assert "fails validation" in refused.output and refused.output.count("\n") == 1

    with psycopg.connect(pg_tiny) as con:
        assert con.execute("SELECT loaded_at FROM fleetlake_load").fetchone() == loaded_at
        assert con.execute("SELECT count(*) FROM deliveries").fetchone() == (4000,)


@pytest.mark.postgres
def test_pg_explain_writes_the_report(pg_tiny: str, tmp_path) -> None:
    result = _run("pg", "explain", "--dsn", pg_tiny, "--repeat", "1", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "pg_explain.json").read_text())
    assert [k["name"] for k in report["kpis"]][0] == "q01_fleet_composition"
    assert len(report["kpis"]) == 12
    assert all(k["before_ms"] > 0 and k["after_ms"] > 0 for k in report["kpis"])
    verdicts = {i["name"]: i["verdict"] for i in report["indexes"]}
    assert set(verdicts.values()) <= {"helps", "used, no gain", "unused"}
    assert verdicts["idx_drivers_license_expiry"] == "unused"  # 4 drivers: a seq scan wins
    assert "| q01_fleet_composition |" in (tmp_path / "pg_explain.md").read_text()
    with psycopg.connect(pg_tiny) as con:  # the database is left as it was found
        left = con.execute(
            "SELECT count(*) FROM pg_indexes WHERE indexname = ANY(%s)", (list(verdicts),)
        ).fetchone()
    assert left == (0,)
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = _run("pg", "explain", "--dsn", pg_tiny, "--repeat", "1", "--out", str(blocker / "x"))
    assert result.exit_code == 1 and result.output.startswith("error: cannot write the report")
    assert "Traceback" not in result.output


@pytest.mark.postgres
def test_kpi_on_postgres_engine(pg_tiny: str) -> None:
    result = _run("kpi", "q03", "--engine", "postgres", "--dsn", pg_tiny, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output == ("status,trips,pct_of_trips\ncancelled,15,1.5\ncompleted,985,98.5\n")


def test_kpi_formats(tiny_lake) -> None:
    as_json = _run("kpi", "1", "3", "--lake", str(tiny_lake), "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.output)
    assert list(document) == ["q01_fleet_composition", "q03_trips_by_status"]
    assert document["q03_trips_by_status"][0] == {
        "status": "cancelled",
        "trips": 15,
        "pct_of_trips": 1.5,
    }
    as_csv = _run("kpi", "q03", "q01", "--lake", str(tiny_lake), "--format", "csv")
    assert as_csv.output.startswith("# q01_fleet_composition\nvehicle_type,status,vehicles")
    table = _run("kpi", "q3", "--lake", str(tiny_lake))
    assert "Q3 Trips by status" in table.output and "completed" in table.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["kpi", "q13"], 2, "error: unknown KPI 'q13'"),
        (["kpi", "--as-of", "2031-01-01"], 2, "error: as_of 2031-01-01 is outside the data"),
        (["kpi", "--as-of", "soon"], 2, "error: --as-of must be a date YYYY-MM-DD"),
    ],
)
def test_kpi_bad_input(tiny_lake, args, code, message) -> None:
    result = _run(*args, "--lake", str(tiny_lake))
    assert result.exit_code == code
    assert result.output.startswith(message) and result.output.count("\n") == 1


def test_kpi_missing_lake(tmp_path) -> None:
    result = _run("kpi", "--lake", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert result.output.startswith("error: no lake at")


@pytest.mark.postgres
def test_kpi_postgres_unreachable(tiny_lake) -> None:
    result = _run("kpi", "--engine", "postgres", "--dsn", "host=127.0.0.1 port=1 user=x")
    assert result.exit_code == 1
    assert result.output.startswith("error: PostgreSQL x@127.0.0.1:1/x: connect failed")
