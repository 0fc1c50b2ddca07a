"""Incremental loading from the lake: the watermark, the pending partitions, reading a batch.

The watermark is one row per loaded lake partition: (table, day, sha256 of its file). A partition is
pending when the lake's manifest lists it with another hash, or the warehouse has not seen it: new
days, and days that ``simulate`` rewrote (trips under way at the old window end are completed).
Only pending partitions are read, and each file's bytes are checked against the manifest's sha256
before use, so a damaged lake stops the load before anything is written. Compacted real-time
partitions (``delivery_events``) are tracked the same way: a day that got new events is re-read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import pyarrow as pa

from fleetlake.errors import DatabaseError, ValidationError
from fleetlake.lake import Lake
from fleetlake.warehouse.load import WATERMARK_SCHEMA, Batch

ENTITY_SOURCES = ("vehicles", "drivers", "routes", "customers")
EVENT_SOURCES = ("trips", "deliveries")
STREAM_SOURCES = ("delivery_events",)
SOURCES = ENTITY_SOURCES + EVENT_SOURCES + STREAM_SOURCES
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
Partition = tuple[str, date]


def read_watermark(rows: Iterable[tuple]) -> dict[Partition, str]:
    """Check the watermark rows (table, day, sha256) and index them; DatabaseError if corrupted."""
    watermark: dict[Partition, str] = {}
    for table, day, sha in rows:
        problem = None
        if table not in SOURCES:
            problem = f"unknown lake table {table!r}"
        elif not isinstance(day, date):
            problem = f"{table}: partition date {day!r} is not a date"
        elif not isinstance(sha, str) or not _SHA256.match(sha):
            problem = f"{table} {day}: {sha!r} is not a sha256"
        elif (table, day) in watermark:
            problem = f"{table} {day} is recorded twice"
        if problem:
            raise DatabaseError(
                f"the warehouse watermark is corrupted ({problem}); nothing was loaded. "
                "Rebuild the warehouse: drop it and run `fleetlake warehouse load` again"
            )
        watermark[(table, day)] = sha
    return watermark


def lake_identity(lake: Lake) -> str:
    """What makes two lakes the same lake (its location may move, e.g. from disk to S3)."""
    m = lake.manifest
    return f"seed={m.seed} sf={m.sf:g} start={m.start} generator={m.generator_version}"


def check_same_lake(lake: Lake, loaded_from: str | None) -> None:
    """Refuse to mix lakes: the warehouse's last run must have read this same lake."""
    if loaded_from and loaded_from != lake_identity(lake):
        raise DatabaseError(
            f"this warehouse was loaded from another lake ({loaded_from}), not {lake.uri} "
            f"({lake_identity(lake)}); use a new warehouse for it"
        )


def pending_partitions(lake: Lake, watermark: dict[Partition, str]) -> list[Partition]:
    """The lake partitions to (re)load, sorted by table and day.

    Trips and deliveries of one day are always loaded together (deliveries need their trips).
    """
    partitions = {t: lake.partitions(t) for t in SOURCES}
    unknown = sorted(p for p in watermark if p[1] not in partitions.get(p[0], {}))
    if unknown:
        table, day = unknown[0]
        raise DatabaseError(
            f"the warehouse watermark lists {len(unknown)} partition(s) this lake does not have "
            f"(first: {table} {day}); is {lake.uri} the lake this warehouse was loaded from?"
        )
    pending = {
        (table, day)
        for table, days in partitions.items()
        for day, info in days.items()
        if watermark.get((table, day)) != info.sha256
    }
    event_days = {day for table, day in pending if table in EVENT_SOURCES}
    pending |= {(t, d) for t in EVENT_SOURCES for d in event_days if d in partitions[t]}
    return sorted(pending)


def read_batch(lake: Lake, pending: list[Partition]) -> Batch:
    """Read the pending partitions into one batch, with current routes; every file read (routes
    included) is checked against the manifest first (``Lake.read_verified``)."""
    listed = {t: lake.partitions(t) for t in SOURCES}
    by_table: dict[str, list[date]] = {t: [] for t in SOURCES}
    for table, day in pending:
        by_table[table].append(day)
    marks = [
        (table, day, listed[table][day].sha256, listed[table][day].rows) for table, day in pending
    ]
    try:
        tables = {t: lake.read_verified(t, by_table[t]) for t in SOURCES}
        routes = lake.current("routes", verified=True)  # every trip's distance and tolls
    except ValidationError as e:
        raise ValidationError(f"{e} (the warehouse was not changed)") from None
    return Batch(
        entities={t: tables[t] for t in ENTITY_SOURCES},
        trips=tables["trips"],
        deliveries=tables["deliveries"],
        delivery_events=tables["delivery_events"],
        routes=routes,
        partitions=pa.Table.from_pylist(
            [dict(zip(WATERMARK_SCHEMA.names, m, strict=True)) for m in marks],
            schema=WATERMARK_SCHEMA,
        ),
        lake=lake.uri,
        lake_identity=lake_identity(lake),
    )
