"""Compaction of raw S3 events into lake partitions: complete, deduplicated, idempotent."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest

from fleetlake.errors import LakeError
from fleetlake.lake.manifest import PartitionInfo, read_stream_entries
from fleetlake.lake.storage import LocalStorage
from fleetlake.lake.writer import encode_parquet, partition_key
from fleetlake.schema import DELIVERY_EVENTS, GPS_PINGS
from fleetlake.serverless.compaction import compact, read_stream_table
from fleetlake.serverless.ingest import ingest_batch
from fleetlake.serverless.models import lake_time
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
    # A rewritten partition's old file is kept as replaced until a run after the grace period.
    entries = read_stream_entries(storage)
    assert sorted(entries) == [date(2025, 3, 10), date(2025, 3, 11), date(2025, 3, 12)]
    listed = [e.tables["gps_pings"].file for e in entries.values()]
    replaced = {f for e in entries.values() for f in e.replaced if f.startswith("gps_pings/")}
    assert replaced and set(storage.list("gps_pings")) == set(listed) | replaced
    # Lake convention: naive Colombia wall-clock time.
    times = dict(zip(ids, pings.column("event_time").to_pylist(), strict=False))
    assert times["g2-0"] == datetime(2025, 3, 10, 9, 0)
    assert compact(aws, storage).added == {}
    assert compact(aws, storage, grace=timedelta(0)).added == {}
    assert storage.list("gps_pings") == listed  # one file per partition, the one its entry lists
    assert read_stream_entries(storage) == {
        day: replace(entry, replaced={}) for day, entry in entries.items()
    }


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


def test_partitions_of_the_previous_layout_are_adopted_even_when_their_raw_objects_are_gone(
    aws, tmp_path
):
    put_routes(aws, routes_from_table(routes_table()))
    events = stream()[:40]
    ingest_batch(aws, events)
    storage = LocalStorage(tmp_path / "lake")
    # Written by the release before stream entries: part-0.parquet, no entry. The day before the
    # stream holds pings whose raw objects were pruned; one delivery update is also in raw S3.
    pruned_day = date(2025, 3, 9)
    pings = [
        {"event_id": f"old-g{i}", "vehicle_id": 7, "trip_id": 70, "route_id": 1, "lat": 5.0}
        | {"lon": -74.5, "speed_kmh": 50.0, "event_time": datetime(2025, 3, 9, 23, 50 + i)}
        for i in range(2)
    ]
    legacy_pings = partition_key("gps_pings", pruned_day)
    storage.write_bytes(legacy_pings, encode_parquet(pa.Table.from_pylist(pings, GPS_PINGS.schema)))
    raw = next(e for e in events if e["type"] == "delivery")
    moment = lake_time(datetime.fromisoformat(raw["time"]))
    updates = [
        {"event_id": raw["event_id"], "delivery_id": raw["delivery"]}
        | {"delivery_status": raw["status"], "event_time": moment, "vehicle_id": None},
        {"event_id": "old-d1", "delivery_id": raw["delivery"], "delivery_status": "pending"}
        | {"event_time": moment - timedelta(minutes=5), "vehicle_id": None},
    ]
    table = pa.Table.from_pylist(updates, DELIVERY_EVENTS.schema)
    legacy_updates = partition_key("delivery_events", moment.date())
    storage.write_bytes(legacy_updates, encode_parquet(table))
    report = compact(aws, storage)
    unique = {e["event_id"]: e for e in events}
    assert sum(report.added.values()) == len(unique) - 1  # the raw update already compacted
    ping_ids = read_stream_table(storage, "gps_pings").column("event_id").to_pylist()
    update_ids = read_stream_table(storage, "delivery_events").column("event_id").to_pylist()
    assert sorted(ping_ids + update_ids) == sorted([*unique, "old-g0", "old-g1", "old-d1"])
    entry = read_stream_entries(storage)[pruned_day]
    sha256 = hashlib.sha256(storage.read_bytes(legacy_pings)).hexdigest()
    assert entry.tables == {"gps_pings": PartitionInfo(2, sha256, legacy_pings)}  # taken as is
    again = compact(aws, storage)
    assert (again.raw_objects, again.added, again.partitions_written) == (0, {}, [])
    assert storage.exists(legacy_updates)  # rewritten with the raw updates: replaced, kept a while
    compact(aws, storage, grace=timedelta(0))
    assert not storage.exists(legacy_updates) and storage.exists(legacy_pings)


def test_compacted_rows_hold_each_events_fields_in_lake_time(aws, tmp_path):
    """Every column, from the raw JSON names, with times as naive Colombia wall clock."""
    put_routes(aws, routes_from_table(routes_table()))
    ping = {"event_id": "p", "type": "gps", "vehicle": 11, "trip": 1, "route": 1}
    ping |= {"lat": 4.5, "lon": -74.25, "speed": 0, "time": "2025-03-10T13:00:00.000250Z"}
    update = {"event_id": "u", "type": "delivery", "delivery": 101, "status": "pending"}
    signed = {"event_id": "s", "type": "delivery", "delivery": 102, "status": "delivered"}
    signed |= {"signature": False, "vehicle": 12, "time": "2025-03-11T00:30:00"}
    ingest_batch(aws, [ping, update | {"time": "2025-03-10T08:30:00-05:00"}, signed])
    ingest_batch(aws, [ping])  # again, alone in its hour: another raw object, one row
    storage = LocalStorage(tmp_path / "lake")
    report = compact(aws, storage)
    assert (report.raw_records, report.unique_events) == (4, 3)
    assert report.added == {"delivery_events": 2, "gps_pings": 1}
    assert read_stream_table(storage, "gps_pings").to_pylist() == [
        {"event_id": "p", "vehicle_id": 11, "trip_id": 1, "route_id": 1, "lat": 4.5}
        | {"lon": -74.25, "speed_kmh": 0.0, "event_time": datetime(2025, 3, 10, 8, 0, 0, 250)}
    ]
    assert read_stream_table(storage, "delivery_events").to_pylist() == [
        {"event_id": "u", "delivery_id": 101, "delivery_status": "pending"}
        | {"event_time": datetime(2025, 3, 10, 8, 30)}
        | {"recipient_signature": None, "vehicle_id": None},
        {"event_id": "s", "delivery_id": 102, "delivery_status": "delivered"}
        | {"event_time": datetime(2025, 3, 11, 0, 30)}
        | {"recipient_signature": False, "vehicle_id": 12},
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"event_id": "x", "type": "gps", "time": "2025-03-10T08:00:00-05:00"\n', "JSON lines"),
        (b'{"event_id": "x", "type": "gps", "time": "yesterday"}\n', "JSON lines"),
        (b'{"event_id": "x", "type": "sms", "time": "2025-03-10T08:00:00-05:00"}\n', "a type"),
        (  # no vehicle: gps_pings.vehicle_id is required
            b'{"event_id": "x", "type": "gps", "time": "2025-03-10T08:00:00-05:00", "trip": 1}\n',
            "a gps event that does not fit gps_pings",
        ),
        (  # wider than the lake's int32 ids
            b'{"event_id": "x", "type": "delivery", "delivery": 9999999999, "status": "pending",'
            b' "time": "2025-03-10T08:00:00-05:00"}\n',
            "a delivery event that does not fit delivery_events",
        ),
    ],
)
def test_a_corrupt_raw_object_is_one_error_naming_it_and_publishes_nothing(
    aws, tmp_path, body, problem
):
    put_routes(aws, routes_from_table(routes_table()))
    ingest_batch(aws, stream()[:20])
    bad = "raw/date=2025-03-11/hour=08/zz-corrupt.jsonl"  # a day after the good events' day
    aws.s3.put_object(Bucket=aws.names.bucket, Key=bad, Body=body)
    storage = LocalStorage(tmp_path / "lake")
    with pytest.raises(
        LakeError, match=rf"^raw object {bad} (is not|holds events of|holds) {problem}"
    ):
        compact(aws, storage)
    assert read_stream_entries(storage) == {}


def test_a_backlog_compacted_a_day_at_a_time_equals_one_read(aws, tmp_path, monkeypatch):
    """With a budget smaller than any day, each day is its own batch: the lake is the same as
    after one read of everything, and a bad object on the last day still publishes nothing."""
    from fleetlake.serverless import compaction

    put_routes(aws, routes_from_table(routes_table()))
    for start in range(0, len(events := stream()), 20):
        ingest_batch(aws, events[start : start + 20])
    whole, batched = LocalStorage(tmp_path / "whole"), LocalStorage(tmp_path / "batched")
    compact(aws, whole)
    bad = "raw/date=2025-03-12/hour=23/zz-corrupt.jsonl"
    aws.s3.put_object(Bucket=aws.names.bucket, Key=bad, Body=b"not json\n")
    reads = []
    original = compaction.read_raw_body
    monkeypatch.setattr(compaction, "read_raw_body", lambda c, k: reads.append(k) or original(c, k))
    with pytest.raises(LakeError, match=f"raw object {bad}"):
        compact(aws, batched, batch_bytes=1)
    assert read_stream_entries(batched) == {}  # the earlier days' batches were not published
    aws.s3.delete_object(Bucket=aws.names.bucket, Key=bad)
    reads.clear()
    listed = []
    original_list = LocalStorage.list
    monkeypatch.setattr(LocalStorage, "list", lambda s, p: listed.append(p) or original_list(s, p))
    report = compact(aws, batched, batch_bytes=1)
    assert sorted(p for p in listed if not p.startswith("_")) == ["delivery_events", "gps_pings"]
    assert len(reads) == 2 * report.raw_objects  # checked, then read again to publish
    assert len({k.split("/")[1] for k in reads}) == 3  # three days, three batches
    for name in ("gps_pings", "delivery_events"):
        assert read_stream_table(batched, name).equals(read_stream_table(whole, name))
    assert {d: e.tables for d, e in read_stream_entries(batched).items()} == {
        d: e.tables for d, e in read_stream_entries(whole).items()
    }
