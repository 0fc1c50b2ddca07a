"""Load one batch of lake rows into a warehouse target, all-or-nothing.

Order of work, chosen so that a failure at any point leaves the warehouse as it was:
1. outside the transaction (DDL commits implicitly in Snowflake): create missing tables, add
   missing tracked columns, stage the prepared batch, write the temporary plan tables;
2. one transaction: SCD2 close-then-insert and SCD1 overwrite per dimension, re-point affected
   facts, upsert facts, insert new delivery events, calendar days, rejects, the watermark and
   the ``etl_runs`` row — the data and its bookkeeping commit together or not at all.
The caller holds the target's load lock for the whole time (plans read the pre-transaction state).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from time import perf_counter

import pyarrow as pa
import pyarrow.compute as pc

from fleetlake.config import Config
from fleetlake.schema import STREAM_TABLES, TABLES, empty_table
from fleetlake.warehouse.calendar import date_rows, time_rows
from fleetlake.warehouse.delivery_events import (
    insert_delivery_events,
    prepare_delivery_events,
    stage_delivery_events,
)
from fleetlake.warehouse.dimensions import DimCounts, apply_dimension, plan_dimension
from fleetlake.warehouse.model import (
    DIMENSIONS,
    FACT_NATURAL_KEYS,
    FACT_TABLE,
    WAREHOUSE_TABLES,
    DimSpec,
    portable_sql_type,
)
from fleetlake.warehouse.prepare import REJECT_SCHEMA, Prepared, prepare_dimension, prepare_facts
from fleetlake.warehouse.targets import Target, add_missing_columns, run_script

WATERMARK_SCHEMA = pa.schema(
    [
        ("lake_table", pa.string()),
        ("partition_date", pa.date32()),
        ("sha256", pa.string()),
        ("row_count", pa.int64()),
    ]
)


@dataclass
class Batch:
    """Lake rows for one run.

    ``entities``: change-log rows per entity table (missing = no changes). ``trips`` and
    ``deliveries``: whole partitions. ``routes``: current routes (distance and toll measures).
    ``delivery_events``: compacted real-time partitions (new events are inserted).
    ``partitions``: the lake partitions this batch covers (``WATERMARK_SCHEMA``), recorded with it.
    """

    entities: dict[str, pa.Table] = field(default_factory=dict)
    trips: pa.Table = field(default_factory=TABLES["trips"].schema.empty_table)
    deliveries: pa.Table = field(default_factory=TABLES["deliveries"].schema.empty_table)
    routes: pa.Table = field(default_factory=TABLES["routes"].schema.empty_table)
    delivery_events: pa.Table = field(
        default_factory=STREAM_TABLES["delivery_events"].schema.empty_table
    )
    partitions: pa.Table = field(default_factory=WATERMARK_SCHEMA.empty_table)
    lake: str = ""
    lake_identity: str = ""

    @property
    def rows_read(self) -> int:
        tables = (*self.entities.values(), self.trips, self.deliveries, self.delivery_events)
        return sum(t.num_rows for t in tables)


@dataclass(frozen=True)
class RunSummary:
    """What one run did (the same figures as its ``etl_runs`` row)."""

    run_id: int
    status: str
    rows_read: int
    rows_inserted: int
    rows_updated: int
    rows_rejected: int
    partitions_read: int
    seconds: float


def ensure_schema(target: Target) -> None:
    """Create missing tables, the unknown members and dim_time (idempotent; quick when done)."""
    if set(WAREHOUSE_TABLES) <= set(target.tables()):
        return
    run_script(target, "schema.sql")
    run_script(target, "delivery_events_schema.sql")
    run_script(target, "unknown_members.sql")
    if target.query("SELECT COUNT(*) FROM dim_time")[0][0] <= 1:
        target.stage("stg_dim_time", time_rows())
        target.execute(
            "INSERT INTO dim_time SELECT * FROM stg_dim_time s "
            "WHERE NOT EXISTS (SELECT 1 FROM dim_time t WHERE t.time_key = s.time_key)"
        )


# fact_deliveries columns added after its first release (natural ids for re-pointing, source
# partition for reloads), with their DDL types (as in schema.sql).
ADDED_FACT_COLUMNS = (
    *((key, "INTEGER") for key in FACT_NATURAL_KEYS[FACT_TABLE]),
    ("partition_date", "DATE"),
)


def upgrade_fact_table(target: Target) -> bool:
    """Bring a fact table built by an older fleetlake up to date; True while it holds facts
    written before the added columns (their ``partition_date`` is NULL).

    Run before the watermark is read. Only DDL, before the load's transaction: the columns are
    added (NULL), nothing is cleared. While this returns True the caller ignores the
    trips/deliveries watermark, so the load re-reads every event partition, and
    ``facts_plan.sql`` rewrites each fact lacking ``partition_date`` in place, keeping its
    surrogate key. A failed load leaves the facts and the watermark as they were; the next one
    does the same work.
    """
    if not target.columns(FACT_TABLE):
        return False
    add_missing_columns(target, FACT_TABLE, ADDED_FACT_COLUMNS)
    return bool(target.query(f"SELECT 1 FROM {FACT_TABLE} WHERE partition_date IS NULL LIMIT 1"))


def ensure_tracked_columns(target: Target, dim: DimSpec, staged: pa.Schema) -> None:
    """Add tracked columns the dimension lacks. Old versions get NULL: history is not rewritten."""
    columns = ((c, portable_sql_type(staged.field(c).type)) for c in dim.tracked)
    add_missing_columns(target, dim.table, columns)


def _calendar_for(*date_keys: pa.ChunkedArray) -> pa.Table:
    """The calendar days from the earliest to the latest known date key of the batch's facts."""
    keys = pa.chunked_array([c for k in date_keys for c in k.chunks], pa.int32())
    keys = pc.filter(keys, pc.greater(keys, 0))
    if len(keys) == 0:
        return date_rows(date(2000, 1, 1), date(2000, 1, 1))
    low, high = (int(pc.min(keys).as_py()), int(pc.max(keys).as_py()))
    first = date(low // 10000, low // 100 % 100, low % 100)
    last = date(high // 10000, high // 100 % 100, high % 100)
    return date_rows(first, last + timedelta(days=1))


def next_run_id(target: Target) -> int:
    return int(target.query("SELECT COALESCE(MAX(run_id), 0) FROM etl_runs")[0][0]) + 1


def apply_batch(
    target: Target,
    batch: Batch,
    config: Config,
    dimensions: tuple[DimSpec, ...] = DIMENSIONS,
) -> RunSummary:
    """Load ``batch`` into ``target`` in one transaction and record the run (module docstring)."""
    started = datetime.now(UTC).replace(tzinfo=None)
    clock = perf_counter()
    ensure_schema(target)
    run_id = next_run_id(target)

    prepared_dims: list[tuple[DimSpec, Prepared]] = []
    for dim in dimensions:
        changes = batch.entities.get(dim.source)
        if changes is None:
            changes = empty_table(TABLES[dim.source].schema)
        prepared_dims.append((dim, prepare_dimension(dim, changes)))
    facts = prepare_facts(batch.trips, batch.deliveries, batch.routes, config)
    events = prepare_delivery_events(batch.delivery_events)
    rejects = pa.concat_tables(
        [p.rejects for _, p in prepared_dims] + [facts.rejects, events.rejects]
    )

    # Dimensions without changes in this batch are left alone (no staging, no plan, no DML).
    changed = [dim for dim, prepared in prepared_dims if prepared.rows.num_rows]
    for dim, prepared in prepared_dims:
        if prepared.rows.num_rows:
            ensure_tracked_columns(target, dim, prepared.rows.schema)
            target.stage(dim.stage, prepared.rows)
    # Reloaded trips/deliveries partitions are planned even without valid rows: their old facts go.
    reloaded = set(batch.partitions["lake_table"].to_pylist()) & {"trips", "deliveries"}
    has_facts = facts.rows.num_rows > 0 or bool(reloaded)
    if has_facts:
        target.stage("stg_fact_deliveries", facts.rows)
    target.stage("stg_dim_date", _calendar_for(facts.rows["date_key"], events.rows["date_key"]))
    target.stage("stg_etl_rejects", rejects.cast(REJECT_SCHEMA))
    target.stage("stg_etl_watermark", batch.partitions.cast(WATERMARK_SCHEMA))
    events_new = stage_delivery_events(target, events.rows) if events.rows.num_rows else 0

    counts: list[DimCounts] = [plan_dimension(target, dim) for dim in changed]
    fact_new = fact_updated = 0
    if has_facts:
        run_script(target, "facts_plan.sql")
        # Facts replaced or removed count as updated.
        fact_new, fact_updated = target.query(
            "SELECT COALESCE(SUM(CASE WHEN action = 'insert' THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN action = 'insert' THEN 0 ELSE 1 END), 0) "
            "FROM plan_fact_deliveries"
        )[0]
    inserted = sum(c.inserted for c in counts) + int(fact_new) + events_new
    updated = sum(c.updated for c in counts) + int(fact_updated)
    run_script(target, "rejects_plan.sql")
    recorded = target.query("SELECT COUNT(*) FROM plan_etl_rejects")[0][0]
    rejected = int(recorded) + sum(c.rejected for c in counts)

    with target.transaction():
        for dim in changed:
            apply_dimension(target, dim, run_id)
        if has_facts:
            run_script(target, "facts_delete.sql")
            run_script(target, "facts_insert.sql", [run_id, started])
        if events_new:
            insert_delivery_events(target, run_id, started)
        run_script(target, "load_bookkeeping.sql", [run_id])
        target.execute(
            "INSERT INTO etl_runs (run_id, started_at, finished_at, status, rows_read, "
            "rows_inserted, rows_updated, rows_rejected, partitions_read, lake, lake_identity) "
            "VALUES (?, ?, ?, 'succeeded', ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                started,
                datetime.now(UTC).replace(tzinfo=None),
                batch.rows_read,
                inserted,
                updated,
                rejected,
                batch.partitions.num_rows,
                batch.lake,
                batch.lake_identity,
            ],
        )
    return RunSummary(
        run_id,
        "succeeded",
        batch.rows_read,
        inserted,
        updated,
        rejected,
        batch.partitions.num_rows,
        perf_counter() - clock,
    )
