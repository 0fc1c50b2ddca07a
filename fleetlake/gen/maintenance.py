"""Maintenance records: one per scheduled event of the vehicle schedules (see ``vehicles``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fleetlake.gen.columns import dates, decimal_from_cents, join, pick
from fleetlake.gen.pools import WORKSHOPS
from fleetlake.gen.streams import box_muller, uniform
from fleetlake.gen.vehicles import fleet, odometer_label
from fleetlake.gen.world import World
from fleetlake.schema import MAINTENANCE, MAINTENANCE_TYPES

BASE_COST_COP = np.array([250_000, 800_000, 2_400_000, 1_200_000, 6_000_000, 180_000], float)
VEHICLE_COST_FACTOR = np.array([2.2, 1.6, 1.0, 0.35])  # by vehicle type
WORK_DONE = (
    "cambio de aceite y filtros",
    "cambio de pastillas y revisión del sistema de frenos",
    "rotación y cambio de llantas",
    "revisión técnico-mecánica general",
    "reparación de motor",
    "alineación y balanceo",
)


def count_before(world: World, t: int) -> int:
    """Maintenance records on days [0, t): the id of day t's first record is this + 1."""
    f = fleet(world)
    return int(f.maintenance.count_before(np.minimum(t, f.retire_day)).sum())


@dataclass(frozen=True)
class MaintenanceDue:
    """The maintenance events of one day or a block of days, ordered by day then vehicle."""

    ids: np.ndarray  # maintenance_id
    day: np.ndarray  # day index
    idx: np.ndarray  # 0-based vehicle index
    k: np.ndarray  # the event's number in the vehicle's schedule

    def __len__(self) -> int:
        return len(self.ids)


def due(world: World, days: range) -> MaintenanceDue:
    """The maintenance events of the consecutive ``days``."""
    f = fleet(world)
    t = np.asarray(days)[:, None]
    k = f.maintenance.count_before(t)  # the first event on or after each day
    on_day = (f.maintenance.event_day(k) == t) & (t < f.retire_day)
    row, idx = np.nonzero(on_day)  # by day, then vehicle
    n = len(idx)
    first_id = count_before(world, days.start) + 1
    return MaintenanceDue(first_id + np.arange(n), days.start + row, idx, k[row, idx])


def table(world: World, events: MaintenanceDue) -> pa.Table:
    """The maintenance records of the events."""
    f = fleet(world)
    idx, k = events.idx, events.k
    vehicle_ids = f.ids[idx]
    kind = f.maintenance_type(k, vehicle_ids)
    noise = np.exp(0.25 * _normal(world.seed, vehicle_ids, k))
    cost = BASE_COST_COP[kind] * VEHICLE_COST_FACTOR[f.type_index[idx]] * noise
    cost_cents = np.round(cost, -2).astype(np.int64) * 100
    next_day = f.maintenance.period[idx] * (f.maintenance.phase[idx] + k + 1)
    next_day = np.floor(next_day).astype(np.int64)
    has_next = next_day < f.retire_day[idx]
    workshop = uniform(world.seed, "maintenance.workshop", vehicle_ids, k) * len(WORKSHOPS)
    return pa.Table.from_arrays(
        [
            pa.array(events.ids.astype(np.int32)),
            pa.array(vehicle_ids.astype(np.int32)),
            dates(world.start.toordinal() + events.day),
            pick(MAINTENANCE_TYPES, kind),
            join(
                pick(MAINTENANCE_TYPES, kind),
                ": ",
                pick(WORK_DONE, kind),
                " (odómetro ",
                odometer_label(world, idx, k),
                ")",
            ),
            decimal_from_cents(cost_cents, MAINTENANCE.schema.field("cost").type),
            dates(next_day + world.start.toordinal(), mask=~has_next),
            pick(WORKSHOPS, workshop.astype(np.int64)),
        ],
        schema=MAINTENANCE.schema,
    )


def _normal(seed: int, ids: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Standard normal draws per (vehicle, event) from two hashed uniforms."""
    return box_muller(
        uniform(seed, "maintenance.cost_u1", ids, k), uniform(seed, "maintenance.cost_u2", ids, k)
    )
