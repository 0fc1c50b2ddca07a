"""Compaction of raw S3 events into lake partitions: complete, deduplicated, idempotent."""

from __future__ import annotations

from datetime import datetime

import pytest

from fleetlake.lake.storage import LocalStorage
from fleetlake.serverless.compaction import compact, read_stream_table
from fleetlake.serverless.ingest import ingest_batch
from fleetlake.serverless.replay import StreamOptions, build_stream
from fleetlake.serverless.routes import put_routes, routes_from_table
from tests.serverless.lake_tables import LAKE_END, deliveries_table, routes_table, trips_table

pytestmark = pytest.mark.s3  # moto's server on 127.0.0.1 (S3, DynamoDB, SNS)


def stream():
    routes = routes_from_table(routes_table())
    options = StreamOptions(ping_minutes=10.0, duplicate_share=0.1, late_share=0.1)
    return build_stream(trips_table(), deliveries_table(), routes, LAKE_END, options)


def test_compaction_is_complete_deduplicated_and_idempotent(aws, tmp_path):
    put_routes(aws, routes_from_table(routes_table()))
    events = stream()
    half = len(events) // 2
    for start in range(0, half, 20):
        ingest_batch(aws, events[start : min(start + 20, half)])
    storage = LocalStorage(tmp_path / "lake")
    first = compact(aws, storage)
    assert first.raw_records >= first.unique_events == len({e["event_id"] for e in events[:half]})
    assert sum(first.added.values()) == first.unique_events
    again = compact(aws, storage)
    assert (again.added, again.partitions_written) == ({}, [])
    for start in range(half, len(events), 20):  # the rest, plus the first batch once more
        ingest_batch(aws, events[start : start + 20])
    ingest_batch(aws, events[:20])
    compact(aws, storage)
    pings = read_stream_table(storage, "gps_pings")
    updates = read_stream_table(storage, "delivery_events")
    ids = pings.column("event_id").to_pylist() + updates.column("event_id").to_pylist()
    assert len(ids) == len(set(ids))
    assert set(ids) == {e["event_id"] for e in events}
    assert set(updates.column("delivery_id").to_pylist()) == {
        101,
        102,
        103,
        201,
        202,
        301,
        401,
        402,
    }
    keys = sorted(storage.list("gps_pings"))
    assert keys == [
        "gps_pings/date=2025-03-10/part-0.parquet",
        "gps_pings/date=2025-03-11/part-0.parquet",
        "gps_pings/date=2025-03-12/part-0.parquet",
    ]
    # Lake convention: naive Colombia wall-clock time.
    times = dict(zip(ids, pings.column("event_time").to_pylist(), strict=False))
    assert times["g2-0"] == datetime(2025, 3, 10, 9, 0)
    assert compact(aws, storage).added == {}
