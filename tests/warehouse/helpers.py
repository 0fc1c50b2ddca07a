"""Loading tiny batches and reading warehouse state back, for the contract tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from fleetlake.config import Config
from fleetlake.warehouse.load import WATERMARK_SCHEMA, Batch, RunSummary, apply_batch
from fleetlake.warehouse.model import OPEN_END, DimSpec
from fleetlake.warehouse.targets import Target
from tests.warehouse.rows import rows

ENTITIES = ("vehicles", "drivers", "routes", "customers")


def load(target: Target, config: Config | None = None, **tables: pa.Table) -> RunSummary:
    """Apply one batch; keyword names are lake tables. Routes default to route 1 for measures.

    ``trips`` and ``deliveries`` are whole lake partitions, as the lake delivers them: the batch
    covers the trips' departure days (trips and deliveries of one day always travel together).
    """
    batch = Batch(entities={name: tables[name] for name in ENTITIES if name in tables})
    if "trips" in tables:
        batch.trips = tables["trips"]
        days = sorted({d.date() for d in tables["trips"]["departure_datetime"].to_pylist()})
        batch.partitions = pa.Table.from_pylist(
            [
                {"lake_table": t, "partition_date": d, "sha256": "0" * 64, "row_count": 1}
                for d in days
                for t in ("trips", "deliveries")
            ],
            schema=WATERMARK_SCHEMA,
        )
    if "deliveries" in tables:
        batch.deliveries = tables["deliveries"]
    batch.routes = tables.get("routes", rows("routes", {"route_id": 1}))
    return apply_batch(target, batch, config or Config())


def versions(target: Target, dim: str, natural_id: int, *columns: str) -> list[tuple]:
    """(valid_from, valid_to, is_current, *columns) of one entity, oldest first."""
    extra = "".join(f", {c}" for c in columns)
    nk = {"dim_vehicle": "vehicle_id", "dim_driver": "driver_id"}[dim]
    return target.query(
        f"SELECT valid_from, valid_to, is_current{extra} FROM {dim} "
        f"WHERE {nk} = ? ORDER BY valid_from",
        [natural_id],
    )


def table_rows(target: Target, table: str, exclude: tuple[str, ...] = ()) -> list[tuple]:
    """All rows of a table, sorted, without the named (audit) columns."""
    columns = [c for c in target.columns(table) if c not in exclude]
    return sorted(
        target.query(f"SELECT {', '.join(columns)} FROM {table}"),
        key=lambda r: tuple((v is None, str(v)) for v in r),
    )


def assert_scd2_invariants(target: Target, dim: DimSpec) -> None:
    """Half-open windows chain without gaps or overlaps; exactly one current row per key."""
    history: dict[Any, list[tuple[datetime, datetime, bool]]] = {}
    for nk, start, end, current in target.query(
        f"SELECT {dim.natural_key}, valid_from, valid_to, is_current FROM {dim.table} "
        f"ORDER BY {dim.natural_key}, valid_from"
    ):
        history.setdefault(nk, []).append((start, end, current))
    for nk, windows in history.items():
        assert sum(1 for w in windows if w[2]) == 1, f"{dim.table} {nk}: not one current row"
        for (_, end, _), (start, _, _) in zip(windows, windows[1:], strict=False):
            assert end == start, f"{dim.table} {nk}: gap or overlap at {end} / {start}"
        assert windows[-1][1] == OPEN_END and windows[-1][2], f"{dim.table} {nk}: open end"
        assert all(start < end for start, end, _ in windows), f"{dim.table} {nk}: empty window"
