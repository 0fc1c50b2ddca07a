"""Star-schema warehouse with SCD2 history, loaded incrementally from the lake into a target.

    lake partitions --(incremental: watermark)--> prepare (local DuckDB: hash, UTC, measures,
    rejects) --> stage into the target --> plan (temporary tables) --> one transaction:
    SCD2 close-then-insert / SCD1 overwrite, re-point facts, upsert facts, watermark, etl_runs

Targets: ``duckdb`` (a local file, the default) and ``snowflake`` (see ``targets/``).
"""

from __future__ import annotations

from fleetlake.warehouse.service import (
    demo_summary,
    load_warehouse,
    unlock_warehouse,
    warehouse_status,
)

__all__ = ["demo_summary", "load_warehouse", "unlock_warehouse", "warehouse_status"]
