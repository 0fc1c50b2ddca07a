"""The pure generator: (world, day, window end) -> Arrow tables. No disk, no S3, no config.

``generate_block`` (consecutive days as one table each), ``generate_days`` (the same, cut into
days) and ``generate_day`` are the whole interface. A day's rows depend only on the world (seed,
sf, start), the day, and — for the status columns of trips still under way — the end of the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pyarrow as pa

from fleetlake.gen import customers, deliveries, drivers, maintenance, routes, trips, vehicles
from fleetlake.gen.blocks import concat_days, split_days
from fleetlake.gen.columns import day_start_seconds, day_starts
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
    """Rows of an entity change log for a block of days: who, as of which day, stamped when."""

    idx: np.ndarray  # 0-based entity index
    state: np.ndarray  # what changes, one row per entity row (see each module's ``states``)
    seconds: np.ndarray  # updated_at, seconds since 1970
    day_row: np.ndarray  # the row's day, from 0 for the block's first

    def __len__(self) -> int:
        return len(self.idx)

    @property
    def row_parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What an entity module's ``rows`` builds its table from."""
        return self.idx, self.state, self.seconds


# Per entity table: (world, day, every entity's state at its end) of the last block generated, so
# the next block, which usually starts the day after, need not compute that day again.
_LAST_STATES: dict[str, tuple[World, int, np.ndarray]] = {}


def _states_from_day_before(world: World, name: str, days: range) -> np.ndarray:
    """Every entity's state at the end of each of the days and of the day before (first row)."""
    module = ENTITY_MODULES[name]
    last = _LAST_STATES.get(name)
    if last is not None and last[:2] == (world, days.start - 1):
        before = last[2]
    else:
        before = module.states(world, range(days.start - 1, days.start))[0]
    state = module.states(world, days)
    _LAST_STATES[name] = (world, days.stop - 1, state[-1].copy())
    return np.concatenate([before[None], state])


def _entity_changes(world: World, name: str, days: range) -> EntityChanges:
    """The change log of the days, by day then entity: each entity whose state differs from the
    day before, stamped in office hours; day 0 opens with a snapshot of every entity."""
    state = _states_from_day_before(world, name, days)
    day_row, changed = np.nonzero((state[1:] != state[:-1]).any(axis=2))
    t = days.start + day_row
    day_start = day_starts(world.dates(days))
    at = day_start[day_row] + OFFICE_OPENS + _office_seconds(world.seed, name, changed, t)
    changes = EntityChanges(changed, state[day_row + 1, changed], at, day_row)
    if days.start > 0:
        return changes
    # day 0 opens with a snapshot of every entity as it stood when the history starts
    n = state.shape[1]
    zeros = np.zeros(n, dtype=np.int64)
    snapshot = EntityChanges(np.arange(n), state[0], zeros + day_start[0], zeros)
    return concat_days([snapshot, changes])


def _office_seconds(seed: int, name: str, changed: np.ndarray, t: np.ndarray) -> np.ndarray:
    """When in office hours each of ``changed`` changes on its day t."""
    return (uniform(seed, f"{name}.changed_at", changed + 1, t) * OFFICE_HOURS).astype(np.int64)


def _table(name: str, rows: int, build: Callable[[], pa.Table]) -> pa.Table:
    return build() if rows else empty_table(TABLES[name].schema)


def generate_block(world: World, days: range, window_end: int) -> Block:
    """All tables' rows of the consecutive ``days`` (indexes from ``world.start``); ``window_end``
    is exclusive. Each day's rows are identical to generating that day alone (see ``blocks``)."""
    if days.step != 1 or not days:
        raise ValueError(f"a block is one or more consecutive days, not {days}")
    as_of = day_start_seconds(world.day(window_end))
    changes = {name: _entity_changes(world, name, days) for name in ENTITY_MODULES}
    plan = trips.plan(world, days)
    drawn, arrival = deliveries.draw(world, days, plan, as_of)
    due = maintenance.due(world, days)
    tables = {
        name: _table(name, len(log), partial(ENTITY_MODULES[name].rows, world, *log.row_parts))
        for name, log in changes.items()
    } | {
        "trips": _table("trips", len(plan), partial(trips.table, plan, arrival, as_of)),
        "deliveries": _table("deliveries", len(drawn), partial(deliveries.table, world, drawn)),
        "maintenance": _table("maintenance", len(due), partial(maintenance.table, world, due)),
    }
    day_rows = {name: c.day_row for name, c in changes.items()} | {
        "trips": plan.day_row,
        "deliveries": np.repeat(plan.day_row, plan.deliveries),
        "maintenance": due.day - days.start,
    }
    return Block(
        tables,
        {name: np.bincount(rows, minlength=len(days)).tolist() for name, rows in day_rows.items()},
    )


def generate_days(world: World, days: range, window_end: int) -> list[dict[str, pa.Table]]:
    """Each of the consecutive ``days``' tables: ``generate_block`` cut into days."""
    return generate_block(world, days, window_end).days()


def generate_day(world: World, t: int, window_end: int) -> dict[str, pa.Table]:
    """All tables' rows of day ``t`` (index from ``world.start``); ``window_end`` is exclusive."""
    return generate_days(world, range(t, t + 1), window_end)[0]
