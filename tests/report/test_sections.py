"""Each non-KPI section: exact numbers from its source, or a clear "not configured" state."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from fleetlake.config import Config
from fleetlake.lake.validate import ValidationReport, Violation
from fleetlake.report.dataflow import dataflow_section, postgres_detail
from fleetlake.report.page import NOT_AVAILABLE, NOT_CONFIGURED, OK, render_html
from fleetlake.report.postgres import postgres_section
from fleetlake.report.quality import quality_section
from fleetlake.report.serverless import serverless_section
from fleetlake.report.warehouse import month_range, warehouse_section
from tests.report.marks import chart_marks, series_values
from tests.report.sources import (
    MISSING_TRIPS_DAY,
    REPLAY,
    fake_lake,
    make_warehouse,
    write_results,
)


def _html(section) -> str:
    return render_html("t", [], [section])


def _html_figure(figure) -> str:
    return figure.chart


def test_quality_counts_rows_per_table_and_finds_the_missing_partition() -> None:
    section = quality_section(fake_lake(), ValidationReport("/data/lake", ["keys", "domains"]))
    html = _html(section)
    trips = sum(10 + d for d in range(1, 22) if d != MISSING_TRIPS_DAY.day)
    assert series_values(html, "dq-rows", "rows") == {
        "vehicles": 22.0,
        "trips": float(trips),
        "deliveries": 4.0 * trips,
        "maintenance": 1.0,
    }
    assert series_values(html, "dq-monthly", "trips") == {"2024-01": float(trips)}
    calendar = {label: v for _, label, v in chart_marks(html)["dq-calendar"]}
    assert len(calendar) == 21  # one cell per day of the window, no more
    assert calendar["2024-01-02"] == 12.0 and calendar["2024-01-21"] == 31.0
    assert [day for day, v in calendar.items() if v is None] == ["2024-01-10"]
    figures = {f.id: f for f in section.figures}
    assert figures["dq-calendar"].table.rows == [["2024-01-10", "missing"]]
    assert "20 of 21 days" in figures["dq-calendar"].note
    trips_row = next(r for r in figures["dq-rows"].table.rows if r[0] == "trips")
    assert trips_row == ["trips", "20", f"{trips:,}", "2024-01-01", "2024-01-21", "1"]
    assert "all 2 checks passed" in figures["dq-validate"].chart
    assert figures["dq-validate"].table.rows == [["keys", "passed"], ["domains", "passed"]]


def test_quality_charts_violations_by_rule() -> None:
    report = ValidationReport(
        "/data/lake", ["keys"], [Violation("trips: orphan driver", 2, ("trip 5", "trip 9"))]
    )
    failed = quality_section(fake_lake(), report).figures[0]
    assert series_values(_html_figure(failed), "dq-validate", "violations") == {
        "trips: orphan driver": 2.0
    }
    assert failed.table.rows == [["trips: orphan driver", "2", "trip 5; trip 9"]]


def test_warehouse_versions_runs_and_rejects(tmp_path: Path) -> None:
    path = make_warehouse(tmp_path / "wh.duckdb")
    section = warehouse_section(Config(warehouse_path=str(path)))
    assert section.status == OK
    html = _html(section)
    assert series_values(html, "wh-versions", "dim_vehicle") == {
        "2024-01": 2.0,
        "2024-02": 1.0,
        "2024-03": 0.0,
    }
    assert series_values(html, "wh-versions", "dim_driver") == {
        "2024-01": 1.0,
        "2024-02": 0.0,
        "2024-03": 2.0,
    }
    assert series_values(html, "wh-runs", "rows_inserted") == {"run 1": 850.0, "run 2": 40.0}
    assert series_values(html, "wh-runs", "rows_rejected") == {"run 1": 3.0, "run 2": 1.0}
    assert series_values(html, "wh-rejects", "rejects") == {
        "deliveries: negative weight": 3.0,
        "trips: arrival before departure": 1.0,
    }
    summary = {row[0]: row for row in section.figures[0].table.rows}
    assert summary["dim_driver"] == ["dim_driver", "1", "3", "1", "3"]
    assert summary["dim_vehicle"] == ["dim_vehicle", "2", "3", "2", "2"]


def test_the_runs_chart_holds_the_latest_runs_and_the_table_all(tmp_path: Path) -> None:
    import duckdb

    path = make_warehouse(tmp_path / "wh.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute(
            "INSERT INTO etl_runs SELECT i, TIMESTAMP '2024-04-03' + INTERVAL (i) DAY, "
            "TIMESTAMP '2024-04-03' + INTERVAL (i) DAY, 'succeeded', 10 * i, i, 0, 0 "
            "FROM range(3, 43) AS t(i)"
        )
    section = warehouse_section(Config(warehouse_path=str(path)))
    runs = next(f for f in section.figures if f.id == "wh-runs")
    charted = series_values(_html(section), "wh-runs", "rows_inserted")
    assert list(charted) == [f"run {i}" for i in range(13, 43)]  # the latest 30, in run order
    assert charted["run 42"] == 42.0
    assert runs.note == "The chart shows the latest 30 of 42 runs."
    assert [row[0] for row in runs.table.rows] == [str(i) for i in range(42, 30, -1)]
    assert runs.table.total_rows == 42  # the table says how many it leaves out


def test_warehouse_of_a_real_load(tiny_lake: Path, tmp_path: Path) -> None:
    """The section over a warehouse loaded by ``load_warehouse``, checked by direct queries."""
    import duckdb

    from fleetlake.warehouse import load_warehouse

    config = Config(lake=str(tiny_lake), warehouse_path=str(tmp_path / "wh.duckdb"))
    summary = load_warehouse(config, validate=False)
    section = warehouse_section(config)
    assert section.status == OK
    html = _html(section)
    with duckdb.connect(config.warehouse_path, read_only=True) as con:
        vehicles = con.execute(
            "SELECT count(*), count(DISTINCT vehicle_id) FROM dim_vehicle WHERE vehicle_key <> -1"
        ).fetchall()[0]
        span = con.execute(
            "SELECT min(valid_from)::DATE, max(valid_from)::DATE FROM (SELECT valid_from FROM "
            "dim_vehicle WHERE vehicle_key <> -1 UNION ALL SELECT valid_from FROM dim_driver "
            "WHERE driver_key <> -1)"
        ).fetchall()[0]
    versions = series_values(html, "wh-versions", "dim_vehicle")
    assert sum(versions.values()) == vehicles[0]
    assert list(versions) == month_range(span)  # every month, those without versions included
    summary_rows = {row[0]: row for row in section.figures[0].table.rows}
    assert summary_rows["dim_vehicle"][1:4] == [
        str(vehicles[1]),
        str(vehicles[0]),
        str(vehicles[1]),
    ]
    assert series_values(html, "wh-runs", "rows_inserted") == {
        f"run {summary.run_id}": float(summary.rows_inserted)
    }


def test_warehouse_absent_snowflake_or_unreadable(tmp_path: Path) -> None:
    missing = warehouse_section(Config(warehouse_path=str(tmp_path / "none.duckdb")))
    assert missing.status == NOT_CONFIGURED and "No warehouse at" in missing.intro
    snowflake = warehouse_section(Config(warehouse_target="snowflake"))
    assert snowflake.status == NOT_AVAILABLE
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_text("not a database")
    broken = warehouse_section(Config(warehouse_path=str(garbage)))
    assert broken.status == NOT_AVAILABLE and "Cannot read" in broken.intro


def test_postgres_and_serverless_from_saved_results(tmp_path: Path) -> None:
    write_results(tmp_path)
    pg = postgres_section(tmp_path / "pg_explain.json")
    html = _html(pg)
    assert series_values(html, "pg-timings", "before indexes") == {
        "q01_fleet_composition": 1.5,
        "q09_maintenance_cost_per_km": 40.0,
    }
    assert series_values(html, "pg-timings", "after indexes")["q09_maintenance_cost_per_km"] == 8.0
    assert pg.figures[0].table.rows[1] == [
        "q09_maintenance_cost_per_km",
        "40.0 ms",
        "8.0 ms",
        "5.00",
        "yes",
        "ix_maintenance_vehicle_date",
    ]
    assert series_values(html, "pg-indexes", "KPIs it made faster") == {
        "ix_maintenance_vehicle_date": 1.0,
        "ix_trips_status": 0.0,
    }
    sl_html = _html(serverless_section(tmp_path / "replay.json"))
    assert series_values(sl_html, "sl-events", "events") == {
        "sent": 1000.0,
        "accepted": 990.0,
        "rejected": 10.0,
        "failed": 0.0,
    }
    assert series_values(sl_html, "sl-latency", "latency") == {"p50": 4.5, "p95": 12.0, "p99": 21.0}
    assert series_values(sl_html, "sl-rejections", "rejected") == {"lat": 7.0, "event_time": 3.0}


def test_alerts_map_counts_alerts_per_route_as_saved(tmp_path: Path) -> None:
    write_results(tmp_path)
    section = serverless_section(tmp_path / "replay.json")
    html = _html(section)
    per_route = Counter(a["route_id"] for a in REPLAY["alerts"])
    assert series_values(html, "sl-alerts", "alerts per route") == {
        f"route {r}": float(n) for r, n in per_route.items()
    }
    assert series_values(html, "sl-alerts", "alerts") == {
        a["alert_id"]: a["off_route_km"] for a in REPLAY["alerts"]
    }
    figure = next(f for f in section.figures if f.id == "sl-alerts")
    assert figure.table.rows == [
        ["1", "Bogotá → Medellín", "2", "24.8 km", "2"],
        ["7", "Bogotá → Cali", "1", "31.0 km", "1"],
    ]
    assert figure.note.startswith("3 alerts on 2 routes")
    assert "more than 5.0 km" in figure.note
    for city in ("Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena"):
        assert f">{city}</text>" in figure.chart
    assert "Longitude" in figure.chart and "Latitude" in figure.chart and "100 km" in figure.chart
    no_alerts = serverless_section(_saved(tmp_path, dict(REPLAY, alerts=[])))
    (empty,) = [f for f in no_alerts.figures if f.id == "sl-alerts"]
    assert "No route-deviation alert" in empty.chart
    older = serverless_section(_saved(tmp_path, {k: v for k, v in REPLAY.items() if k != "alerts"}))
    assert "sl-alerts" not in [f.id for f in older.figures]


def _saved(directory: Path, document: dict) -> Path:
    path = directory / "saved.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_absent_or_corrupt_saved_results(tmp_path: Path) -> None:
    assert postgres_section(tmp_path / "none.json").status == NOT_CONFIGURED
    assert postgres_section(tmp_path / "none.json", configured=True).status == NOT_AVAILABLE
    assert serverless_section(tmp_path / "none.json").status == NOT_CONFIGURED
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert "Cannot read" in postgres_section(bad).intro
    assert "Cannot read" in serverless_section(bad).intro
    for wrong in (
        {"accepted": 3, "rejections": {"lat": "n/a"}},
        {"accepted": 3, "events_per_second": "fast"},
        {"accepted": 3, "rejections": [1]},
        {"accepted": 3, "alerts": [{"route_id": 1, "lat": "north"}]},
        {"kpis": "none"},
    ):
        bad.write_text(json.dumps(wrong))
        assert serverless_section(bad).status == NOT_AVAILABLE
        assert postgres_section(bad).status == NOT_AVAILABLE


@pytest.mark.parametrize(
    ("config", "active", "texts"),
    [
        (
            Config(),
            {"postgres": "false", "check": "false", "lake": "true"},
            ["local: ./lake", "DuckDB ./warehouse.duckdb", "not configured"],
        ),
        (
            Config(
                lake="s3://bucket/fleet",
                warehouse_target="snowflake",
                snowflake_connection="prod",
                postgres_dsn="postgresql://me:s3cret@db/fleet",
            ),
            {"postgres": "true", "check": "true"},
            ["S3: s3://bucket/fleet", "Snowflake (prod)", "me@db:5432/fleet"],
        ),
    ],
)
def test_dataflow_follows_the_configuration(config: Config, active: dict, texts: list) -> None:
    html = _html(dataflow_section(config))
    for node, state in active.items():
        assert f'data-node="{node}" data-active="{state}"' in html
    for text in texts:
        assert text in html
    assert "s3cret" not in html


def test_postgres_detail_never_shows_the_password() -> None:
    from fleetlake.config import Config

    for dsn in ("host=db user=me password='s3cr et' dbname=f", "postgresql://me:p@ss@db:5432/f"):
        detail, configured = postgres_detail(Config(postgres_dsn=dsn))
        assert configured and "s3cr" not in detail and "p@ss" not in detail and "et'" not in detail
    assert postgres_detail(Config(postgres_dsn="host=db user=me password=x dbname=f"))[0] == (
        "me@db:5432/f"
    )


def test_saved_results_keep_the_shapes_their_commands_write(tmp_path: Path) -> None:
    """Contract with ``pg explain`` and ``replay``: the report reads what they really write."""
    import json

    from fleetlake.oltp.explain import render_markdown
    from fleetlake.serverless.replay import ReplayReport
    from tests.report.sources import PG_EXPLAIN

    assert "q09_maintenance_cost_per_km" in render_markdown(PG_EXPLAIN)
    replay = ReplayReport(
        sent=5,
        accepted=4,
        rejected=1,
        batches=1,
        seconds=0.5,
        latencies_ms=[2.0, 4.0],
        rejections={"lat": 1},
        alerts=[  # as fleetlake.serverless.tracking.raise_alert returns them
            {
                "alert_id": "deviation:7:70:p1",
                "kind": "route_deviation",
                "vehicle_id": 7,
                "trip_id": 70,
                "route_id": 3,
                "lat": 5.5,
                "lon": -74.1,
                "off_route_km": 47.2,
                "threshold_km": 5.0,
                "time": "2025-03-10T08:15:00-05:00",
                "raised_at": "2026-11-28T08:00:00+00:00",
            }
        ],
        route_cities={3: ("Bogotá", "Medellín")},
    )
    path = tmp_path / "replay.json"
    path.write_text(json.dumps(replay.to_dict()), encoding="utf-8")
    html = _html(serverless_section(path))
    assert series_values(html, "sl-events", "events") == {
        "sent": 5.0,
        "accepted": 4.0,
        "rejected": 1.0,
        "failed": 0.0,
    }
    assert series_values(html, "sl-latency", "latency")["p50"] == 3.0
    assert series_values(html, "sl-rejections", "rejected") == {"lat": 1.0}
    assert series_values(html, "sl-alerts", "alerts") == {"deviation:7:70:p1": 47.2}
    assert series_values(html, "sl-alerts", "alerts per route") == {"route 3": 1.0}
    assert "Bogotá → Medellín" in html
