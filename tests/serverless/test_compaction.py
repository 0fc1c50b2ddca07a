"""Compaction of raw S3 events into lake partitions: complete, deduplicated, idempotent."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from fleetlake.lake.manifest import read_stream_entries
from fleetlake.lake.storage import LocalStorage
from fleetlake.serverless.compaction import compact, read_stream_table
from fleetlake.serverless.ingest import ingest_batch
from fleetlake.serverless.raw_events import list_raw_keys
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
    # One file per partition (a rewritten partition's old file is gone), the one its entry lists.
    entries = read_stream_entries(storage)
    assert sorted(entries) == [date(2025, 3, 10), date(2025, 3, 11), date(2025, 3, 12)]
    assert storage.list("gps_pings") == [e.tables["gps_pings"].file for e in entries.values()]
    # Lake convention: naive Colombia wall-clock time.
    times = dict(zip(ids, pings.column("event_time").to_pylist(), strict=False))
    assert times["g2-0"] == datetime(2025, 3, 10, 9, 0)
    assert compact(aws, storage).added == {}


def test_a_run_reads_only_raw_objects_not_yet_compacted(aws, tmp_path):
    put_routes(aws, routes_from_table(routes_table()))
    events = stream()
    for start in range(0, 60, 20):
        ingest_batch(aws, events[start : start + 20])
    written = set(list_raw_keys(aws))
    storage = LocalStorage(tmp_path / "lake")
    first = compact(aws, storage)
    assert (first.raw_objects, first.skipped_objects, first.raw_records) == (len(written), 0, 60)
    again = compact(aws, storage)
    assert (again.raw_objects, again.skipped_objects, again.raw_records) == (0, len(written), 0)
    ingest_batch(aws, events[60:80])
    more = set(list_raw_keys(aws)) - written
    third = compact(aws, storage)
    assert (third.raw_objects, third.skipped_objects, third.raw_records) == (
        len(more),
        len(written),
        20,
    )
    compacted = set().union(*(e.raw_keys for e in read_stream_entries(storage).values()))
    assert compacted == written | more


def test_a_run_killed_before_the_entry_changes_nothing_visible_and_a_rerun_is_exact(
    aws, tmp_path, monkeypatch
):
    put_routes(aws, routes_from_table(routes_table()))
    events = stream()
    ingest_batch(aws, events[:40])
    storage = LocalStorage(tmp_path / "lake")
    compact(aws, storage)
    before = read_stream_entries(storage)
    ingest_batch(aws, events[40:80])
    real_write = storage.write_bytes

    def crash_on_entries(key: str, data: bytes) -> None:
        if key.startswith("_manifest/"):
            raise OSError("killed")
        real_write(key, data)

    monkeypatch.setattr(storage, "write_bytes", crash_on_entries)
    with pytest.raises(OSError):
        compact(aws, storage)
    monkeypatch.setattr(storage, "write_bytes", real_write)
    assert read_stream_entries(storage) == before  # the published days are untouched
    assert read_stream_table(storage, "gps_pings").num_rows == sum(
        1 for e in {e["event_id"]: e for e in events[:40]}.values() if e["type"] == "gps"
    )
    compact(aws, storage)
    pings = read_stream_table(storage, "gps_pings").column("event_id").to_pylist()
    updates = read_stream_table(storage, "delivery_events").column("event_id").to_pylist()
    assert sorted(pings + updates) == sorted({e["event_id"] for e in events[:80]})
