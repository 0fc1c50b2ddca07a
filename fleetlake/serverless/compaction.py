"""Compaction: raw events in S3 -> lake tables ``gps_pings`` and ``delivery_events``.

Partitioned like the lake (``<table>/date=YYYY-MM-DD/part-0.parquet``, Colombia wall-clock
date of the event). Idempotent: events are keyed by ``event_id``; a partition is rewritten only
when events not yet in it arrive, as the union of old and new rows, so running compaction twice
adds nothing and an event ingested twice is stored once. Each partition file is written
atomically by the lake's storage layer.
"""

from __future__ import annotations

import io
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from fleetlake.lake.writer import encode_parquet, partition_key
from fleetlake.schema import TS, TableSpec
from fleetlake.serverless.models import lake_time
from fleetlake.serverless.raw_events import list_raw_keys, read_raw

if TYPE_CHECKING:
    from fleetlake.lake.storage import Storage
    from fleetlake.serverless.resources import Clients

GPS_PINGS = TableSpec(
    "gps_pings",
    pa.schema(
        [
            ("event_id", pa.string(), False),
            ("vehicle_id", pa.int32(), False),
            ("trip_id", pa.int32(), False),
            ("route_id", pa.int32(), False),
            ("lat", pa.float64(), False),
            ("lon", pa.float64(), False),
            ("speed_kmh", pa.float64(), False),
            ("event_time", TS, False),
        ]
    ),
    ("event_id",),
    "event_time",
    False,
)

DELIVERY_EVENTS = TableSpec(
    "delivery_events",
    pa.schema(
        [
            ("event_id", pa.string(), False),
            ("delivery_id", pa.int32(), False),
            ("delivery_status", pa.string(), False),
            ("event_time", TS, False),
            ("recipient_signature", pa.bool_()),
            ("vehicle_id", pa.int32()),
        ]
    ),
    ("event_id",),
    "event_time",
    False,
)

STREAM_TABLES = {"gps": GPS_PINGS, "delivery": DELIVERY_EVENTS}


def _row(record: dict[str, Any]) -> dict[str, Any]:
    moment = lake_time(datetime.fromisoformat(record["time"]))
    if record["type"] == "gps":
        return {
            "event_id": record["event_id"],
            "vehicle_id": record["vehicle"],
            "trip_id": record["trip"],
            "route_id": record["route"],
            "lat": record["lat"],
            "lon": record["lon"],
            "speed_kmh": record["speed"],
            "event_time": moment,
        }
    return {
        "event_id": record["event_id"],
        "delivery_id": record["delivery"],
        "delivery_status": record["status"],
        "event_time": moment,
        "recipient_signature": record.get("signature"),
        "vehicle_id": record.get("vehicle"),
    }


@dataclass
class CompactionReport:
    raw_objects: int = 0
    raw_records: int = 0
    unique_events: int = 0
    added: dict[str, int] = field(default_factory=dict)  # table -> rows added
    partitions_written: list[str] = field(default_factory=list)

    def summary(self) -> str:
        added = ", ".join(f"{t} +{n}" for t, n in sorted(self.added.items())) or "nothing new"
        return (
            f"read {self.raw_records} raw records ({self.unique_events} distinct events) from "
            f"{self.raw_objects} objects; {added}; "
            f"{len(self.partitions_written)} partitions written"
        )


def _read_partition(storage: Storage, key: str, spec: TableSpec) -> pa.Table:
    try:
        data = storage.read_bytes(key)
    except FileNotFoundError:
        return spec.schema.empty_table()
    return pq.read_table(io.BytesIO(data), schema=spec.schema)


def compact(clients: Clients, storage: Storage) -> CompactionReport:
    """Move every raw event not yet in the lake into its table's date partition."""
    report = CompactionReport()
    keys = sorted(list_raw_keys(clients))
    report.raw_objects = len(keys)
    with ThreadPoolExecutor(max_workers=16) as pool:
        batches = list(pool.map(lambda k: read_raw(clients, k), keys))
    events: dict[str, dict[str, Any]] = {}
    for records in batches:
        for record in records:
            report.raw_records += 1
            events.setdefault(record["event_id"], record)
    report.unique_events = len(events)
    grouped: dict[tuple[str, date], list[dict[str, Any]]] = defaultdict(list)
    for record in events.values():
        row = _row(record)
        grouped[(STREAM_TABLES[record["type"]].name, row["event_time"].date())].append(row)
    specs = {spec.name: spec for spec in STREAM_TABLES.values()}
    for (name, day), rows in sorted(grouped.items()):
        spec, key = specs[name], partition_key(name, day)
        existing = _read_partition(storage, key, spec)
        known = set(existing.column("event_id").to_pylist())
        new = [r for r in rows if r["event_id"] not in known]
        if not new:
            continue
        combined = pa.concat_tables([existing, pa.Table.from_pylist(new, schema=spec.schema)])
        combined = combined.sort_by([("event_time", "ascending"), ("event_id", "ascending")])
        storage.write_bytes(key, encode_parquet(combined))
        report.added[name] = report.added.get(name, 0) + len(new)
        report.partitions_written.append(key)
    return report


def read_stream_table(storage: Storage, name: str) -> pa.Table:
    """Every compacted row of ``gps_pings`` or ``delivery_events`` (empty when none)."""
    spec = {s.name: s for s in STREAM_TABLES.values()}[name]
    keys = [k for k in storage.list(name) if k.endswith(".parquet")]
    tables = [_read_partition(storage, k, spec) for k in keys]
    return pa.concat_tables(tables) if tables else spec.schema.empty_table()
