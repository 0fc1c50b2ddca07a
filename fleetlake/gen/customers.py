"""Customers: people, companies and public bodies who receive deliveries; they move every few years.

A move gives a new street address and, each time, a different city (the city steps through the five
by a per-customer stride), so ``dim_customer`` has real history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fleetlake.gen.columns import join, number_strings, pick, timestamps
from fleetlake.gen.pools import (
    COMPANY_SUFFIXES,
    GOVERNMENT_BODIES,
    STREET_TYPES,
    first_names,
    last_names,
)
from fleetlake.gen.schedule import PeriodicSchedule
from fleetlake.gen.streams import choice_index, uniform
from fleetlake.gen.world import World
from fleetlake.schema import CITIES, CUSTOMER_TYPES, CUSTOMERS

TYPE_MIX = (0.60, 0.32, 0.08)
CITY_MIX = (0.35, 0.22, 0.18, 0.14, 0.11)  # order of schema.CITIES


@dataclass(frozen=True)
class Clientele:
    seed: int
    ids: np.ndarray
    type_index: np.ndarray
    home_city: np.ndarray
    city_stride: np.ndarray
    moves: PeriodicSchedule
    name: pa.Array
    # (move counts, cities) of the last ``cities`` answer: a day differs from the one before by
    # the few customers who moved
    _last: list = field(default_factory=list, init=False, repr=False, compare=False)
    _book: list = field(default_factory=list, init=False, repr=False, compare=False)

    def address_book(self, homes: int) -> pa.Array:
        """Every customer's street address in each of their first ``homes`` homes or more, home
        after home (home v of customer i at v * customers + i); grows, never shrinks."""
        if not self._book or len(self._book[0]) < homes * len(self.ids):
            have = len(self._book[0]) // len(self.ids) if self._book else 0
            more = [self._street_addresses(v) for v in range(have, homes)]
            self._book[:] = [pa.concat_arrays(self._book + more)]
        return self._book[0]

    def _street_addresses(self, version: int) -> pa.Array:
        """Street address of every customer in its ``version``-th home."""
        u = [uniform(self.seed, f"customers.address{i}", self.ids, version) for i in range(4)]
        return join(
            pick(STREET_TYPES, u[0] * len(STREET_TYPES)),
            " ",
            number_strings(1 + u[1] * 180),
            " # ",
            number_strings(1 + u[2] * 120),
            "-",
            number_strings(1 + u[3] * 99),
            ", ",
            pick(CITIES, self.city_of_version(version)),
        )

    def cities(self, versions: np.ndarray) -> np.ndarray:
        """City index (schema.CITIES, as int8) of every customer after ``versions`` moves."""
        if self._last:
            before, cities = self._last
            moved = np.flatnonzero(versions != before)
            cities = cities.copy()
            cities[moved] = self.city_of_version(versions[moved], moved)
        else:
            cities = self.city_of_version(versions).astype(np.int8)
        self._last[:] = [versions, cities]
        return cities

    def city_of_version(
        self, version: int | np.ndarray, idx: np.ndarray | slice = slice(None)
    ) -> np.ndarray:
        """City index of customers ``idx`` (all by default) in their ``version``-th home (cities
        cycle by stride)."""
        return (self.home_city[idx] + version * self.city_stride[idx]) % len(CITIES)


@cache
def clientele(world: World) -> Clientele:
    seed = world.seed
    ids = np.arange(1, world.n_customers + 1, dtype=np.int64)
    kind = choice_index(uniform(seed, "customers.type", ids), TYPE_MIX)
    home = choice_index(uniform(seed, "customers.city", ids), CITY_MIX)
    stride = 1 + (uniform(seed, "customers.stride", ids) * 4).astype(np.int64)
    moves = PeriodicSchedule(
        period=365.0 * (2.5 + 2.0 * uniform(seed, "customers.move_period", ids)),
        phase=uniform(seed, "customers.move_phase", ids),
    )
    first = pick(first_names(), uniform(seed, "customers.first", ids) * len(first_names()))
    last = pick(last_names(), uniform(seed, "customers.last", ids) * len(last_names()))
    person = join(first, " ", last)
    company = join(
        last,
        " ",
        pick(COMPANY_SUFFIXES, uniform(seed, "customers.suffix", ids) * len(COMPANY_SUFFIXES)),
    )
    body = join(
        pick(GOVERNMENT_BODIES, uniform(seed, "customers.body", ids) * len(GOVERNMENT_BODIES)),
        " ",
        pick(CITIES, home),
    )
    name = pc.case_when(
        pc.make_struct(pa.array(kind == 0), pa.array(kind == 1)), person, company, body
    )
    return Clientele(seed, ids, kind, home, stride, moves, name)


def addresses(world: World, idx: np.ndarray, version: np.ndarray) -> pa.Array:
    """Street address of customers ``idx`` (0-based) in their ``version``-th home."""
    c = clientele(world)
    book = c.address_book(int(version.max(initial=0)) + 1)
    return book.take(pa.array(version * len(c.ids) + idx))


@lru_cache(maxsize=2)
def _moves(world: World, days: range) -> np.ndarray:
    """How many times every customer has moved by the end of each of the consecutive ``days``
    (rows). Cached: the change log and the deliveries both ask for a block."""
    return clientele(world).moves.versions_over(days)


def homes(world: World, days: range) -> tuple[np.ndarray, np.ndarray]:
    """(moves so far, city index as int8) of every customer at the end of each of the consecutive
    ``days`` (rows)."""
    c = clientele(world)
    versions = _moves(world, days)
    cities = np.repeat(c.cities(versions[0])[None, :], len(days), axis=0)
    moved = np.flatnonzero(versions[-1] != versions[0])
    cities[:, moved] = c.city_of_version(versions[:, moved], moved)
    return versions, cities


def states(world: World, days: range) -> np.ndarray:
    """What changes of every customer at the end of each of the consecutive ``days``: (moves so
    far,) per customer."""
    return _moves(world, days)[..., None]


def rows(world: World, idx: np.ndarray, state: np.ndarray, seconds: np.ndarray) -> pa.Table:
    """Full rows of customers ``idx`` (0-based) in the given ``state`` rows."""
    c = clientele(world)
    version = state[:, 0]
    city = c.city_of_version(version, idx)
    return pa.Table.from_arrays(
        [
            pa.array(c.ids[idx].astype(np.int32)),
            c.name.take(pa.array(idx)),
            pick(CUSTOMER_TYPES, c.type_index[idx]),
            pick(CITIES, city),
            addresses(world, idx, version),
            timestamps(seconds),
        ],
        schema=CUSTOMERS.schema,
    )
