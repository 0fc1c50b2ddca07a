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
untouched; the next run reads that day's new objects again. Files a day's entry stopped listing,
and files no entry listed (written by a killed run), are deleted by a run at least
``REPLACED_GRACE`` later, so readers of an earlier entry never miss a file.

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
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from fleetlake.errors import LakeError
from fleetlake.lake.manifest import PartitionInfo, StreamEntry, read_stream_entries
from fleetlake.lake.verify import decode_partition, read_files
from fleetlake.lake.writer import REPLACED_GRACE, write_stream_day
from fleetlake.schema import (
    DELIVERY_EVENTS,
    GPS_PINGS,
    LAKE_UTC_OFFSET_HOURS,
    PARTITION_COLUMN,
    STREAM_TABLES,
    TableSpec,
    empty_table,
)
from fleetlake.serverless.raw_events import list_raw_objects, raw_day, read_raw_body

if TYPE_CHECKING:
    from fleetlake.lake.storage import Storage
    from fleetlake.serverless.resources import Clients

# Each event type's table, and the raw JSON field (models.*.to_record) of each of its columns.
RAW_COLUMNS: dict[str, tuple[TableSpec, dict[str, str]]] = {
    "gps": (
        GPS_PINGS,
        {"event_id": "event_id", "vehicle_id": "vehicle", "trip_id": "trip", "route_id": "route"}
        | {"lat": "lat", "lon": "lon", "speed_kmh": "speed", "event_time": "time"},
    ),
    "delivery": (
        DELIVERY_EVENTS,
        {"event_id": "event_id", "delivery_id": "delivery", "delivery_status": "status"}
        | {"event_time": "time", "recipient_signature": "signature", "vehicle_id": "vehicle"},
    ),
}
# Every raw field; a field an event type lacks reads as null.
_RAW_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("type", pa.string()),
        ("vehicle", pa.int64()),
        ("trip", pa.int64()),
        ("route", pa.int64()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("speed", pa.float64()),
        ("time", pa.string()),
        ("delivery", pa.int64()),
        ("status", pa.string()),
        ("signature", pa.bool_()),
    ]
)
_TIME = _RAW_SCHEMA.get_field_index("time")
_PARSED_SCHEMA = _RAW_SCHEMA.set(_TIME, pa.field("time", pa.timestamp("us")))  # lake time
_RAW_OPTIONS = pa_json.ParseOptions(explicit_schema=_RAW_SCHEMA, unexpected_field_behavior="ignore")
_TO_LAKE_TIME = pa.scalar(timedelta(hours=LAKE_UTC_OFFSET_HOURS), pa.duration("us"))
# Raw objects read at once: with their parsed events, a few times this much memory.
BATCH_BYTES = 256 * 1024 * 1024


def _parse_lines(data: bytes, source: str) -> pa.Table:
    try:
        raw = pa_json.read_json(io.BytesIO(data), parse_options=_RAW_OPTIONS)
        utc = pc.cast(raw["time"], pa.timestamp("us", "UTC")).cast(pa.timestamp("us"))
    except pa.ArrowInvalid as e:
        raise LakeError(f"{source} is not JSON lines of fleet events: {e}") from None
    if pc.any(pc.invert(pc.is_in(raw["type"], value_set=pa.array(list(RAW_COLUMNS))))).as_py():
        raise LakeError(f"{source} holds events of a type other than gps or delivery")
    parsed = raw.set_column(_TIME, "time", pc.subtract(utc, _TO_LAKE_TIME))
    for kind, (spec, _) in RAW_COLUMNS.items():
        try:
            _lake_rows(parsed.filter(pc.equal(parsed["type"], kind)), kind)
        except (pa.ArrowInvalid, ValueError) as e:  # a required field missing, a number too big
            reason = str(e).strip().splitlines()[0]
            raise LakeError(
                f"{source} holds a {kind} event that does not fit {spec.name}: {reason}"
            ) from None
    return parsed


def _lake_rows(events: pa.Table, kind: str) -> pa.Table:
    """Parsed events of one ``kind`` as rows of its lake table (the cast checks nulls, ranges)."""
    spec, fields = RAW_COLUMNS[kind]
    return pa.table([events[fields[n]] for n in spec.schema.names], spec.schema.names).cast(
        spec.schema
    )


def parse_raw(bodies: dict[str, bytes]) -> pa.Table:
    """The records of raw objects, in key order, as columns; ``time`` as lake time (naive
    Colombia wall clock). One Arrow parse of all the objects: no Python loop per event."""
    keys = [k for k in sorted(bodies) if bodies[k].strip()]
    if not keys:
        return empty_table(_PARSED_SCHEMA)
    try:
        return _parse_lines(b"".join(bodies[k].rstrip(b"\n") + b"\n" for k in keys), "raw events")
    except LakeError:
        for key in keys:  # name the object at fault
            _parse_lines(bodies[key], f"raw object {key}")
        raise


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
        return empty_table(spec.schema)
    table, problem = decode_partition(info, read_files(storage, [info.file])[0], spec.schema.names)
    if problem:
        raise LakeError(
            f"compacted partition {info.file} {problem} (run `fleetlake validate --lake "
            f"{storage.uri}`)"
        )
    return table.select(spec.schema.names).cast(spec.schema)


def _stream_files(storage: Storage) -> dict[date, list[str]]:
    """The keys in the stream tables' day directories, by day: one listing per table."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for name in sorted(STREAM_TABLES):
        for key in storage.list(name):
            match = re.fullmatch(rf"{name}/{PARTITION_COLUMN}=(\d{{4}}-\d\d-\d\d)/[^/]+", key)
            try:
                day = date.fromisoformat(match.group(1)) if match else None
            except ValueError:  # date=2024-13-45 is no partition of ours
                day = None
            if day is not None:
                by_day[day].append(key)
    return by_day


def _legacy_entries(
    storage: Storage, entries: dict[date, StreamEntry], files: dict[date, list[str]]
) -> dict[date, StreamEntry]:
    """Days with an old-layout partition (``part-0.parquet``) and no stream entry, as entries
    listing those files (no raw object compacted yet: the day's raw objects are read again)."""
    found: dict[date, dict[str, PartitionInfo]] = defaultdict(dict)
    for day, keys in sorted(files.items()):
        if day in entries:
            continue
        for key in keys:
            name, _, file = key.split("/")
            if file == "part-0.parquet":
                data = storage.read_bytes(key)
                rows = pq.read_metadata(io.BytesIO(data)).num_rows
                found[day][name] = PartitionInfo(rows, hashlib.sha256(data).hexdigest(), key)
    return {day: StreamEntry(day, tables) for day, tables in found.items()}


def compact(
    clients: Clients,
    storage: Storage,
    grace: timedelta = REPLACED_GRACE,
    batch_bytes: int = BATCH_BYTES,
) -> CompactionReport:
    """Move every raw event not yet in the lake into its table's date partition.

    Also adopts old-layout partitions and deletes files replaced ``grace`` ago. The new raw
    objects are read a batch of days (about ``batch_bytes`` of them) at a time, so memory stays
    bounded whatever the backlog; every object is parsed, and refused naming it, before any day
    is published, so a backlog of more than one batch is read twice. (Raw objects are written
    once and never changed; one deleted between the two reads fails the run after the batches
    before its own were published, each of their days whole.)
    """
    report = CompactionReport()
    entries = read_stream_entries(storage)
    files = _stream_files(storage)
    legacy = _legacy_entries(storage, entries, files)
    entries |= legacy
    now = datetime.now(UTC)
    new_by_day: dict[date, dict[str, int]] = defaultdict(dict)
    for day, entry in entries.items():
        if day in legacy or entry.expired(now, grace):
            new_by_day[day] = {}  # rewritten even without new raw objects
    for key, size in list_raw_objects(clients):
        day = raw_day(key)
        if day in entries and key in entries[day].raw_keys:
            report.skipped_objects += 1
        else:
            new_by_day[day][key] = size
    report.raw_objects = sum(len(objects) for objects in new_by_day.values())
    batches = _batches(new_by_day, batch_bytes)
    if len(batches) > 1:
        for batch in batches:  # only checked: nothing is kept
            _parse_days(clients, new_by_day, batch)
    for batch in batches:
        parsed = _parse_days(clients, new_by_day, batch)
        for day in batch:
            keys = frozenset(new_by_day[day])
            previous, present = entries.get(day), files.get(day, [])
            _compact_day(storage, day, parsed.pop(day), keys, previous, report, grace, present)
    return report


def _batches(objects_by_day: dict[date, dict[str, int]], batch_bytes: int) -> list[list[date]]:
    """The days in order, cut into as few runs as keep each under ``batch_bytes`` of raw objects
    (a day larger than that is a run of its own)."""
    batches: list[list[date]] = []
    size = 0
    for day in sorted(objects_by_day):
        day_size = sum(objects_by_day[day].values())
        if not batches or size + day_size > batch_bytes:
            batches.append([])
            size = 0
        batches[-1].append(day)
        size += day_size
    return batches


def _parse_days(
    clients: Clients, objects_by_day: dict[date, dict[str, int]], days: list[date]
) -> dict[date, pa.Table]:
    """The raw objects of ``days``, read concurrently and parsed day by day."""
    keys = sorted(k for day in days for k in objects_by_day[day])
    with ThreadPoolExecutor(max_workers=16) as pool:
        bodies = dict(zip(keys, pool.map(lambda k: read_raw_body(clients, k), keys), strict=True))
    return {day: parse_raw({k: bodies[k] for k in objects_by_day[day]}) for day in days}


def _compact_day(
    storage: Storage,
    day: date,
    raw: pa.Table,
    keys: frozenset[str],
    previous: StreamEntry | None,
    report: CompactionReport,
    grace: timedelta,
    present: list[str],
) -> None:
    """Merge one day's new raw records into its partitions; publish them and the day's entry."""
    indexed = raw.append_column("_index", pa.array(np.arange(raw.num_rows)))
    first = indexed.group_by("event_id", use_threads=False).aggregate([("_index", "min")])
    events = raw.take(first["_index_min"])  # the first record of each event id
    report.raw_records += raw.num_rows
    report.unique_events += events.num_rows
    changed: dict[str, pa.Table] = {}
    for kind, (spec, _) in RAW_COLUMNS.items():
        rows = events.filter(pc.equal(events["type"], kind))
        if not rows.num_rows:
            continue
        existing = _read_partition(storage, previous and previous.tables.get(spec.name), spec)
        rows = rows.filter(pc.invert(pc.is_in(rows["event_id"], value_set=existing["event_id"])))
        if not rows.num_rows:
            continue
        combined = pa.concat_tables([existing, _lake_rows(rows, kind)])
        order = [("event_time", "ascending"), ("event_id", "ascending")]
        changed[spec.name] = combined.sort_by(order)
        report.added[spec.name] = report.added.get(spec.name, 0) + rows.num_rows
    compacted = (previous.raw_keys if previous else frozenset()) | keys
    entry = write_stream_day(storage, day, changed, compacted, previous, grace, present)
    report.partitions_written += [entry.tables[name].file for name in changed]


def read_stream_table(storage: Storage, name: str) -> pa.Table:
    """Every compacted row of ``gps_pings`` or ``delivery_events`` (empty when none)."""
    spec = STREAM_TABLES[name]
    entries = read_stream_entries(storage)
    tables = [_read_partition(storage, entries[day].tables.get(name), spec) for day in entries]
    return pa.concat_tables(tables) if tables else empty_table(spec.schema)
