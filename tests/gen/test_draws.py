"""The block-wide draws: delivery counts per day, picks within each day's group, day streams."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from fleetlake.gen.streams import day_rng, day_uniforms, pick_in_groups
from fleetlake.gen.trips import delivery_counts


@pytest.mark.parametrize("per_day", [[7], [0, 1, 2, 9], [5, 0, 0, 6, 1], [1000, 3]])
def test_delivery_counts_are_2_to_6_and_4_per_trip_each_day(per_day):
    per_day = np.array(per_day)
    day_row = np.repeat(np.arange(len(per_day)), per_day)
    rng = np.random.default_rng(1)
    counts = delivery_counts(per_day, day_row, rng.random(len(day_row)), rng.random(len(day_row)))
    assert counts.min(initial=2) >= 2 and counts.max(initial=6) <= 6
    assert np.bincount(day_row, weights=counts, minlength=len(per_day)).tolist() == [
        4 * n for n in per_day.tolist()
    ]
    if per_day.sum() > 100:  # all five values occur, shuffled within the day
        assert set(counts.tolist()) == {2, 3, 4, 5, 6}


def test_a_days_delivery_counts_do_not_depend_on_the_other_days():
    rng = np.random.default_rng(2)
    per_day = np.array([5, 8, 3])
    day_row = np.repeat(np.arange(3), per_day)
    pair, shuffle = rng.random(16), rng.random(16)
    together = delivery_counts(per_day, day_row, pair, shuffle)
    alone = delivery_counts(np.array([8]), np.zeros(8, dtype=int), pair[5:13], shuffle[5:13])
    assert together[5:13].tolist() == alone.tolist()


def test_pick_in_groups_draws_within_the_group_or_anyone_when_it_is_empty():
    members = np.array([4, 7, 1, 2, 9])  # group 0: 4 7 · group 1: empty · group 2: 1 2 9 · 3: empty
    sizes = np.array([2, 0, 3, 0])
    u = np.array([0.0, 0.99, 0.5, 0.0, 0.34, 0.99, 0.55])
    group = np.array([0, 0, 1, 2, 2, 2, 3])
    picked = pick_in_groups(members, sizes, group, u, everyone=10)
    assert picked.tolist() == [4, 7, 5, 1, 2, 9, 5]
    assert pick_in_groups(members[:0], np.zeros(2, int), np.array([1]), np.array([0.25]), 8) == [2]


def test_day_uniforms_are_each_days_own_stream_whatever_the_block():
    days = [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)]
    block = day_uniforms(42, "trips", days, [2, 0, 3], 4)
    assert block.shape == (4, 5)
    assert np.array_equal(block[:, 2:], day_rng(42, "trips", days[2]).random((3, 4)).T)
    assert np.array_equal(block[:, 2:], day_uniforms(42, "trips", days[2:], [3], 4))
    assert not np.array_equal(block[:, :2], day_uniforms(42, "deliveries", days[:1], [2], 4))
