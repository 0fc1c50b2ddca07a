"""Hand-made report sources: a lake stand-in, a warehouse file, saved JSON results."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

START = dt.date(2024, 1, 1)
DAYS = 21
MISSING_TRIPS_DAY = dt.date(2024, 1, 10)


@dataclass(frozen=True)
class Partition:
    rows: int
    sha256: str = "0" * 64


@dataclass(frozen=True)
class Manifest:
    partitions: dict[str, dict[dt.date, Partition]]
    seed: int = 42
    sf: float = 0.01
    start: dt.date = START
    end: dt.date = START + dt.timedelta(days=DAYS)


@dataclass(frozen=True)
class FakeLake:
    manifest: Manifest
    uri: str = "/data/lake"


def fake_lake() -> FakeLake:
    """21 days; trips 10 + day-of-month rows a day, one day without a trips partition."""
    days = [START + dt.timedelta(days=i) for i in range(DAYS)]
    trips = {d: Partition(10 + d.day) for d in days if d != MISSING_TRIPS_DAY}
    return FakeLake(
        Manifest(
            {
                "vehicles": {START: Partition(20), dt.date(2024, 1, 5): Partition(2)},
                "trips": trips,
                "deliveries": {d: Partition(4 * p.rows) for d, p in trips.items()},
                "maintenance": {dt.date(2024, 1, 3): Partition(1)},
            }
        )
    )


def make_warehouse(path: Path) -> Path:
    """A DuckDB file with the tables the report reads (columns as in sql/warehouse/schema.sql)."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            """
            CREATE TABLE dim_vehicle (vehicle_key BIGINT, vehicle_id INTEGER, valid_from TIMESTAMP,
                                      valid_to TIMESTAMP, is_current BOOLEAN);
            INSERT INTO dim_vehicle VALUES
                (-1, -1, '1900-01-01', '9999-12-31', TRUE),
                (1, 1, '2024-01-01', '2024-02-10', FALSE), (2, 1, '2024-02-10', '9999-12-31', TRUE),
                (3, 2, '2024-01-01', '9999-12-31', TRUE);
            CREATE TABLE dim_driver (driver_key BIGINT, driver_id INTEGER, valid_from TIMESTAMP,
                                     valid_to TIMESTAMP, is_current BOOLEAN);
            INSERT INTO dim_driver VALUES
                (-1, -1, '1900-01-01', '9999-12-31', TRUE),
                (1, 7, '2024-01-01', '2024-03-05', FALSE),
                (2, 7, '2024-03-05', '2024-03-20', FALSE),
                (3, 7, '2024-03-20', '9999-12-31', TRUE);
            CREATE TABLE etl_runs (run_id BIGINT, started_at TIMESTAMP, finished_at TIMESTAMP,
                                   status VARCHAR, rows_read BIGINT, rows_inserted BIGINT,
                                   rows_updated BIGINT, rows_rejected BIGINT);
            INSERT INTO etl_runs VALUES
                (1, '2024-04-01 10:00', '2024-04-01 10:01', 'succeeded', 900, 850, 0, 3),
                (2, '2024-04-02 10:00', '2024-04-02 10:00:30', 'succeeded', 120, 40, 6, 1);
            CREATE TABLE etl_rejects (run_id BIGINT, source_table VARCHAR, natural_key VARCHAR,
                                      reason VARCHAR, payload VARCHAR);
            INSERT INTO etl_rejects VALUES
                (1, 'deliveries', '11', 'negative weight', NULL),
                (1, 'deliveries', '12', 'negative weight', NULL),
                (1, 'trips', '5', 'arrival before departure', NULL),
                (2, 'deliveries', '13', 'negative weight', NULL);
            """
        )
    return path


def _timing(name: str, before: float, after: float, used: list[str]) -> dict:
    return {
        "name": name,
        "title": name,
        "before_ms": before,
        "after_ms": after,
        "speedup": round(before / after, 2),
        "plan_changed": bool(used),
        "plan_before": [],
        "plan_after": [],
        "nodes_removed": [],
        "nodes_added": [],
        "indexes_used": used,
        "recommended_indexes_used": used,
    }


# Shaped like fleetlake.oltp.explain's report.
PG_EXPLAIN = {
    "generated_at": "2024-04-01T10:00:00+00:00",
    "server": "postgresql://localhost/fleet",
    "repeat": 5,
    "as_of": "2024-03-31",
    "tolerance_minutes": 30,
    "gain_threshold": 0.1,
    "min_gain_ms": 1.0,
    "total_before_ms": 41.5,
    "total_after_ms": 9.25,
    "kpis": [
        _timing("q01_fleet_composition", 1.5, 1.25, []),
        _timing("q09_maintenance_cost_per_km", 40.0, 8.0, ["ix_maintenance_vehicle_date"]),
    ],
    "indexes": [
        {
            "name": "ix_maintenance_vehicle_date",
            "table": "maintenance",
            "statement": "CREATE ...",
            "existed_before": False,
            "used_by": ["q09_maintenance_cost_per_km"],
            "faster_kpis": ["q09_maintenance_cost_per_km"],
            "verdict": "helps",
        },
        {
            "name": "ix_trips_status",
            "table": "trips",
            "statement": "CREATE ...",
            "existed_before": False,
            "used_by": [],
            "faster_kpis": [],
            "verdict": "unused",
        },
    ],
}
# Route ids and cities of fleetlake.gen.geography (1: BOG-MDE-1, 7: BOG-CLO-1).
ROUTE_CITIES = {1: ("Bogotá", "Medellín"), 7: ("Bogotá", "Cali")}


def _alert(vehicle: int, trip: int, route: int, position, km: float, time: str) -> dict:
    """One alert as ``ReplayReport.alert_records`` saves it."""
    origin, destination = ROUTE_CITIES[route]
    return {
        "alert_id": f"deviation:{vehicle}:{trip}:g{trip}-40",
        "vehicle_id": vehicle,
        "trip_id": trip,
        "route_id": route,
        "lat": position[0],
        "lon": position[1],
        "off_route_km": km,
        "threshold_km": 5.0,
        "time": time,
        "origin_city": origin,
        "destination_city": destination,
    }


# Shaped like fleetlake.serverless.replay.ReplayReport.to_dict().
REPLAY = {
    "sent": 1000,
    "accepted": 990,
    "rejected": 10,
    "failed": 0,
    "batches": 20,
    "seconds": 1.5,
    "events_per_second": 660.0,
    "latency_ms": {"p50": 4.5, "p95": 12.0, "p99": 21.0},
    "rejections": {"lat": 7, "event_time": 3},
    "alerts": [
        _alert(12, 501, 1, (5.60, -74.30), 24.8, "2024-03-01T09:15:00-05:00"),
        _alert(40, 507, 1, (5.10, -74.20), 12.3, "2024-03-01T11:40:00-05:00"),
        _alert(33, 610, 7, (4.20, -75.60), 31.0, "2024-03-02T07:05:00-05:00"),
    ],
}


def write_results(reports: Path) -> None:
    """``reports/pg_explain.json`` and ``reports/replay.json`` as their commands save them."""
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "pg_explain.json").write_text(json.dumps(PG_EXPLAIN), encoding="utf-8")
    (reports / "replay.json").write_text(json.dumps(REPLAY), encoding="utf-8")
