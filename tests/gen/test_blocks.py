"""A block of days built at once holds exactly the rows of generating each day alone."""

from __future__ import annotations

import pytest

from fleetlake.gen import World, generate_day, generate_days
from fleetlake.lake.publish import consecutive_runs

WORLD = World(seed=11, sf=0.05)


@pytest.mark.parametrize(
    ("days", "window_end"),
    [
        (range(0, 9), 730),  # the opening snapshot, then change logs and empty maintenance days
        (range(362, 370), 730),  # across 1 January: every route changes its toll
        (range(725, 735), 735),  # the window's last days: trips still under way
    ],
)
def test_a_block_equals_its_days_generated_one_by_one(days, window_end):
    together = generate_days(WORLD, days, window_end)
    assert len(together) == len(days)
    for t, tables in zip(days, together, strict=True):
        alone = generate_day(WORLD, t, window_end)
        assert tables.keys() == alone.keys()
        for name, table in tables.items():
            assert table.equals(alone[name]), f"{name} on day {t}"
    rows = {name: sum(tables[name].num_rows for tables in together) for name in together[0]}
    assert rows["trips"] > 0 and rows["deliveries"] == 4 * rows["trips"]
    if days.start == 0:
        assert together[0]["vehicles"].num_rows >= WORLD.n_vehicles  # the snapshot is there
    if days.start == 362:
        assert [tables["routes"].num_rows for tables in together] == [
            0,
            0,
            0,
            0,
            50,
            0,
            0,
            0,
        ]  # day 366


def test_publishing_cuts_a_job_into_runs_of_consecutive_days():
    assert consecutive_runs((0, 1, 2, 3, 4), 2) == [range(0, 2), range(2, 4), range(4, 5)]
    assert consecutive_runs((3, 4, 8, 9, 10, 20), 30) == [range(3, 5), range(8, 11), range(20, 21)]
    assert consecutive_runs((), 5) == []


def test_blocks_in_any_order_equal_the_days_in_order():
    """Each entity table keeps its last block's final state for the block that follows; a block
    that does not follow it (a jump back or ahead, another world) must not use it."""
    in_order = generate_days(WORLD, range(0, 12), 730)
    other = World(seed=12, sf=0.05)
    scrambled = {}
    for days in (range(8, 12), range(0, 4), range(4, 8)):
        if days.start:  # the day before, in another world
            generate_days(other, range(days.start - 1, days.start), 730)
        for t, tables in zip(days, generate_days(WORLD, days, 730), strict=True):
            scrambled[t] = tables
    for t, tables in enumerate(in_order):
        for name, table in tables.items():
            assert table.equals(scrambled[t][name]), f"{name} on day {t}"
