"""Trips of one day: vehicle, driver, route, times, fuel, load, and status as of the window end.

Draws never depend on the window end, only the status columns do: a trip still on the road when the
window closes is 'in_progress', and becomes 'completed' when ``simulate`` moves the end past its
arrival (the lake rewrites those trailing days).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fleetlake.gen import drivers, vehicles
from fleetlake.gen.columns import day_start_seconds, decimal_from_cents, pick, timestamps
from fleetlake.gen.routes import DISTANCE_KM, ESTIMATED_HOURS
from fleetlake.gen.streams import choice_index, day_rng
from fleetlake.gen.world import DELIVERIES_PER_TRIP, World
from fleetlake.schema import TRIP_STATUSES, TRIPS

# Departure hour weights, 06:00-21:59, peaks 08-10 and 14-16.
DEPARTURE_HOURS = np.arange(6, 22)
DEPARTURE_WEIGHT = np.array([2, 4, 9, 9, 5, 4, 3, 4, 8, 8, 4, 3, 2, 2, 1, 1], dtype=float)
ROUTE_WEIGHT = (1.0 / DISTANCE_KM) / (1.0 / DISTANCE_KM).sum()  # short hauls are more frequent
HOUR_WEIGHT = DEPARTURE_WEIGHT / DEPARTURE_WEIGHT.sum()
CANCELLED_SHARE = 0.02
MIN_DELIVERIES, MAX_DELIVERIES = 2, 6


@dataclass(frozen=True)
class TripPlan:
    """Everything drawn for one day's trips (index = trip within the day)."""

    first_id: int
    vehicle_index: np.ndarray
    driver_index: np.ndarray
    route_index: np.ndarray
    departure: np.ndarray  # seconds since 1970
    drive_seconds: np.ndarray
    cancelled: np.ndarray
    load_cents: np.ndarray
    fuel_cents: np.ndarray
    deliveries: np.ndarray  # deliveries per trip, summing to 4 x trips

    def __len__(self) -> int:
        return len(self.departure)


def _pick_available(rng: np.random.Generator, available: np.ndarray, n: int) -> np.ndarray:
    pool = np.flatnonzero(available)
    if len(pool) == 0:  # only at tiny scale: everyone is in the workshop or on leave
        pool = np.arange(len(available))
    return pool[rng.integers(0, len(pool), n)]


def delivery_counts(rng: np.random.Generator, n: int) -> np.ndarray:
    """2-6 deliveries per trip, mean 4, summing to exactly 4n (mirrored pairs k and 8-k)."""
    half = rng.integers(MIN_DELIVERIES, MAX_DELIVERIES + 1, n // 2)
    counts = np.concatenate([half, 2 * DELIVERIES_PER_TRIP - half, [DELIVERIES_PER_TRIP] * (n % 2)])
    return rng.permutation(counts).astype(np.int64)


def plan(world: World, t: int) -> TripPlan:
    """Draw day t's trips."""
    day = world.day(t)
    rng = day_rng(world.seed, "trips", day)
    n = world.trips_on(t)
    fleet = vehicles.fleet(world)
    vehicle = _pick_available(rng, vehicles.in_service_mask(world, t), n)
    driver = _pick_available(rng, drivers.available_mask(world, t), n)
    # exactly what rng.choice(..., p=...) draws, without validating p on every call
    route = choice_index(rng.random(n), ROUTE_WEIGHT)
    hour = DEPARTURE_HOURS[choice_index(rng.random(n), HOUR_WEIGHT)]
    departure = day_start_seconds(day) + hour * 3600 + rng.integers(0, 3600, n)
    drive = np.round(ESTIMATED_HOURS[route] * 3600 * rng.uniform(0.85, 1.3, n)).astype(np.int64)
    cancelled = rng.random(n) < CANCELLED_SHARE
    load = np.floor(fleet.capacity_cents[vehicle] * rng.uniform(0.4, 0.9, n)).astype(np.int64)
    litres = DISTANCE_KM[route] * fleet.litres_per_100km[vehicle] * rng.uniform(0.95, 1.05, n) / 100
    return TripPlan(
        first_id=world.trips_before(t) + 1,
        vehicle_index=vehicle,
        driver_index=driver,
        route_index=route,
        departure=departure,
        drive_seconds=drive,
        cancelled=cancelled,
        load_cents=load,
        fuel_cents=np.round(litres * 100).astype(np.int64),
        deliveries=delivery_counts(rng, n),
    )


def status(plan: TripPlan, arrival: np.ndarray, as_of: int) -> np.ndarray:
    """Status index (schema.TRIP_STATUSES) as of ``as_of`` seconds."""
    return np.where(plan.cancelled, 2, np.where(arrival <= as_of, 0, 1))


def table(plan: TripPlan, arrival: np.ndarray, as_of: int) -> pa.Table:
    """The trips table of a plan, with arrival times from its deliveries (see ``deliveries``)."""
    state = status(plan, arrival, as_of)
    finished = state == 0
    money = TRIPS.schema.field("fuel_consumed_liters").type
    return pa.Table.from_arrays(
        [
            pa.array((plan.first_id + np.arange(len(plan))).astype(np.int32)),
            pa.array((plan.vehicle_index + 1).astype(np.int32)),
            pa.array((plan.driver_index + 1).astype(np.int32)),
            pa.array((plan.route_index + 1).astype(np.int32)),
            timestamps(plan.departure),
            timestamps(arrival, mask=~finished),
            decimal_from_cents(plan.fuel_cents, money, mask=~finished),
            decimal_from_cents(plan.load_cents, money),
            pick(TRIP_STATUSES, state),
        ],
        schema=TRIPS.schema,
    )
