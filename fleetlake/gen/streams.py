"""Deterministic randomness: seeded streams per (table, day) and counter-based draws per entity.

Two tools, both independent of the order of work and of the number of workers:

* ``day_rng(seed, table, day)`` — a numpy Generator for one table's rows of one day, from
  ``SeedSequence(seed, spawn_key=(crc32(table), ordinal))``. ``day_uniforms`` takes all of a day's
  draws from it in one call, a fixed number per row, for every day of a block.
* ``uniform(seed, tag, *keys)`` — a stateless hash (splitmix64) of integer keys to [0, 1). Entity
  life schedules (status changes, licence renewals, moves) use it, so any day's state of any entity
  can be computed alone, without replaying earlier days.

Stable ids come from ``zlib.crc32`` of names, never from ``hash()``.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date
from functools import cache

import numpy as np

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def stable_id(name: str) -> int:
    """A 32-bit id of a name, identical on every machine and Python process."""
    return zlib.crc32(name.encode("utf-8"))


def day_rng(seed: int, table: str, day: date) -> np.random.Generator:
    """The random stream of ``table``'s rows on ``day``."""
    sequence = np.random.SeedSequence(seed, spawn_key=(stable_id(table), day.toordinal()))
    return np.random.Generator(np.random.PCG64(sequence))


def day_uniforms(
    seed: int, table: str, days: Sequence[date], rows: Sequence[int], draws: int
) -> np.ndarray:
    """``draws`` uniforms in [0, 1) for each of the ``rows[i]`` rows of ``days[i]``, in day order:
    an array (draws, sum(rows)) whose row j is draw j of every row. A day's values come from its
    own stream alone, so they are the same in any block of days."""
    out = np.empty((int(sum(rows)), draws))
    start = 0
    for day, n in zip(days, rows, strict=True):
        if n:
            day_rng(seed, table, day).random(out=out[start : start + n])
        start += n
    return out.T


def pick_in_groups(
    members: np.ndarray, sizes: np.ndarray, group: np.ndarray, u: np.ndarray, everyone: int
) -> np.ndarray:
    """Per uniform ``u``, a member drawn evenly from its ``group``, or from ``range(everyone)``
    when that group is empty; ``members`` lists the groups' members group after group, ``sizes``
    how many each has."""
    anyone = (u * everyone).astype(np.int64)
    if not len(members):
        return anyone
    size = sizes[group]
    first = (np.cumsum(sizes) - sizes)[group]
    chosen = members[np.minimum(first + (u * size).astype(np.int64), len(members) - 1)]
    return np.where(size > 0, chosen, anyone)


def box_muller(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """Standard normal draws from two independent uniforms in [0, 1)."""
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@cache
def _root(seed: int, tag: str) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = _splitmix64(np.asarray([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))
        return _splitmix64(h ^ np.uint64(stable_id(tag)))


def hash64(seed: int, tag: str, *keys: np.ndarray | int) -> np.ndarray:
    """A uint64 hash per element of the broadcast integer ``keys``, mixed with seed and tag."""
    h = _root(seed, tag)
    with np.errstate(over="ignore"):
        for key in keys:
            k = np.asarray(key, dtype=np.int64).astype(np.uint64)
            h = _splitmix64(h ^ k)
    return h


def uniform(seed: int, tag: str, *keys: np.ndarray | int) -> np.ndarray:
    """Uniform floats in [0, 1), one per element of the broadcast keys (53 bits of the hash)."""
    return (hash64(seed, tag, *keys) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def choice_index(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Map uniforms to category indexes with the given (unnormalised) weights."""
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.searchsorted(cumulative / cumulative[-1], u, side="right")


class EventUniforms:
    """``uniform(seed, tag, ids, k)`` for every entity and event number k, kept once drawn.

    Status checks ask, for every day of a block, for each entity's latest event; a table of draws
    per (entity, k), grown by doubling, answers with an index instead of rehashing.
    """

    def __init__(self, seed: int, tag: str, ids: np.ndarray) -> None:
        self.seed, self.tag, self.ids = seed, tag, ids
        self._table = np.empty((len(ids), 0))
        self._everyone = np.arange(len(ids))

    def __call__(self, k: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Draws for event ``k`` of the entities at ``rows`` (all entities when None)."""
        needed = int(np.max(k, initial=0)) + 1
        if needed > self._table.shape[1]:
            size = max(64, 1 << (needed - 1).bit_length())
            self._table = uniform(self.seed, self.tag, self.ids[:, None], np.arange(size)[None, :])
        rows = self._everyone if rows is None else rows
        return self._table.reshape(-1)[rows * self._table.shape[1] + k]  # a flat take: faster
