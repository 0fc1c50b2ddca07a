"""The pure generator: (world, day, window end) -> Arrow tables. No disk, no S3, no config.

``generate_block`` (consecutive days as one table each), ``generate_days`` (the same, cut into
days) and ``generate_day`` are the whole interface. A day's rows depend only on the world (seed,
sf, start), the day, and — for the status columns of trips still under way — the end of the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fleetlake.gen import customers, deliveries, drivers, maintenance, routes, trips, vehicles
from fleetlake.gen.blocks import concat_days, split_days
from fleetlake.gen.columns import day_start_seconds
from fleetlake.gen.streams import uniform
from fleetlake.gen.world import DEFAULT_DAYS, DEFAULT_START, GENERATOR_VERSION, World
from fleetlake.schema import TABLES, empty_table

ENTITY_MODULES = {
    "vehicles": vehicles,
    "drivers": drivers,
    "routes": routes,
    "customers": customers,
}
OFFICE_OPENS, OFFICE_HOURS = 7 * 3600, 11 * 3600

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_START",
    "GENERATOR_VERSION",
    "World",
    "Block",
    "generate_block",
    "generate_day",
    "generate_days",
]


@dataclass(frozen=True)
class Block:
    """Consecutive days' rows: each table holds the block's days in order, ``counts[name][i]``
    rows of day i (the lake's writer encodes each column once for all the days' files)."""

    tables: dict[str, pa.Table]
    counts: dict[str, list[int]]

    def days(self) -> list[dict[str, pa.Table]]:
        """Each day's tables (zero-copy slices)."""
        cut = {name: split_days(table, self.counts[name]) for name, table in self.tables.items()}
        return [{name: cut[name][i] for name in cut} for i in range(len(self))]

    def __len__(self) -> int:
        return len(next(iter(self.counts.values())))


@dataclass(frozen=True)
class EntityChanges:
    """Rows of an entity change log for one day (or a block): who, as of which day, stamped when."""

    idx: np.ndarray  # 0-based entity index
    state: np.ndarray  # what changes, one row per entity row (see each module's ``state``)
    seconds: np.ndarray  # updated_at, seconds since 1970

    def __len__(self) -> int:
        return len(self.idx)


def _entity_changes(world: World, name: str, t: int) -> EntityChanges:
    module = ENTITY_MODULES[name]
    day_start = day_start_seconds(world.day(t))
    mask = module.changed_on(world, t)  # one flag per entity
    changed = np.flatnonzero(mask)
    at = day_start + OFFICE_OPENS + _office_seconds(world.seed, name, changed, t)
    changes = EntityChanges(changed, module.state(world, changed, t), at)
    if t > 0:
        return changes
    # day 0 opens with a snapshot of every entity as it stood when the history starts
    n = len(mask)
    everyone = np.arange(n)
    snapshot = EntityChanges(everyone, module.state(world, everyone, -1), np.full(n, day_start))
    return concat_days([snapshot, changes])


def _office_seconds(seed: int, name: str, changed: np.ndarray, t: int) -> np.ndarray:
    """When in office hours each of ``changed`` changes on day t (most days change nobody)."""
    if len(changed) == 0:
        return np.zeros(0, dtype=np.int64)
    return (uniform(seed, f"{name}.changed_at", changed + 1, t) * OFFICE_HOURS).astype(np.int64)


def _build(name: str, build: Callable, drawn: list) -> pa.Table:
    """One table for the block's per-day draws."""
    if sum(len(d) for d in drawn) == 0:
        return empty_table(TABLES[name].schema)
    return build(concat_days(drawn))


def generate_block(world: World, days: range, window_end: int) -> Block:
    """All tables' rows of the consecutive ``days`` (indexes from ``world.start``); ``window_end``
    is exclusive. Each day's rows are identical to generating that day alone (see ``blocks``)."""
    as_of = day_start_seconds(world.day(window_end))
    plans, arrivals, drawn, due = [], [], [], []
    changes: dict[str, list[EntityChanges]] = {name: [] for name in ENTITY_MODULES}
    for t in days:
        plan = trips.plan(world, t)
        delivery_draws, arrival = deliveries.draw(world, t, plan, as_of)
        plans.append(plan)
        arrivals.append(arrival)
        drawn.append(delivery_draws)
        for name, found in changes.items():
            found.append(_entity_changes(world, name, t))
        due.append(maintenance.due(world, t))
    builders = {
        name: (lambda c, m=ENTITY_MODULES[name]: m.rows(world, c.idx, c.state, c.seconds), found)
        for name, found in changes.items()
    } | {
        "trips": (lambda p: trips.table(p, np.concatenate(arrivals), as_of), plans),
        "deliveries": (lambda d: deliveries.table(world, d), drawn),
        "maintenance": (lambda m: maintenance.table(world, m), due),
    }
    return Block(
        {name: _build(name, build, parts) for name, (build, parts) in builders.items()},
        {name: [len(part) for part in parts] for name, (_, parts) in builders.items()},
    )


def generate_days(world: World, days: range, window_end: int) -> list[dict[str, pa.Table]]:
    """Each of the consecutive ``days``' tables: ``generate_block`` cut into days."""
    return generate_block(world, days, window_end).days()


def generate_day(world: World, t: int, window_end: int) -> dict[str, pa.Table]:
    """All tables' rows of day ``t`` (index from ``world.start``); ``window_end`` is exclusive."""
    return generate_days(world, range(t, t + 1), window_end)[0]
