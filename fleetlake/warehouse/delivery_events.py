"""fact_delivery_events: the real-time delivery status events, loaded from the lake's compacted
``delivery_events`` partitions.

Modelled at event grain (a transaction fact), not by overwriting ``fact_deliveries``: the
delivery fact is the generated, planned-vs-actual record of each delivery, while the status
events are what the devices reported and when. Keeping them apart keeps both facts additive and
immutable: an event is inserted once (by ``event_id``) and never updated, so re-reading a
compacted partition that grew adds only its new events (and rejects only its new invalid ones).
A delivery's real-time status is its latest event; ``delivery_id`` drills across to
``fact_deliveries``. Each event points to the vehicle version valid at its time; a version that
arrives later (a back-dated change, or the vehicle's first version) re-points it, like
``fact_deliveries`` (``model.FACT_NATURAL_KEYS``).
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from fleetlake.schema import DELIVERY_STATUSES, LAKE_UTC_OFFSET_HOURS
from fleetlake.sql_files import read_sql
from fleetlake.warehouse.model import EVENT_FACT_TABLE
from fleetlake.warehouse.prepare import Prepared, local_duckdb, split_prepared
from fleetlake.warehouse.targets import Target, run_script

SOURCE = "delivery_events"
TABLE = EVENT_FACT_TABLE
STAGE = f"stg_{TABLE}"
FINAL_STATUSES = ("delivered", "failed", "cancelled")
STAGED_COLUMNS = (
    "event_id",
    "delivery_id",
    "vehicle_id",
    "delivery_status",
    "has_signature",
    "is_final",
    "date_key",
    "time_key",
    "event_at",
)


def prepare_delivery_events(events: pa.Table) -> Prepared:
    """Keys, UTC time and validation of one batch of compacted delivery events."""
    con = local_duckdb()
    con.register("delivery_events", events)
    con.execute(
        f"CREATE TEMP TABLE prepared AS {read_sql('warehouse/prepare_delivery_events.sql')}",
        {
            "utc_offset": LAKE_UTC_OFFSET_HOURS,
            "statuses": list(DELIVERY_STATUSES),
            "final_statuses": list(FINAL_STATUSES),
        },
    )
    return split_prepared(
        con,
        SOURCE,
        "event_id",
        f"SELECT {', '.join(STAGED_COLUMNS)} FROM prepared WHERE reject_reason IS NULL "
        "ORDER BY event_at, event_id",
    )


def stage_delivery_events(target: Target, rows: pa.Table) -> int:
    """Stage the prepared events and plan the new ones (outside the transaction); returns how
    many are new."""
    target.stage(STAGE, rows)
    run_script(target, "delivery_events_plan.sql")
    return int(target.query(f"SELECT COUNT(*) FROM plan_{TABLE}")[0][0])


def insert_delivery_events(target: Target, run_id: int, started: datetime) -> None:
    """Insert the staged events not yet loaded (inside the load's transaction)."""
    run_script(target, "delivery_events_insert.sql", [run_id, started])
