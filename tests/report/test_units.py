"""Number formats and axis ticks: what a reader sees next to every bar and on every axis."""

from __future__ import annotations

import pytest

from fleetlake.report.page import TABLE_ROWS, records_table
from fleetlake.report.svg import nice_ticks
from fleetlake.report.units import COP, COP_PER_KM, COUNT, KM, L_PER_100KM, PERCENT


@pytest.mark.parametrize(
    ("unit", "value", "shown"),
    [
        (COP, 1234567.4, "COP 1,234,567"),
        (COP_PER_KM, 166.66, "166.7 COP/km"),
        (KM, 440, "440 km"),
        (L_PER_100KM, 28.44, "28.4 L/100 km"),
        (PERCENT, 12.345, "12.3 %"),
        (COUNT, None, "—"),
        (COUNT, float("nan"), "—"),
    ],
)
def test_format(unit, value, shown) -> None:
    assert unit.format(value) == shown


def test_ticks_cover_the_range_with_round_steps() -> None:
    assert nice_ticks(0, 977) == [0, 200, 400, 600, 800, 1000]
    assert nice_ticks(0, 1.0, whole=True) == [0, 1]  # no 0.2 vehicles
    assert nice_ticks(0, 0.9) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert [COUNT.tick(t, 5000) for t in nice_ticks(0, 19328)] == ["0", "5k", "10k", "15k", "20k"]
    assert [COUNT.tick(t, 0.5) for t in (0, 0.5, 1.0)] == ["0", "0.5", "1.0"]


def test_records_table_formats_the_rows_it_shows_and_counts_them_all() -> None:
    records = [(f"route {i}", 1000.0 * i) for i in range(30)]
    table = records_table(("route", "distance"), records, (None, KM))
    assert table.total_rows == 30
    assert len(table.rows) == TABLE_ROWS == 12
    assert table.rows[0] == ["route 0", "0 km"]
    assert table.rows[-1] == ["route 11", "11,000 km"]
