"""The parameters of one generated company and the calendar that fixes its daily volumes.

A world is (seed, sf, start). Days are counted from ``start`` (day 0). Daily trip counts come from
integer weights (weekday x month), allocated so the default 730-day window holds exactly
``round(100,000 * sf)`` trips; the same formula continues past the window for ``simulate``. All of
it is integer arithmetic, so counts and ids are identical on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

GENERATOR_VERSION = "2"
DEFAULT_START = date(2024, 1, 1)
DEFAULT_DAYS = 730

VEHICLES_PER_SF = 200
DRIVERS_PER_SF = 400
CUSTOMERS_PER_SF = 5_000
TRIPS_PER_SF = 100_000
DELIVERIES_PER_TRIP = 4  # exactly, per day: trips get 2-6 deliveries in mirrored pairs
MAINTENANCE_PER_SF = 5_000

# Relative volume by weekday (Mon..Sun) and month (Jan..Dec), in integer percent.
WEEKDAY_WEIGHT = np.array([104, 106, 106, 105, 110, 75, 40], dtype=np.int64)
MONTH_WEIGHT = np.array([92, 95, 100, 100, 100, 98, 100, 102, 100, 102, 108, 118], dtype=np.int64)


def _scaled(per_sf: int, sf: float) -> int:
    return max(1, round(per_sf * sf))


@dataclass(frozen=True)
class World:
    """One company: its seed, scale factor and the first day of its history."""

    seed: int
    sf: float
    start: date = DEFAULT_START

    @property
    def n_vehicles(self) -> int:
        return _scaled(VEHICLES_PER_SF, self.sf)

    @property
    def n_drivers(self) -> int:
        return _scaled(DRIVERS_PER_SF, self.sf)

    @property
    def n_customers(self) -> int:
        return _scaled(CUSTOMERS_PER_SF, self.sf)

    @property
    def n_trips_default_window(self) -> int:
        return _scaled(TRIPS_PER_SF, self.sf)

    @property
    def n_maintenance_default_window(self) -> int:
        return _scaled(MAINTENANCE_PER_SF, self.sf)

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)

    def dates(self, days: range) -> list[date]:
        return [self.day(t) for t in days]

    def trips_before(self, index: int) -> int:
        """Trips on days [0, index): the id of a day's first trip is ``trips_before(day) + 1``."""
        if index <= 0:
            return 0
        cumulative = int(_cumulative_weight(self.start, -(-index // 1024) * 1024)[index - 1])
        window = int(_cumulative_weight(self.start, 1024)[DEFAULT_DAYS - 1])
        return self.n_trips_default_window * cumulative // window


@lru_cache(maxsize=16)
def _cumulative_weight(start: date, n_days: int) -> np.ndarray:
    """Running sum of the daily weights of days [0, n_days) (exact integers)."""
    ordinals = start.toordinal() + np.arange(n_days, dtype=np.int64)
    weekday = (ordinals + 6) % 7  # date.fromordinal(1) is a Monday -> weekday 0
    return np.cumsum(WEEKDAY_WEIGHT[weekday] * MONTH_WEIGHT[_months_of(start, n_days)])


def _months_of(start: date, n_days: int) -> np.ndarray:
    dates = np.datetime64(start, "D") + np.arange(n_days)
    return dates.astype("datetime64[M]").astype(np.int64) % 12
