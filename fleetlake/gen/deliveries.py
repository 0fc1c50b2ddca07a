"""Deliveries of one day's trips, and the trips' actual arrival times that follow from them.

Each trip drops 2-6 packages in its destination city, 20 minutes apart, the last one planned at the
trip's estimated arrival; the trip itself takes 0.85-1.3 x the estimate. About 90 % of
drops land within +/-30 minutes of schedule and about 10 % are 60-180 minutes late; 2 % fail; 95 %
of the delivered ones are signed. Package weights are lognormal and sum to at most the trip load.
Each package goes to a customer who lives in the destination city on that day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fleetlake.gen.columns import decimal_from_cents, padded, pick, timestamps
from fleetlake.gen.customers import addresses, cities_on, clientele, versions_on
from fleetlake.gen.geography import ROUTES
from fleetlake.gen.routes import ESTIMATED_HOURS
from fleetlake.gen.streams import day_rng
from fleetlake.gen.trips import TripPlan, status
from fleetlake.gen.world import DELIVERIES_PER_TRIP, World
from fleetlake.schema import CITIES, DELIVERIES, DELIVERY_STATUSES

LATE_SHARE = 0.10
FAILED_SHARE = 0.02
SIGNED_SHARE = 0.95
DROP_INTERVAL_SECONDS = 1200
DESTINATION_CITY = np.array([CITIES.index(r.destination) for r in ROUTES])
DELIVERED, PENDING, IN_TRANSIT, FAILED, CANCELLED = range(5)


@dataclass(frozen=True)
class DeliveryDraws:
    """Everything drawn for the deliveries of one day (or a block of consecutive days)."""

    first_id: int
    trip_id: np.ndarray
    customer: np.ndarray  # 0-based customer index
    version: np.ndarray  # the customer's home (move count) on the day
    weight_cents: np.ndarray
    scheduled: np.ndarray  # seconds since 1970
    delivered: np.ndarray
    state: np.ndarray  # index into schema.DELIVERY_STATUSES
    signed: np.ndarray

    def __len__(self) -> int:
        return len(self.trip_id)


def draw(world: World, t: int, plan: TripPlan, as_of: int) -> tuple[DeliveryDraws, np.ndarray]:
    """(deliveries, arrival second of every trip) for day t's plan."""
    rng = day_rng(world.seed, "deliveries", world.day(t))
    n, counts = len(plan), plan.deliveries
    m = int(counts.sum())
    trip = np.repeat(np.arange(n), counts)
    first_of_trip = np.cumsum(counts) - counts
    position = np.arange(m) - np.repeat(first_of_trip, counts)

    planned_end = plan.departure + np.round(ESTIMATED_HOURS[plan.route_index] * 3600).astype(
        np.int64
    )
    drops_left = counts[trip] - 1 - position
    scheduled = (planned_end[trip] - drops_left * DROP_INTERVAL_SECONDS) // 60 * 60
    late = rng.random(m) < LATE_SHARE
    offset_minutes = np.where(late, rng.uniform(60, 180, m), rng.uniform(-30, 30, m))
    delivered = np.maximum(
        scheduled + np.round(offset_minutes * 60).astype(np.int64), plan.departure[trip] + 60
    )
    failed = rng.random(m) < FAILED_SHARE
    signed = rng.random(m) < SIGNED_SHARE

    shape = rng.lognormal(0.0, 0.6, m)
    share = shape / np.bincount(trip, weights=shape, minlength=n)[trip]
    fill = rng.uniform(0.75, 1.0, n)
    weight_cents = np.floor(plan.load_cents[trip] * fill[trip] * share).astype(np.int64)

    city_now = cities_on(world, t)
    by_city = np.argsort(city_now, kind="stable")  # int8 keys: a radix sort
    group_size = np.bincount(city_now, minlength=len(CITIES))
    group_start = np.cumsum(group_size) - group_size
    u = rng.random(m)
    dest = DESTINATION_CITY[plan.route_index[trip]]
    size = group_size[dest]
    customer = np.where(
        size > 0,
        by_city[group_start[dest] + np.floor(u * np.maximum(size, 1)).astype(np.int64)],
        np.floor(u * len(city_now)).astype(np.int64),
    )

    arrival = plan.departure + plan.drive_seconds
    trip_state = status(plan, arrival, as_of)[trip]
    done = delivered <= as_of
    state = np.select(
        [trip_state == 2, done & failed, done, scheduled <= as_of],
        [CANCELLED, FAILED, DELIVERED, PENDING],
        IN_TRANSIT,
    )
    drawn = DeliveryDraws(
        first_id=DELIVERIES_PER_TRIP * (plan.first_id - 1) + 1,
        trip_id=plan.first_id + trip,
        customer=customer,
        version=versions_on(world, t)[customer],
        weight_cents=weight_cents,
        scheduled=scheduled,
        delivered=delivered,
        state=state,
        signed=signed,
    )
    return drawn, arrival


def table(world: World, drawn: DeliveryDraws) -> pa.Table:
    """The deliveries table of the draws (ids are consecutive from ``first_id``)."""
    ids = drawn.first_id + np.arange(len(drawn.trip_id))
    is_delivered = drawn.state == DELIVERED
    return pa.Table.from_arrays(
        [
            pa.array(ids.astype(np.int32)),
            pa.array(drawn.trip_id.astype(np.int32)),
            padded("FL", ids, 10),
            clientele(world).name.take(pa.array(drawn.customer)),
            addresses(world, drawn.customer, drawn.version),
            decimal_from_cents(
                drawn.weight_cents, DELIVERIES.schema.field("package_weight_kg").type
            ),
            timestamps(drawn.scheduled),
            timestamps(drawn.delivered, mask=~is_delivered),
            pick(DELIVERY_STATUSES, drawn.state),
            pa.array(is_delivered & drawn.signed),
            pa.array((drawn.customer + 1).astype(np.int32)),
        ],
        schema=DELIVERIES.schema,
    )
