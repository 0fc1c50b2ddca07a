"""``build_report`` and ``fleetlake report`` on a real generated lake, and their bad inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from fleetlake.cli import main
from fleetlake.kpi import run_kpis
from fleetlake.lake import open_lake
from tests.report.marks import chart_marks, series_values
from tests.report.sources import REPLAY, write_results

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def kpis(tiny_lake: Path) -> dict:
    return run_kpis(open_lake(str(tiny_lake)))


def _floats(table, column: str) -> list[float]:
    return [float(v) for v in table.column(column).to_pylist()]


def test_sections_say_what_is_missing(built: Path) -> None:
    html = built.read_text(encoding="utf-8")
    states = dict(re.findall(r'data-section="([a-z]+)" data-status="([a-z ]+)"', html))
    assert states == {
        "kpis": "ok",
        "quality": "ok",
        "postgres": "not configured",
        "warehouse": "not configured",
        "serverless": "not configured",
        "dataflow": "ok",
    }
    assert "No Postgres is configured" in html and "No warehouse at" in html
    assert "validate: all" in html and "checks passed" in html


def test_charts_show_exactly_the_kpi_results(built: Path, kpis: dict) -> None:
    html = built.read_text(encoding="utf-8")
    q3 = kpis["q03_trips_by_status"]
    assert series_values(html, "kpi-03", "trips") == dict(
        zip(q3.column("status").to_pylist(), _floats(q3, "trips"), strict=True)
    )
    q9 = kpis["q09_maintenance_cost_per_km"]
    assert series_values(html, "kpi-09", "cost_per_km") == dict(
        zip(q9.column("vehicle_type").to_pylist(), _floats(q9, "cost_per_km"), strict=True)
    )
    q7 = kpis["q07_route_fuel_efficiency"]
    assert list(series_values(html, "kpi-07", "liters_per_100km").values()) == _floats(
        q7, "liters_per_100km"
    )
    q11 = kpis["q11_monthly_trip_trend"]
    assert list(series_values(html, "kpi-11", "trips").values()) == _floats(q11, "trips")
    q12 = kpis["q12_delivery_heatmap"]
    cells = [v for _, _, v in chart_marks(html)["kpi-12"]]
    assert len(cells) == 7 * 24 and sum(cells) == sum(_floats(q12, "deliveries"))
    q8 = kpis["q08_late_deliveries_by_weekday"]
    assert list(series_values(html, "kpi-08", "late_pct")) == q8.column("weekday_name").to_pylist()


def test_row_counts_equal_the_manifest(built: Path, tiny_lake: Path) -> None:
    manifest = open_lake(str(tiny_lake)).manifest
    expected = {
        t: float(sum(p.rows for p in days.values())) for t, days in manifest.partitions.items()
    }
    assert series_values(built.read_text(encoding="utf-8"), "dq-rows", "rows") == expected
    assert expected["trips"] == 1000.0 and expected["deliveries"] == 4000.0


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["report", *args])
    return result.exit_code, result.stderr


def test_cli_writes_the_report_as_of_a_date(tiny_lake: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, _ = _run("--lake", str(tiny_lake), "--out", str(out), "--as-of", AS_OF)
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert f"as of {AS_OF}" in html
    assert not list(tmp_path.glob(".r.html.*"))  # no temporary file left behind


def test_cli_reads_saved_results_from_the_results_directory(
    tiny_lake: Path, tmp_path: Path
) -> None:
    write_results(tmp_path / "saved")
    out = tmp_path / "r.html"
    code, _ = _run(
        "--lake", str(tiny_lake), "--out", str(out), "--results", str(tmp_path / "saved")
    )
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert 'data-section="serverless" data-status="ok"' in html
    assert 'data-section="postgres" data-status="ok"' in html
    assert len(series_values(html, "sl-alerts", "alerts")) == len(REPLAY["alerts"])


@pytest.mark.parametrize(
    ("args", "message", "exit_code"),
    [
        (["--lake", "{tmp}/no-lake"], "no-lake", 1),
        (["--out", "{tmp}/missing-dir/r.html"], "is not a directory", 1),
        (["--out", "{tmp}"], "it is a directory", 1),
        (["--out", "/proc/fleetlake-report.html"], "cannot write the report", 1),
        (["--as-of", "2031-01-01"], "outside the data", 2),
    ],
)
def test_cli_bad_input_is_one_line_and_non_zero(
    tiny_lake: Path, tmp_path: Path, args: list[str], message: str, exit_code: int
) -> None:
    defaults = {"--lake": str(tiny_lake), "--out": str(tmp_path / "r.html")}
    given = [a.replace("{tmp}", str(tmp_path)) for a in args]
    for flag, value in defaults.items():
        if flag not in given:
            given += [flag, value]
    code, stderr = _run(*given)
    assert code == exit_code
    assert stderr.startswith("error: ") and message in stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr


def test_cli_open_hands_the_file_to_the_browser(
    tiny_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    out = tmp_path / "r.html"
    code, _ = _run("--lake", str(tiny_lake), "--out", str(out), "--open")
    assert code == 0 and opened == [out.resolve().as_uri()]


def test_a_report_after_validate_reuses_its_result_until_the_lake_changes(
    tiny_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from fleetlake.config import Config
    from fleetlake.lake import saved_validation as validation
    from fleetlake.lake import validate as lake_validate
    from fleetlake.pipeline import simulate_lake
    from fleetlake.report import build_report

    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake, ignore=shutil.ignore_patterns(".cache"))
    assert CliRunner().invoke(main, ["validate", "--lake", str(lake)]).exit_code == 0
    validated: list[str] = []
    real = validation.validate_lake
    for module in (validation, lake_validate):  # wherever the report would look it up
        monkeypatch.setattr(
            module,
            "validate_lake",
            lambda opened, stop=None: validated.append(opened.uri) or real(opened, stop),
        )
    config = Config(lake=str(lake), warehouse_path=str(tmp_path / "absent.duckdb"))
    build_report(config, tmp_path / "report.html", results_dir=tmp_path)
    assert validated == []  # `fleetlake validate` saved it: the report decodes no partition
    simulate_lake(str(lake), days=1)
    assert validation.validation_of(open_lake(str(lake))).ok
    assert validation.validation_of(open_lake(str(lake))).ok
    assert len(validated) == 1  # a new day: validated once, then reused


def test_a_report_whose_kpis_fail_stops_its_validation_at_once(
    tiny_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The KPI error is raised when it happens; the validation thread stops at its next table
    instead of checking the whole lake first (and saves nothing)."""
    import shutil
    import threading

    import fleetlake.kpi
    from fleetlake.config import Config
    from fleetlake.errors import DatabaseError
    from fleetlake.lake import saved_validation as validation
    from fleetlake.lake import validate as lake_validate
    from fleetlake.report import build_report

    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake, ignore=shutil.ignore_patterns(".cache"))
    given: list[threading.Event] = []
    tables_read: list[str] = []
    real_validation_of, real_read = validation.validation_of, lake_validate._read_checked

    def validation_of(opened, stop=None):
        given.append(stop)
        return real_validation_of(opened, stop)

    def read_checked(opened, spec, report, problems, check_stop):
        tables_read.append(spec.name)
        given[0].wait(timeout=10)  # the first table takes until the report gives up
        return real_read(opened, spec, report, problems, check_stop)

    def failing_kpis(*args, **kwargs):
        while not tables_read:
            threading.Event().wait(0.01)
        raise DatabaseError("q03 failed")

    monkeypatch.setattr(validation, "validation_of", validation_of)
    monkeypatch.setattr(lake_validate, "_read_checked", read_checked)
    monkeypatch.setattr(fleetlake.kpi, "run_kpis", failing_kpis)
    config = Config(lake=str(lake), warehouse_path=str(tmp_path / "absent.duckdb"))
    with pytest.raises(DatabaseError, match="q03 failed"):
        build_report(config, tmp_path / "report.html", results_dir=tmp_path)
    assert given[0].is_set()
    assert tables_read == ["vehicles"]  # stopped within the first table
    assert validation.saved_validation(open_lake(str(lake))) is None
