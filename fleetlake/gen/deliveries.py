"""Deliveries of consecutive days' trips, and the trips' actual arrival times that follow from them.

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
from fleetlake.gen.customers import addresses, clientele, homes
from fleetlake.gen.geography import ROUTES
from fleetlake.gen.routes import ESTIMATED_HOURS
from fleetlake.gen.streams import box_muller, day_uniforms, pick_in_groups
from fleetlake.gen.trips import TripPlan, status
from fleetlake.gen.world import DELIVERIES_PER_TRIP, World
from fleetlake.schema import CITIES, DELIVERIES, DELIVERY_STATUSES

LATE_SHARE = 0.10
FAILED_SHARE = 0.02
SIGNED_SHARE = 0.95
DROP_INTERVAL_SECONDS = 1200
DESTINATION_CITY = np.array([CITIES.index(r.destination) for r in ROUTES])
DELIVERED, PENDING, IN_TRANSIT, FAILED, CANCELLED = range(5)
# Each delivery's draws from its day's stream, in this order (see ``streams.day_uniforms``).
DRAWS = 8
U_LATE, U_OFFSET, U_FAILED, U_SIGNED, U_SHAPE, U_SHAPE2, U_FILL, U_CUSTOMER = range(DRAWS)


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


def draw(world: World, days: range, plan: TripPlan, as_of: int) -> tuple[DeliveryDraws, np.ndarray]:
    """(deliveries, arrival second of every trip) for the plan of the consecutive ``days``."""
    n, counts = len(plan), plan.deliveries
    m = int(counts.sum())
    trip = np.repeat(np.arange(n), counts)
    first_of_trip = np.cumsum(counts) - counts
    position = np.arange(m) - np.repeat(first_of_trip, counts)
    per_day = DELIVERIES_PER_TRIP * plan.per_day
    u = day_uniforms(world.seed, "deliveries", world.dates(days), per_day, DRAWS)

    planned_end = plan.departure + np.round(ESTIMATED_HOURS[plan.route_index] * 3600).astype(
        np.int64
    )
    drops_left = counts[trip] - 1 - position
    scheduled = (planned_end[trip] - drops_left * DROP_INTERVAL_SECONDS) // 60 * 60
    late = u[U_LATE] < LATE_SHARE
    offset_minutes = np.where(late, 60 + 120 * u[U_OFFSET], -30 + 60 * u[U_OFFSET])
    delivered = np.maximum(
        scheduled + np.round(offset_minutes * 60).astype(np.int64), plan.departure[trip] + 60
    )
    failed = u[U_FAILED] < FAILED_SHARE
    signed = u[U_SIGNED] < SIGNED_SHARE

    shape = np.exp(0.6 * box_muller(u[U_SHAPE], u[U_SHAPE2]))  # lognormal(0, 0.6)
    share = shape / np.bincount(trip, weights=shape, minlength=n)[trip]
    fill = 0.75 + 0.25 * u[U_FILL][first_of_trip]  # of the trip's load, drawn at its first drop
    weight_cents = np.floor(plan.load_cents[trip] * fill[trip] * share).astype(np.int64)

    versions, cities = homes(world, days)
    day_row = plan.day_row[trip]
    city = DESTINATION_CITY[plan.route_index[trip]]
    customer = _living_in(cities, day_row, city, u[U_CUSTOMER])

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
        version=versions[day_row, customer],
        weight_cents=weight_cents,
        scheduled=scheduled,
        delivered=delivered,
        state=state,
        signed=signed,
    )
    return drawn, arrival


def _living_in(
    cities: np.ndarray, day_row: np.ndarray, city: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Per delivery, a customer among those living in ``city`` on its day (``cities``: every
    customer's city, a row per day); anyone when nobody lives there (tiny scale)."""
    # each day's customers by city (int8 keys: a radix sort), in index order within a city
    members = np.argsort(cities, axis=1, kind="stable").reshape(-1)
    sizes = np.stack([np.bincount(day, minlength=len(CITIES)) for day in cities]).reshape(-1)
    group = day_row * len(CITIES) + city
    return pick_in_groups(members, sizes, group, u, cities.shape[1])


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
