"""Routes: the fixed road network (``geography``); tolls are revised every 1 January."""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa

from fleetlake.gen.columns import decimal_from_cents, timestamps
from fleetlake.gen.geography import ROUTES
from fleetlake.gen.streams import uniform
from fleetlake.gen.world import World
from fleetlake.schema import ROUTES as ROUTES_SPEC

ROUTE_IDS = np.array([r.route_id for r in ROUTES], dtype=np.int64)
DISTANCE_KM = np.array([r.distance_km for r in ROUTES])
ESTIMATED_HOURS = np.array([r.estimated_hours for r in ROUTES])
ANNUAL_TOLL_INCREASE = 0.06


@cache
def toll_cop(seed: int, year: int) -> np.ndarray:
    """Toll of every route in ``year``: about 15,000 COP per 100 km in 2024, revised yearly."""
    base = np.array([r.base_toll_cop for r in ROUTES])
    jitter = 0.96 + 0.08 * uniform(seed, "routes.toll", ROUTE_IDS, year)
    return np.round(base * (1 + ANNUAL_TOLL_INCREASE * (year - 2024)) * jitter, -2)


def states(world: World, days: range) -> np.ndarray:
    """What changes of every route on each of ``days``: (toll in COP, tariff year) per route. The
    tariff year is the day's, and the first day's before it: every route changes each 1 January
    after the first day, even where its toll rounds to last year's."""
    years = [world.day(max(t, 0)).year for t in days]
    tolls = np.stack([toll_cop(world.seed, year) for year in years]).astype(np.int64)
    year = np.broadcast_to(np.array(years, dtype=np.int64)[:, None], tolls.shape)
    return np.stack([tolls, year], axis=-1)


def rows(world: World, idx: np.ndarray, state: np.ndarray, seconds: np.ndarray) -> pa.Table:
    """Full rows of routes ``idx`` (0-based) with the tolls of their ``state`` rows."""
    chosen = [ROUTES[i] for i in idx]
    toll = state[:, 0]
    schema = ROUTES_SPEC.schema
    return pa.Table.from_arrays(
        [
            pa.array(ROUTE_IDS[idx].astype(np.int32)),
            pa.array([r.route_code for r in chosen], pa.string()),
            pa.array([r.origin for r in chosen], pa.string()),
            pa.array([r.destination for r in chosen], pa.string()),
            decimal_from_cents(
                np.round(DISTANCE_KM[idx] * 100).astype(np.int64), schema.field("distance_km").type
            ),
            decimal_from_cents(
                np.round(ESTIMATED_HOURS[idx] * 100).astype(np.int64),
                schema.field("estimated_duration_hours").type,
            ),
            decimal_from_cents(
                toll.astype(np.int64) * 100,
                schema.field("toll_cost").type,
            ),
            pa.array([r.path[0][0] for r in chosen], pa.float64()),
            pa.array([r.path[0][1] for r in chosen], pa.float64()),
            pa.array([r.path[-1][0] for r in chosen], pa.float64()),
            pa.array([r.path[-1][1] for r in chosen], pa.float64()),
            pa.array(
                [[{"lat": la, "lon": lo} for la, lo in r.path] for r in chosen],
                schema.field("waypoints").type,
            ),
            timestamps(seconds),
        ],
        schema=schema,
    )
