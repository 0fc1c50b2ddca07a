"""Hand-made report sources: a lake stand-in, a warehouse file, saved JSON results."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Validation:
    ok: bool
    violations: list[str] = field(default_factory=list)


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


PG_EXPLAIN = {
    "queries": [
        {"name": "q01_fleet_composition", "median_ms_before": 1.5, "median_ms_after": 1.25},
        {"name": "q09_maintenance_cost_per_km", "median_ms_before": 40.0, "median_ms_after": 8.0},
    ]
}
REPLAY = {"sent": 1000, "accepted": 990, "rejected": 10, "latency_ms": {"p50": 4.5, "p99": 21.0}}


def write_results(reports: Path) -> None:
    """``reports/pg_explain.json`` and ``reports/replay.json`` as their commands save them."""
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "pg_explain.json").write_text(json.dumps(PG_EXPLAIN), encoding="utf-8")
    (reports / "replay.json").write_text(json.dumps(REPLAY), encoding="utf-8")
