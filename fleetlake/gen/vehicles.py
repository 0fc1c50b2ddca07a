"""Vehicles: static attributes, retirement, and the maintenance schedule that drives their status.

Each vehicle gets maintenance every ~10,000 km: with the route mix a vehicle drives ~350 km a day,
so its events are ~29 days apart. The per-vehicle event counts over the default window are
allocated so that they sum exactly to ``round(5,000 * sf)``. An engine ('Motor') job takes the
vehicle out of service for 2-5 days (status 'maintenance'); some vehicles retire ('inactive').
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pyarrow as pa

from fleetlake.gen.columns import (
    dates,
    decimal_from_cents,
    join,
    number_strings,
    padded,
    pick,
    timestamps,
)
from fleetlake.gen.schedule import NEVER, NO_DAY, PeriodicSchedule, largest_remainder
from fleetlake.gen.streams import EventUniforms, choice_index, uniform
from fleetlake.gen.world import DEFAULT_DAYS, World
from fleetlake.schema import MAINTENANCE_TYPES, VEHICLE_TYPES, VEHICLES

TYPE_MIX = (0.30, 0.30, 0.30, 0.10)
CAPACITY_KG = ((12_000, 20_000, 500), (5_000, 9_000, 250), (1_000, 2_500, 100), (100, 200, 10))
LITRES_PER_100KM = ((25.0, 35.0), (18.0, 26.0), (9.0, 15.0), (2.0, 4.0))
DIESEL_SHARE = (1.0, 1.0, 0.7, 0.0)
RETIRED_PER_WINDOW = 0.06
MAINTENANCE_MIX = (0.35, 0.18, 0.20, 0.08, 0.04, 0.15)  # order of schema.MAINTENANCE_TYPES
ENGINE = MAINTENANCE_TYPES.index("Motor")
LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True)
class Fleet:
    """Per-vehicle attributes (index i is vehicle_id i + 1)."""

    ids: np.ndarray
    type_index: np.ndarray
    capacity_cents: np.ndarray
    diesel: np.ndarray
    acquisition_ordinal: np.ndarray
    litres_per_100km: np.ndarray
    retire_day: np.ndarray  # first day (index) the vehicle is inactive
    maintenance: PeriodicSchedule

    type_draws: EventUniforms
    repair_draws: EventUniforms

    def maintenance_type(self, k: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
        """Type index (schema.MAINTENANCE_TYPES) of event k of each vehicle (all, or ``ids``)."""
        rows = None if ids is None else ids - 1
        return choice_index(self.type_draws(k, rows), MAINTENANCE_MIX)

    def repair_days(self, k: np.ndarray) -> np.ndarray:
        """Days an engine job keeps each vehicle in the workshop."""
        return 2 + (self.repair_draws(k) * 4).astype(np.int64)


def _plates(ids: np.ndarray) -> pa.Array:
    """Unique plates ABC123 from a bijection of the id onto 26^3 * 1000 codes."""
    code = (ids.astype(np.int64) * 7_919_821 + 3_141_592) % (26**3 * 1000)
    letters = [pick(LETTERS, (code // 1000 // 26**p) % 26) for p in (2, 1, 0)]
    return join(*letters, padded("", code % 1000, 3))


@cache
def fleet(world: World) -> Fleet:
    seed = world.seed
    ids = np.arange(1, world.n_vehicles + 1, dtype=np.int64)
    type_index = choice_index(uniform(seed, "vehicles.type", ids), TYPE_MIX)
    low, high, step = (np.array(c)[type_index] for c in zip(*CAPACITY_KG, strict=True))
    steps = np.floor(uniform(seed, "vehicles.capacity", ids) * ((high - low) // step + 1))
    capacity_cents = ((low + steps * step) * 100).astype(np.int64)
    diesel = uniform(seed, "vehicles.fuel", ids) < np.array(DIESEL_SHARE)[type_index]
    acquisition = (
        world.start.toordinal()
        - 30
        - np.floor(uniform(seed, "vehicles.acquired", ids) * 3650).astype(np.int64)
    )
    lo, hi = (np.array(c)[type_index] for c in zip(*LITRES_PER_100KM, strict=True))
    litres = lo + (hi - lo) * uniform(seed, "vehicles.efficiency", ids)
    core = ids <= max(1, -(-world.n_vehicles // 10))  # never retired: the fleet keeps running
    retire = 1 + np.floor(
        uniform(seed, "vehicles.retire", ids) * DEFAULT_DAYS / RETIRED_PER_WINDOW
    ).astype(np.int64)
    retire = np.where(core, np.int64(NEVER), retire)
    active_days = np.minimum(retire, DEFAULT_DAYS).astype(np.float64)
    share = active_days * (0.8 + 0.4 * uniform(seed, "vehicles.km_share", ids))
    per_vehicle = largest_remainder(world.n_maintenance_default_window, share)
    period = np.where(per_vehicle > 0, active_days / np.maximum(per_vehicle, 1), NEVER)
    schedule = PeriodicSchedule(period=period, phase=uniform(seed, "maintenance.phase", ids))
    return Fleet(
        ids,
        type_index,
        capacity_cents,
        diesel,
        acquisition,
        litres,
        retire,
        schedule,
        EventUniforms(seed, "maintenance.type", ids),
        EventUniforms(seed, "maintenance.repair_days", ids),
    )


@lru_cache(maxsize=2)
def _back_from_workshop(world: World, days: range) -> np.ndarray:
    """Per day of ``days`` (rows) and vehicle, the day its latest engine job up to that day ends
    (NO_DAY without one). Cached: the trips and the change log both ask for a block."""
    f = fleet(world)
    had, k, start = f.maintenance.latest(days)
    engine_job = had & (f.maintenance_type(k) == ENGINE)
    return np.where(engine_job, start + f.repair_days(k), NO_DAY)


def in_service(world: World, days: range) -> np.ndarray:
    """Per day of ``days`` (rows), the vehicles that can take a trip: not retired and not in the
    workshop (the day one comes back counts)."""
    t = np.asarray(days)[:, None]
    return (t < fleet(world).retire_day) & (t > _back_from_workshop(world, days))


def statuses(world: World, days: range) -> np.ndarray:
    """Status index (schema.VEHICLE_STATUSES) of every vehicle at the end of each of ``days``."""
    t = np.asarray(days)[:, None]
    repairing = t < _back_from_workshop(world, days)
    return np.where(t >= fleet(world).retire_day, 2, np.where(repairing, 1, 0))


def states(world: World, days: range) -> np.ndarray:
    """What changes of every vehicle at the end of each of ``days``: (status,) per vehicle."""
    return statuses(world, days)[..., None]


def rows(world: World, idx: np.ndarray, state: np.ndarray, seconds: np.ndarray) -> pa.Table:
    """Full rows of vehicles ``idx`` (0-based) in the given ``state`` rows."""
    f = fleet(world)
    status = state[:, 0]
    return pa.Table.from_arrays(
        [
            pa.array(f.ids[idx].astype(np.int32)),
            _plates(f.ids[idx]),
            pick(VEHICLE_TYPES, f.type_index[idx]),
            decimal_from_cents(f.capacity_cents[idx], VEHICLES.schema.field("capacity_kg").type),
            pick(("gasolina", "diesel"), f.diesel[idx].astype(np.int64)),
            dates(f.acquisition_ordinal[idx]),
            pick(("active", "maintenance", "inactive"), status),
            timestamps(seconds),
        ],
        schema=VEHICLES.schema,
    )


def odometer_label(world: World, ids_index: np.ndarray, k: np.ndarray) -> pa.Array:
    """Approximate odometer reading at the k-th maintenance, for descriptions."""
    f = fleet(world)
    years = (world.start.toordinal() - f.acquisition_ordinal[ids_index]) / 365.0
    km = (years * 90_000 + (k + 1) * 10_000).astype(np.int64) // 100 * 100
    return join(number_strings(km), " km")
