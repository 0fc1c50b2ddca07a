"""Compaction: raw events in S3 -> lake tables ``gps_pings`` and ``delivery_events``.

Partitioned like the lake (``<table>/date=YYYY-MM-DD/``, Colombia wall-clock date of the event)
and published like it: a day's files first, then its stream entry in the manifest
(``fleetlake.lake.writer.write_stream_day``), so the lake and the warehouse see a day's compacted
events whole or not at all.

Incremental: the stream entry of a day lists the raw objects already compacted into it, and a run
reads only the objects no entry lists (listing the bucket is cheap, reading it is not). Idempotent:
events are keyed by ``event_id``; a partition is rewritten only when events not yet in it arrive,
as the union of old and new rows, so running compaction twice adds nothing and an event ingested
twice is stored once. A run killed before a day's entry is written leaves the entry in force
untouched; the next run reads that day's new objects again. Files a day's entry stopped listing
are deleted by a run at least ``REPLACED_GRACE`` later, so readers of an earlier entry never miss
a file.

Days compacted by releases before stream entries (``<table>/date=YYYY-MM-DD/part-0.parquet``, no
entry) are adopted by the next run: their file becomes the day's partition, merged with that
day's raw objects, so events whose raw objects were pruned since are kept.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from fleetlake.errors import LakeError
from fleetlake.lake.manifest import PartitionInfo, StreamEntry, read_stream_entries
from fleetlake.lake.writer import REPLACED_GRACE, write_stream_day
from fleetlake.schema import (
    DELIVERY_EVENTS,
    GPS_PINGS,
    PARTITION_COLUMN,
    STREAM_TABLES,
    TableSpec,
)
from fleetlake.serverless.models import lake_time
from fleetlake.serverless.raw_events import list_raw_keys, raw_day, read_raw

if TYPE_CHECKING:
    from fleetlake.lake.storage import Storage
    from fleetlake.serverless.resources import Clients

TABLE_OF_TYPE = {"gps": GPS_PINGS.name, "delivery": DELIVERY_EVENTS.name}


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
    raw_objects: int = 0  # raw objects read (not yet compacted)
    skipped_objects: int = 0  # raw objects already compacted, not read again
    raw_records: int = 0
    unique_events: int = 0
    added: dict[str, int] = field(default_factory=dict)  # table -> rows added
    partitions_written: list[str] = field(default_factory=list)

    def summary(self) -> str:
        added = ", ".join(f"{t} +{n}" for t, n in sorted(self.added.items())) or "nothing new"
        return (
            f"read {self.raw_records} raw records ({self.unique_events} distinct events) from "
            f"{self.raw_objects} new objects ({self.skipped_objects} already compacted); "
            f"{added}; {len(self.partitions_written)} partitions written"
        )


def _read_partition(storage: Storage, info: PartitionInfo | None, spec: TableSpec) -> pa.Table:
    """A compacted partition's rows, after checking the file against its stream entry."""
    if info is None or info.file is None:
        return spec.schema.empty_table()
    try:
        data = storage.read_bytes(info.file)
    except FileNotFoundError:
        raise LakeError(f"compacted partition {info.file} is missing from {storage.uri}") from None
    if hashlib.sha256(data).hexdigest() != info.sha256:
        raise LakeError(
            f"compacted partition {info.file} does not match its manifest sha256 "
            f"(run `fleetlake validate --lake {storage.uri}`)"
        )
    return pq.read_table(io.BytesIO(data), schema=spec.schema)


def _legacy_entries(storage: Storage, entries: dict[date, StreamEntry]) -> dict[date, StreamEntry]:
    """Days with an old-layout partition (``part-0.parquet``) and no stream entry, as entries
    listing those files (no raw object compacted yet: the day's raw objects are read again)."""
    found: dict[date, dict[str, PartitionInfo]] = defaultdict(dict)
    for name in sorted(STREAM_TABLES):
        for key in storage.list(name):
            match = re.fullmatch(rf"{name}/{PARTITION_COLUMN}=([-\d]+)/part-0\.parquet", key)
            day = date.fromisoformat(match.group(1)) if match else None
            if day is None or day in entries:
                continue
            data = storage.read_bytes(key)
            rows = pq.read_metadata(io.BytesIO(data)).num_rows
            found[day][name] = PartitionInfo(rows, hashlib.sha256(data).hexdigest(), key)
    return {day: StreamEntry(day, tables) for day, tables in found.items()}


def compact(
    clients: Clients, storage: Storage, grace: timedelta = REPLACED_GRACE
) -> CompactionReport:
    """Move every raw event not yet in the lake into its table's date partition.

    Also adopts old-layout partitions and deletes files replaced ``grace`` ago.
    """
    report = CompactionReport()
    entries = read_stream_entries(storage)
    legacy = _legacy_entries(storage, entries)
    entries |= legacy
    now = datetime.now(UTC)
    new_by_day: dict[date, list[str]] = defaultdict(list)
    for day, entry in entries.items():
        if day in legacy or entry.expired(now, grace):
            new_by_day[day] = []  # rewritten even without new raw objects
    for key in list_raw_keys(clients):
        day = raw_day(key)
        if day in entries and key in entries[day].raw_keys:
            report.skipped_objects += 1
        else:
            new_by_day[day].append(key)
    keys = sorted(k for day_keys in new_by_day.values() for k in day_keys)
    report.raw_objects = len(keys)
    with ThreadPoolExecutor(max_workers=16) as pool:
        contents = dict(zip(keys, pool.map(lambda k: read_raw(clients, k), keys), strict=True))
    for day, day_keys in sorted(new_by_day.items()):
        records = [record for key in sorted(day_keys) for record in contents[key]]
        _compact_day(storage, day, records, frozenset(day_keys), entries.get(day), report, grace)
    return report


def _compact_day(
    storage: Storage,
    day: date,
    records: list[dict[str, Any]],
    keys: frozenset[str],
    previous: StreamEntry | None,
    report: CompactionReport,
    grace: timedelta,
) -> None:
    """Merge one day's new raw records into its partitions; publish them and the day's entry."""
    events: dict[str, dict[str, Any]] = {}
    for record in records:
        events.setdefault(record["event_id"], record)
    report.raw_records += len(records)
    report.unique_events += len(events)
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in events.values():
        rows[TABLE_OF_TYPE[record["type"]]].append(_row(record))
    changed: dict[str, pa.Table] = {}
    for name, table_rows in sorted(rows.items()):
        spec = STREAM_TABLES[name]
        existing = _read_partition(storage, previous and previous.tables.get(name), spec)
        known = set(existing.column("event_id").to_pylist())
        new = [r for r in table_rows if r["event_id"] not in known]
        if not new:
            continue
        combined = pa.concat_tables([existing, pa.Table.from_pylist(new, schema=spec.schema)])
        changed[name] = combined.sort_by([("event_time", "ascending"), ("event_id", "ascending")])
        report.added[name] = report.added.get(name, 0) + len(new)
    compacted = (previous.raw_keys if previous else frozenset()) | keys
    entry = write_stream_day(storage, day, changed, compacted, previous, grace)
    report.partitions_written += [entry.tables[name].file for name in changed]


def read_stream_table(storage: Storage, name: str) -> pa.Table:
    """Every compacted row of ``gps_pings`` or ``delivery_events`` (empty when none)."""
    spec = STREAM_TABLES[name]
    entries = read_stream_entries(storage)
    tables = [_read_partition(storage, entries[day].tables.get(name), spec) for day in entries]
    return pa.concat_tables(tables) if tables else spec.schema.empty_table()
