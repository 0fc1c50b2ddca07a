"""Drivers: fixed identity, and three life schedules that make their SCD2 history.

* phone number changes every 3-6 years;
* licences last five years and are renewed 45 days early to 20 days late (some expire
  inside the window);
* some drivers go inactive for 1-12 weeks every few years (a tenth of the staff never does, so the
  company always has someone to drive).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pyarrow as pa

from fleetlake.gen.columns import dates, join, number_strings, padded, pick, timestamps
from fleetlake.gen.pools import first_names, last_names
from fleetlake.gen.schedule import NEVER, NO_DAY, PeriodicSchedule
from fleetlake.gen.streams import EventUniforms, uniform
from fleetlake.gen.world import World
from fleetlake.schema import DRIVERS

LICENCE_DAYS = 1826
EARLIEST_RENEWAL = 45
LATEST_RENEWAL = 20


@dataclass(frozen=True)
class Staff:
    seed: int
    ids: np.ndarray
    hire_ordinal: np.ndarray
    phone: PeriodicSchedule
    leave: PeriodicSchedule
    first_expiry: np.ndarray  # day index of the licence expiry in force before any renewal
    leave_draws: EventUniforms
    lead_draws: EventUniforms

    def leave_days(self, k: np.ndarray) -> np.ndarray:
        return 7 + (self.leave_draws(k) * 77).astype(np.int64)

    def renewal_day(self, k: np.ndarray) -> np.ndarray:
        lead = self.lead_draws(k)
        lead = (lead * (EARLIEST_RENEWAL + LATEST_RENEWAL + 1)).astype(np.int64) - LATEST_RENEWAL
        return self.first_expiry + LICENCE_DAYS * k - lead

    def renewals_by(self, t: int | np.ndarray) -> np.ndarray:
        """Licence renewals on or before day t (a column of days: one row per day)."""
        sure = np.floor_divide(t - self.first_expiry - LATEST_RENEWAL, LICENCE_DAYS) + 1
        sure = np.maximum(sure, 0)
        return sure + (self.renewal_day(sure) <= t)


@cache
def staff(world: World) -> Staff:
    seed = world.seed
    ids = np.arange(1, world.n_drivers + 1, dtype=np.int64)
    hire = world.start.toordinal() - 30 - (uniform(seed, "drivers.hired", ids) * 3650).astype(int)
    phone = PeriodicSchedule(
        period=365.0 * (3 + 3 * uniform(seed, "drivers.phone_period", ids)),
        phase=uniform(seed, "drivers.phone_phase", ids),
    )
    core = ids <= max(1, -(-world.n_drivers // 10))
    leave = PeriodicSchedule(
        period=np.where(core, NEVER, 365.0 * (2 + 3 * uniform(seed, "drivers.leave_period", ids))),
        phase=uniform(seed, "drivers.leave_phase", ids),
    )
    first_expiry = -60 + (uniform(seed, "drivers.expiry", ids) * LICENCE_DAYS).astype(np.int64)
    return Staff(
        seed,
        ids,
        hire,
        phone,
        leave,
        first_expiry,
        EventUniforms(seed, "drivers.leave_days", ids),
        EventUniforms(seed, "drivers.renewal_lead", ids),
    )


@lru_cache(maxsize=2)
def _back_from_leave(world: World, days: range) -> np.ndarray:
    """Per day of ``days`` (rows) and driver, the day the latest leave up to that day ends
    (NO_DAY without one). Cached: the trips and the change log both ask for a block."""
    s = staff(world)
    had, k, start = s.leave.latest(days)
    return np.where(had, start + s.leave_days(k), NO_DAY)


def available(world: World, days: range) -> np.ndarray:
    """Per day of ``days`` (rows), the drivers who can drive: not on leave (the day they come back
    counts)."""
    return np.asarray(days)[:, None] > _back_from_leave(world, days)


def states(world: World, days: range) -> np.ndarray:
    """What changes of every driver at the end of each of ``days``: (phone version, licence
    renewals, on leave) per driver."""
    s = staff(world)
    t = np.asarray(days)[:, None]
    phone = s.phone.versions_over(days)
    on_leave = t < _back_from_leave(world, days)
    return np.stack([phone, s.renewals_by(t), on_leave], axis=-1).astype(np.int64)


def rows(world: World, idx: np.ndarray, state: np.ndarray, seconds: np.ndarray) -> pa.Table:
    """Full rows of drivers ``idx`` (0-based) in the given ``state`` rows."""
    s = staff(world)
    ids = s.ids[idx]
    phone_version, renewals, on_leave = state.T
    first = pick(first_names(), (uniform(s.seed, "drivers.first", ids) * len(first_names())))
    last = pick(last_names(), (uniform(s.seed, "drivers.last", ids) * len(last_names())))
    licence = (ids * 2_654_435_761 + 1_234_567) % 10**10
    phone = 3_000_000_000 + (uniform(s.seed, "drivers.phone", ids, phone_version) * 5e8)
    expiry = world.start.toordinal() + s.first_expiry[idx] + LICENCE_DAYS * renewals
    return pa.Table.from_arrays(
        [
            pa.array(ids.astype(np.int32)),
            padded("EMP", ids, 6),
            first,
            join(
                last,
                " ",
                pick(last_names(), uniform(s.seed, "drivers.last2", ids) * len(last_names())),
            ),
            padded("", licence, 10),
            dates(expiry),
            number_strings(phone.astype(np.int64)),
            dates(s.hire_ordinal[idx]),
            pick(("active", "inactive"), on_leave.astype(np.int64)),
            timestamps(seconds),
        ],
        schema=DRIVERS.schema,
    )
