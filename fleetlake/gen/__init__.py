"""The pure generator: (world, day, window end) -> Arrow tables. No disk, no S3, no config.

``generate_day`` is the whole interface. A day's rows depend only on the world (seed, sf, start),
the day, and — for the status columns of trips still under way — the end of the window.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from fleetlake.gen import customers, deliveries, drivers, maintenance, routes, trips, vehicles
from fleetlake.gen.columns import day_start_seconds
from fleetlake.gen.streams import uniform
from fleetlake.gen.world import DEFAULT_DAYS, DEFAULT_START, GENERATOR_VERSION, World
from fleetlake.schema import TABLES

ENTITY_MODULES = {
    "vehicles": vehicles,
    "drivers": drivers,
    "routes": routes,
    "customers": customers,
}
OFFICE_OPENS, OFFICE_HOURS = 7 * 3600, 11 * 3600

__all__ = ["DEFAULT_DAYS", "DEFAULT_START", "GENERATOR_VERSION", "World", "generate_day"]


def _entity_rows(world: World, name: str, t: int) -> pa.Table:
    module = ENTITY_MODULES[name]
    day_start = day_start_seconds(world.day(t))
    parts = []
    if t == 0:  # the opening snapshot: every entity as it stood when the history starts
        everyone = np.ones(len(module.changed_on(world, 0)), dtype=bool)
        parts.append(module.rows(world, everyone, -1, day_start))
    changed = module.changed_on(world, t)
    if changed.any():
        ids = np.arange(1, len(changed) + 1)
        at = (
            day_start
            + OFFICE_OPENS
            + (uniform(world.seed, f"{name}.changed_at", ids, t) * OFFICE_HOURS).astype(np.int64)
        )
        parts.append(module.rows(world, changed, t, at))
    if not parts:
        return TABLES[name].schema.empty_table()
    return pa.concat_tables(parts) if len(parts) > 1 else parts[0]


def generate_day(world: World, t: int, window_end: int) -> dict[str, pa.Table]:
    """All tables' rows of day ``t`` (index from ``world.start``); ``window_end`` is exclusive."""
    as_of = day_start_seconds(world.day(window_end))
    plan = trips.plan(world, t)
    delivery_table, arrival = deliveries.generate(world, t, plan, as_of)
    tables = {name: _entity_rows(world, name, t) for name in ENTITY_MODULES}
    tables["trips"] = trips.table(plan, arrival, as_of)
    tables["deliveries"] = delivery_table
    tables["maintenance"] = maintenance.generate(world, t)
    return tables
