"""Periodic schedules: stepping day by day gives exactly the direct count of events."""

from __future__ import annotations

import numpy as np

from fleetlake.gen.schedule import NEVER, PeriodicSchedule


def test_version_on_stepping_through_days_equals_counting_directly():
    rng = np.random.default_rng(3)
    # periods from several events a day to never, phases anywhere in [0, 1)
    period = np.concatenate([rng.uniform(0.3, 3.0, 50), rng.uniform(20, 400, 50), [NEVER] * 5])
    schedule = PeriodicSchedule(period=period, phase=rng.random(len(period)))
    counted = PeriodicSchedule(period=period, phase=schedule.phase)
    for t in [*range(-3, 120), 119, 119, 500, 501, 40, 41, 42]:  # steps, repeats and jumps
        stepped = schedule.version_on(t)
        direct = counted.count_before(t + 1)
        assert np.array_equal(stepped, direct), t
        events = counted.event_day(np.maximum(direct - 1, 0))
        assert np.all((direct == 0) | (events <= t))  # the latest event is on or before t
        assert np.all(counted.event_day(direct) > t)  # and the next one after it


def test_an_earlier_answer_is_not_changed_by_later_steps():
    schedule = PeriodicSchedule(period=np.array([1.5, 10.0]), phase=np.array([0.0, 0.5]))
    day5 = schedule.version_on(5)
    kept = day5.copy()
    schedule.version_on(6)
    schedule.version_on(7)
    assert np.array_equal(day5, kept)


def test_versions_over_a_range_are_each_days_direct_count():
    rng = np.random.default_rng(5)
    period = np.concatenate([rng.uniform(0.3, 3.0, 40), rng.uniform(5, 60, 40), [NEVER] * 3])
    schedule = PeriodicSchedule(period=period, phase=rng.random(len(period)))
    counted = PeriodicSchedule(period=period, phase=schedule.phase)
    # consecutive ranges, a repeat, a jump forward and one back (a direct count then)
    for days in [range(-2, 5), range(5, 33), range(5, 6), range(200, 230), range(40, 41)]:
        versions = schedule.versions_over(days)
        assert versions.shape == (len(days), len(period))
        for row, t in enumerate(days):
            assert np.array_equal(versions[row], counted.count_before(t + 1)), (days, t)
