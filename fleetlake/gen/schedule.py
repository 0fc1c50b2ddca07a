"""Periodic per-entity schedules: event k of entity i falls on day floor((phase_i + k) * period_i).

Every entity's life (status episodes, licence renewals, phone changes, moves, maintenance) is such
a schedule drawn once from a stateless hash, so the state of any entity on any day is computed
directly, and any day of the lake can be generated alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NEVER = 1.0e9  # a period long enough that the event never comes
NO_DAY = np.iinfo(np.int64).min  # the end of an episode that never happened: before every day


@dataclass(frozen=True)
class PeriodicSchedule:
    period: np.ndarray  # days between events, per entity (float)
    phase: np.ndarray  # fraction of a period before the first event, per entity, in [0, 1)
    # (day, versions on it, day of every entity's next event): the last answer of version_on,
    # which steps forward from it (customers' moves: many entities, few events a day)
    _cursor: list = field(default_factory=list, init=False, repr=False, compare=False)

    def event_day(self, k: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Day (index from the world's start) of the k-th event of entities ``rows`` (all)."""
        return np.floor((self.phase[rows] + k) * self.period[rows]).astype(np.int64)

    def count_before(
        self, t: int | np.ndarray, rows: np.ndarray | slice = slice(None)
    ) -> np.ndarray:
        """How many events of entities ``rows`` (all) fall on days < t (exact, with float edges
        fixed up); a column of days gives one row per day."""
        k = np.maximum(np.ceil(t / self.period[rows] - self.phase[rows]), 0).astype(np.int64)
        k = np.where((k > 0) & (self.event_day(np.maximum(k - 1, 0), rows) >= t), k - 1, k)
        return np.where(self.event_day(k, rows) < t, k + 1, k)

    def latest(self, days: range) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per day of ``days`` (rows) and entity: (whether an event fell on or before the day,
        the index k of the latest such event, its day)."""
        had = self.count_before(np.asarray(days)[:, None] + 1)
        k = np.maximum(had - 1, 0)
        return had > 0, k, self.event_day(k)

    def version_on(self, t: int) -> np.ndarray:
        """Events on or before day t: the version of an attribute that changes at each event.

        Days are generated in order, so the answer for day t usually steps forward from an earlier
        day's: only the entities whose next event falls by day t change (exactly what a direct
        count gives).
        """
        if self._cursor and self._cursor[0] == t:
            return self._cursor[1]
        if self._cursor and self._cursor[0] < t:
            _, versions, upcoming = self._cursor
            due = np.flatnonzero(upcoming <= t)
            versions = versions.copy()
            while len(due):
                versions[due] += 1
                upcoming[due] = self.event_day(versions[due], due)
                due = due[upcoming[due] <= t]
        else:
            versions = self.count_before(t + 1)
            upcoming = self.event_day(versions)
        self._cursor[:] = [t, versions, upcoming]
        return versions

    def versions_over(self, days: range) -> np.ndarray:
        """``version_on(t)`` for each of the consecutive ``days``, one row per day: the first day
        stepped from the last answer, the few entities with an event later in the range counted."""
        if days.step != 1:
            raise ValueError(f"versions_over takes consecutive days, not {days}")
        first = self.version_on(days.start)
        versions = np.repeat(first[None, :], len(days), axis=0)
        moving = np.flatnonzero(self._cursor[2] < days.stop)
        if len(moving) and len(days) > 1:
            later = np.arange(days.start + 1, days.stop)[:, None]
            versions[1:, moving] = self.count_before(later + 1, moving)
        return versions


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total`` (ties by index)."""
    weights = np.asarray(weights, dtype=np.float64)
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(np.int64)
    remainder = total - int(counts.sum())
    if remainder:
        order = np.lexsort((np.arange(len(quotas)), -(quotas - counts)))
        counts[order[:remainder]] += 1
    return counts
