"""Trips of consecutive days: vehicle, driver, route, times, fuel, load, status at the window end.

Draws never depend on the window end, only the status columns do: a trip still on the road when the
window closes is 'in_progress', and becomes 'completed' when ``simulate`` moves the end past its
arrival (the lake rewrites those trailing days).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fleetlake.gen import drivers, vehicles
from fleetlake.gen.columns import day_starts, decimal_from_cents, pick, timestamps
from fleetlake.gen.routes import DISTANCE_KM, ESTIMATED_HOURS
from fleetlake.gen.streams import choice_index, day_uniforms, pick_in_groups
from fleetlake.gen.world import DELIVERIES_PER_TRIP, World
from fleetlake.schema import TRIP_STATUSES, TRIPS

# Departure hour weights, 06:00-21:59, peaks 08-10 and 14-16.
DEPARTURE_HOURS = np.arange(6, 22)
DEPARTURE_WEIGHT = np.array([2, 4, 9, 9, 5, 4, 3, 4, 8, 8, 4, 3, 2, 2, 1, 1], dtype=float)
ROUTE_WEIGHT = (1.0 / DISTANCE_KM) / (1.0 / DISTANCE_KM).sum()  # short hauls are more frequent
HOUR_WEIGHT = DEPARTURE_WEIGHT / DEPARTURE_WEIGHT.sum()
CANCELLED_SHARE = 0.02
MIN_DELIVERIES, MAX_DELIVERIES = 2, 6


# Each trip's draws from its day's stream, in this order (see ``streams.day_uniforms``).
DRAWS = 11
U_VEHICLE, U_DRIVER, U_ROUTE, U_HOUR, U_SECOND, U_DRIVE = range(6)
U_CANCELLED, U_LOAD, U_FUEL, U_PAIR, U_SHUFFLE = range(6, DRAWS)


@dataclass(frozen=True)
class TripPlan:
    """Everything drawn for the trips of consecutive days (index = trip within the days)."""

    first_id: int
    per_day: np.ndarray  # trips of each day
    day_row: np.ndarray  # each trip's day, from 0 for the first day
    vehicle_index: np.ndarray
    driver_index: np.ndarray
    route_index: np.ndarray
    departure: np.ndarray  # seconds since 1970
    drive_seconds: np.ndarray
    cancelled: np.ndarray
    load_cents: np.ndarray
    fuel_cents: np.ndarray
    deliveries: np.ndarray  # deliveries per trip, summing to 4 x trips each day

    def __len__(self) -> int:
        return len(self.departure)


def _pick_available(available: np.ndarray, day_row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Per trip, an entity among those ``available`` on its day (a row per day); anyone on a day
    nobody is (only at tiny scale: everyone in the workshop or on leave)."""
    everyone = available.shape[1]
    members = np.flatnonzero(available) % everyone  # day after day
    return pick_in_groups(members, available.sum(axis=1), day_row, u, everyone)


def delivery_counts(
    per_day: np.ndarray, day_row: np.ndarray, pair: np.ndarray, shuffle: np.ndarray
) -> np.ndarray:
    """2-6 deliveries per trip, mean 4, summing to exactly 4 per trip each day: the first half of a
    day's trips draw k, the second half take 8 - k of their partner, an odd last one 4; then the
    day's counts are shuffled."""
    first = (np.cumsum(per_day) - per_day)[day_row]
    position = np.arange(len(day_row)) - first
    half = (per_day // 2)[day_row]
    drawn = MIN_DELIVERIES + (pair * (MAX_DELIVERIES - MIN_DELIVERIES + 1)).astype(np.int64)
    partner = drawn[np.maximum(first + position - half, 0)]  # read for the second half only
    counts = np.where(
        position < half,
        drawn,
        np.where(position < 2 * half, 2 * DELIVERIES_PER_TRIP - partner, DELIVERIES_PER_TRIP),
    )
    return counts[np.lexsort((shuffle, day_row))]


def plan(world: World, days: range) -> TripPlan:
    """Draw the trips of the consecutive ``days``."""
    before = np.array([world.trips_before(t) for t in range(days.start, days.stop + 1)])
    per_day = np.diff(before)
    day_row = np.repeat(np.arange(len(days)), per_day)
    dates = world.dates(days)
    u = day_uniforms(world.seed, "trips", dates, per_day, DRAWS)
    fleet = vehicles.fleet(world)
    vehicle = _pick_available(vehicles.in_service(world, days), day_row, u[U_VEHICLE])
    driver = _pick_available(drivers.available(world, days), day_row, u[U_DRIVER])
    route = choice_index(u[U_ROUTE], ROUTE_WEIGHT)
    hour = DEPARTURE_HOURS[choice_index(u[U_HOUR], HOUR_WEIGHT)]
    departure = day_starts(dates)[day_row] + hour * 3600 + (u[U_SECOND] * 3600).astype(np.int64)
    drive = np.round(ESTIMATED_HOURS[route] * 3600 * (0.85 + 0.45 * u[U_DRIVE])).astype(np.int64)
    load = np.floor(fleet.capacity_cents[vehicle] * (0.4 + 0.5 * u[U_LOAD])).astype(np.int64)
    litres = DISTANCE_KM[route] * fleet.litres_per_100km[vehicle] * (0.95 + 0.1 * u[U_FUEL]) / 100
    return TripPlan(
        first_id=int(before[0]) + 1,
        per_day=per_day,
        day_row=day_row,
        vehicle_index=vehicle,
        driver_index=driver,
        route_index=route,
        departure=departure,
        drive_seconds=drive,
        cancelled=u[U_CANCELLED] < CANCELLED_SHARE,
        load_cents=load,
        fuel_cents=np.round(litres * 100).astype(np.int64),
        deliveries=delivery_counts(per_day, day_row, u[U_PAIR], u[U_SHUFFLE]),
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
