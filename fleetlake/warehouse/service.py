"""The warehouse's entry points: load incrementally from the lake, report status, demo history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from time import perf_counter
from typing import Any

from fleetlake.config import Config
from fleetlake.warehouse.incremental import (
    EVENT_SOURCES,
    check_same_lake,
    pending_partitions,
    read_batch,
    read_watermark,
)
from fleetlake.warehouse.load import RunSummary, apply_batch, upgrade_fact_table
from fleetlake.warehouse.model import WAREHOUSE_TABLES
from fleetlake.warehouse.targets import Target, open_target


def _watermark_rows(target: Target) -> list[tuple]:
    if not target.columns("etl_watermark"):
        return []
    return target.query("SELECT lake_table, partition_date, sha256 FROM etl_watermark")


def _loaded_from(target: Target) -> str | None:
    if not target.columns("etl_runs"):
        return None
    last = target.query("SELECT lake_identity FROM etl_runs ORDER BY run_id DESC LIMIT 1")
    return last[0][0] if last else None


def load_warehouse(
    config: Config,
    *,
    validate: bool = False,
    target_options: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunSummary | None:
    """Load the lake partitions that arrived or changed since the last run; None if up to date.

    Holds the target's load lock throughout: a second concurrent load is refused, never
    interleaved. Any failure (damaged lake, corrupted watermark, lost connection) leaves the
    warehouse as it was. ``progress`` receives a line per step.
    """
    from fleetlake.lake import open_lake

    say = progress or (lambda line: None)
    clock = perf_counter()
    lake = open_lake(config.lake, endpoint_url=config.s3_endpoint_url)
    if validate:
        say(f"validating {lake.uri}")
        from fleetlake.lake.saved_validation import refuse_invalid

        refuse_invalid(lake, "the warehouse was not changed")
    target = open_target(config, **(target_options or {}))
    try:
        with target.lock():
            check_same_lake(lake, _loaded_from(target))
            rows = _watermark_rows(target)
            if upgrade_fact_table(target):
                say("fact_deliveries gained natural ids: every trips/deliveries partition reloads")
                rows = [row for row in rows if row[0] not in EVENT_SOURCES]
            watermark = read_watermark(rows)
            pending = pending_partitions(lake, watermark)
            if not pending:
                return None
            say(f"reading {len(pending)} new or changed partitions from {lake.uri}")
            batch = read_batch(lake, pending)
            say(f"loading {batch.rows_read:,} rows into {target.name} (one transaction)")
            summary = apply_batch(target, batch, config)
            return replace(summary, seconds=perf_counter() - clock)  # reading included
    finally:
        target.close()


def warehouse_status(
    config: Config, *, target_options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The watermark per lake table, the last runs and the row count of every table."""
    target = open_target(config, **{"must_exist": True, **(target_options or {})})
    try:
        if not target.columns("etl_runs"):
            return {"target": target.name, "initialized": False}
        watermark = [
            {"table": t, "partitions": int(n), "first": str(lo), "last": str(hi)}
            for t, n, lo, hi in target.query(
                "SELECT lake_table, COUNT(*), MIN(partition_date), MAX(partition_date) "
                "FROM etl_watermark GROUP BY lake_table ORDER BY lake_table"
            )
        ]
        columns = (
            "run_id", "started_at", "finished_at", "status", "rows_read", "rows_inserted",
            "rows_updated", "rows_rejected", "partitions_read",
        )  # fmt: skip
        runs = [
            {c: (str(v) if c.endswith("_at") else v) for c, v in zip(columns, row, strict=True)}
            for row in target.query(
                f"SELECT {', '.join(columns)} FROM etl_runs ORDER BY run_id DESC LIMIT 5"
            )
        ]
        present = set(target.tables())  # an older release's warehouse lacks the newer tables
        counts = {
            t: int(target.query(f"SELECT COUNT(*) FROM {t}")[0][0])
            for t in WAREHOUSE_TABLES
            if t in present
        }
        last = target.query("SELECT lake, lake_identity FROM etl_runs ORDER BY run_id DESC LIMIT 1")
        return {
            "target": target.name,
            "initialized": True,
            "lake": {"uri": last[0][0], "identity": last[0][1]} if last else None,
            "watermark": watermark,
            "runs": runs,
            "rows": counts,
        }
    finally:
        target.close()


def unlock_warehouse(config: Config, *, target_options: dict[str, Any] | None = None) -> str | None:
    """Release the load lock a dead load left behind; describe its holder (None: it was free).

    Snowflake: clears the ``etl_lock`` row (a lock whose heartbeat stopped is also taken over by
    the next load after ``LOCK_EXPIRY_SECONDS``). DuckDB: the OS releases the lock with its
    process, so there is never one to clear; a load still running is reported as an error.
    """
    target = open_target(config, **{"must_exist": True, **(target_options or {})})
    try:
        return target.unlock()
    finally:
        target.close()


def demo_summary(config: Config) -> str:
    """Build (or update) the DuckDB warehouse from the config's lake; show a few SCD2 histories.

    Returns a short text: what the load did, then every version of the two vehicles with the
    most history (status, validity window in UTC, current flag).
    """
    config = replace(config, warehouse_target="duckdb")
    summary = load_warehouse(config)
    target = open_target(config, must_exist=True)
    try:
        history = target.query(
            "SELECT vehicle_id, license_plate, status, valid_from, valid_to, is_current "
            "FROM dim_vehicle WHERE vehicle_id IN ("
            "  SELECT vehicle_id FROM dim_vehicle WHERE vehicle_id > 0 GROUP BY vehicle_id"
            "  ORDER BY COUNT(*) DESC, vehicle_id LIMIT 2) "
            "ORDER BY vehicle_id, valid_from"
        )
        facts = target.query("SELECT COUNT(*) FROM fact_deliveries")[0][0]
    finally:
        target.close()
    if summary is None:
        head = f"warehouse {config.warehouse_path}: up to date, {facts:,} facts"
    else:
        head = (
            f"warehouse {config.warehouse_path}: run {summary.run_id} read {summary.rows_read:,} "
            f"rows, inserted {summary.rows_inserted:,}, updated {summary.rows_updated:,}, "
            f"rejected {summary.rows_rejected:,} in {summary.seconds:.2f} s; {facts:,} facts"
        )
    lines = [head, "SCD2 history (dim_vehicle, UTC):"]
    lines.append(
        f"  {'id':>4} {'plate':<10} {'status':<12} {'valid_from':<19}  {'valid_to':<19}  cur"
    )
    for vid, plate, status, start, end, current in history:
        end_text = "open" if end.year == 9999 else f"{end:%Y-%m-%d %H:%M:%S}"
        lines.append(
            f"  {vid:>4} {plate:<10} {status:<12} {start:%Y-%m-%d %H:%M:%S}  {end_text:<19}  "
            f"{'yes' if current else 'no'}"
        )
    return "\n".join(lines)


def demo_events_summary(config: Config) -> str:
    """Load what ``compact`` added to the lake into the DuckDB warehouse (incrementally) and say
    how many delivery events each holds: one line for the quick-start demo."""
    from fleetlake.lake import open_lake

    config = replace(config, warehouse_target="duckdb")
    lake = open_lake(config.lake, endpoint_url=config.s3_endpoint_url)
    in_lake = sum(p.rows for p in lake.partitions("delivery_events").values())
    summary = load_warehouse(config)
    target = open_target(config, must_exist=True)
    try:
        facts, deliveries, final = target.query(
            "SELECT COUNT(*), COUNT(DISTINCT delivery_id), "
            "COALESCE(SUM(CASE WHEN is_final THEN 1 ELSE 0 END), 0) FROM fact_delivery_events"
        )[0]
    finally:
        target.close()
    run = (
        "nothing new to load"
        if summary is None
        else f"run {summary.run_id} inserted {summary.rows_inserted:,} rows"
    )
    return (
        f"lake delivery_events: {in_lake:,} rows in {len(lake.partition_dates('delivery_events'))} "
        f"partitions; warehouse {run}: fact_delivery_events {facts:,} rows "
        f"({deliveries:,} deliveries, {final:,} final statuses)"
    )
