"""The real-time path end to end: replayed events -> S3 -> compact -> lake -> warehouse, once."""

from __future__ import annotations

from datetime import date

import pytest

from fleetlake.config import Config
from fleetlake.lake import open_lake
from fleetlake.lake.storage import LocalStorage
from fleetlake.lake.validate import validate_lake
from fleetlake.pipeline import generate_lake
from fleetlake.serverless.compaction import compact
from fleetlake.serverless.ingest import ingest_batch
from fleetlake.serverless.replay import StreamOptions, lake_stream
from fleetlake.serverless.routes import put_routes, routes_from_table
from fleetlake.warehouse import load_warehouse
from fleetlake.warehouse.service import demo_events_summary
from fleetlake.warehouse.targets.duckdb import DuckDBTarget

pytestmark = pytest.mark.s3  # moto's server on 127.0.0.1 (S3, DynamoDB, SNS)


def test_replayed_delivery_events_reach_the_warehouse_exactly_once(aws, tmp_path):
    path = tmp_path / "lake"
    generate_lake(str(path), sf=0.05, seed=5, start=date(2024, 3, 1), days=10, workers=1)
    put_routes(aws, routes_from_table(open_lake(str(path)).current("routes")))
    options = StreamOptions(ping_minutes=30.0, duplicate_share=0.05, late_share=0.05, seed=5)
    stream = lake_stream(str(path), days=3, options=options).events
    accepted = sum(
        ingest_batch(aws, stream[i : i + 100]).accepted for i in range(0, len(stream), 100)
    )
    assert accepted == len(stream)
    expected = {e["event_id"] for e in stream if e["type"] == "delivery"}
    assert 50 < len(expected) < len(stream)

    compact(aws, LocalStorage(path))
    lake = open_lake(str(path))
    assert lake.read("delivery_events").num_rows == len(expected)
    assert lake.manifest.end == date(2024, 3, 11)  # compaction never moves the lake's end
    report = validate_lake(lake)
    assert report.ok, [str(v) for v in report.violations]
    config = Config(lake=str(path), warehouse_path=str(tmp_path / "warehouse.duckdb"))
    assert load_warehouse(config) is not None

    def facts() -> tuple:
        target = DuckDBTarget(config.warehouse_path, must_exist=True)
        try:
            return target.query(
                "SELECT COUNT(*), COUNT(DISTINCT event_id), "
                "SUM(CASE WHEN vehicle_key = -1 THEN 1 ELSE 0 END) FROM fact_delivery_events"
            )[0]
        finally:
            target.close()

    assert facts() == (len(expected), len(expected), 0)
    # The same events again, in new batches: compaction adds nothing, the warehouse loads nothing.
    for i in range(0, 300, 60):
        ingest_batch(aws, stream[i : i + 60])
    again = compact(aws, LocalStorage(path))
    assert again.raw_objects > 0 and again.added == {} and again.partitions_written == []
    assert load_warehouse(config) is None
    assert facts() == (len(expected), len(expected), 0)
    line = demo_events_summary(config)
    assert f"lake delivery_events: {len(expected):,} rows" in line
    assert f"nothing new to load: fact_delivery_events {len(expected):,} rows" in line
