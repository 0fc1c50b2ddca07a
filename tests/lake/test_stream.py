"""Compacted real-time tables in the lake: stream entries, reads, validation, the lake's end."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest

from fleetlake.errors import ManifestError
from fleetlake.lake import open_lake
from fleetlake.lake.manifest import StreamEntry, read_stream_entries
from fleetlake.lake.storage import LocalStorage
from fleetlake.lake.validate import validate_lake
from fleetlake.lake.writer import write_stream_day
from fleetlake.pipeline import generate_lake, simulate_lake
from fleetlake.schema import DELIVERY_EVENTS

START = date(2024, 1, 1)


@pytest.fixture
def lake_path(tmp_path):
    path = tmp_path / "lake"
    generate_lake(str(path), sf=0.01, seed=7, start=START, days=3, workers=1)
    return path


def events(delivery_ids: list[int], day: date, prefix: str = "d", status: str = "in_transit"):
    moment = datetime.combine(day, datetime.min.time()) + timedelta(hours=9)
    return pa.Table.from_pylist(
        [
            {
                "event_id": f"{prefix}{d}",
                "delivery_id": d,
                "delivery_status": status,
                "event_time": moment + timedelta(minutes=i),
                "recipient_signature": None,
                "vehicle_id": 1,
            }
            for i, d in enumerate(delivery_ids)
        ],
        schema=DELIVERY_EVENTS.schema,
    )


def test_compacted_partitions_are_read_like_any_table_and_never_move_the_end(lake_path):
    lake = open_lake(str(lake_path))
    ids = lake.read("deliveries").column("delivery_id").to_pylist()[:5]
    storage = LocalStorage(lake_path)
    day1, day2 = START, START + timedelta(days=5)  # events may fall after the generated window
    first = write_stream_day(storage, day1, {"delivery_events": events(ids[:3], day1)}, {"k1"})
    write_stream_day(storage, day2, {"delivery_events": events(ids[3:], day2)}, {"k2"})
    lake = open_lake(str(lake_path))
    assert lake.manifest.end == START + timedelta(days=3)
    assert lake.partition_dates("delivery_events") == [day1, day2]
    assert lake.read("delivery_events").column("delivery_id").to_pylist() == ids
    assert lake.read("delivery_events", since=day2).num_rows == 2
    assert lake.files("gps_pings") == []
    report = validate_lake(lake)
    assert report.ok, [str(v) for v in report.violations]
    assert (report.rows["delivery_events"], report.partitions["delivery_events"]) == (5, 2)
    assert "delivery_events.delivery exists" in report.checks
    # A rewritten day replaces its file and keeps the raw keys it is given; the old file stays
    # for readers of the previous entry until a write after the grace period.
    more = events(ids[:4], day1)
    second = write_stream_day(
        storage, day1, {"delivery_events": more}, frozenset({"k1", "k3"}), first
    )
    assert lake.read_verified("delivery_events").column("delivery_id").to_pylist() == ids
    old_file = first.tables["delivery_events"].file
    assert second.tables["delivery_events"].file != old_file
    assert list(second.replaced) == [old_file]
    assert read_stream_entries(storage)[day1] == second
    assert write_stream_day(storage, day1, {}, second.raw_keys, second).replaced == second.replaced
    assert storage.exists(old_file)
    third = write_stream_day(storage, day1, {}, second.raw_keys, second, grace=timedelta(0))
    assert not storage.exists(old_file)
    assert third == StreamEntry(day1, second.tables, frozenset({"k1", "k3"}), {})
    assert read_stream_entries(storage)[day1] == third
    for bad in (b"1", b'"2026-11-28T09:00:00"'):  # a replacement time must name its offset
        corrupted = third.to_json().replace(b'"replaced": {}', b'"replaced": {"f": %s}' % bad)
        storage.write_bytes(third.key, corrupted)
        with pytest.raises(ManifestError, match="corrupted"):
            read_stream_entries(storage)
    storage.write_bytes(third.key, third.to_json())
    simulate_lake(str(lake_path), days=1, workers=1)
    assert open_lake(str(lake_path)).manifest.end == START + timedelta(days=4)
    assert open_lake(str(lake_path)).read("delivery_events").num_rows == 6


def test_validate_checks_compacted_partitions(lake_path):
    lake = open_lake(str(lake_path))
    known = lake.read("deliveries").column("delivery_id").to_pylist()[:2]
    storage = LocalStorage(lake_path)
    day2 = START + timedelta(days=1)
    write_stream_day(storage, START, {"delivery_events": events(known, START)}, {"k1"})
    entry = write_stream_day(  # the same event ids again on another day, one unknown delivery
        storage, day2, {"delivery_events": events([known[0], 999_999], day2, status="lost")}, {"k2"}
    )
    violations = {v.rule: v for v in validate_lake(open_lake(str(lake_path))).violations}
    assert violations["delivery_events.primary key unique"].examples == (f"d{known[0]}",)
    assert violations["delivery_events.delivery exists"].examples == ("d999999",)
    assert violations["delivery_events.delivery_status domain"].count == 2
    (lake_path / entry.tables["delivery_events"].file).write_bytes(b"damaged")
    violations = {v.rule: v for v in validate_lake(open_lake(str(lake_path))).violations}
    assert "sha256" in violations["manifest: partition files"].examples[0]


def test_a_file_no_entry_lists_is_deleted_a_grace_period_after_the_next_write(lake_path):
    """A run killed between a day's files and its entry leaves a file nothing lists; the next
    write of the day marks it replaced, and a write ``grace`` later deletes it."""
    ids = open_lake(str(lake_path)).read("deliveries").column("delivery_id").to_pylist()[:3]
    storage = LocalStorage(lake_path)
    first = write_stream_day(storage, START, {"delivery_events": events(ids[:1], START)}, {"k1"})
    orphan = "delivery_events/date=2024-01-01/part-0123456789abcdef.parquet"
    storage.write_bytes(orphan, b"written by a run killed before its entry")
    leftover = "delivery_events/date=2024-01-01/.part-0123456789abcdef.parquet.4242.tmp"
    storage.write_bytes(leftover, b"a killed local write's temporary file")
    foreign = "delivery_events/date=2024-01-01/part-0.parquet"  # not named by this writer
    storage.write_bytes(foreign, b"an older release's file: left alone")
    second = write_stream_day(
        storage, START, {"delivery_events": events(ids, START)}, {"k1", "k2"}, first
    )
    assert set(second.replaced) == {orphan, leftover, first.tables["delivery_events"].file}
    assert storage.exists(orphan)  # until the grace period has passed
    write_stream_day(storage, START, {}, second.raw_keys, second, grace=timedelta(0))
    assert not storage.exists(orphan) and not storage.exists(leftover)
    assert storage.exists(foreign)
    assert open_lake(str(lake_path)).read_verified("delivery_events").num_rows == 3
