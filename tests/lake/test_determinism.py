"""Same seed and arguments give the same data whatever the workers, chunks or runs; seeds differ."""

from __future__ import annotations

from datetime import date, timedelta

from fleetlake.lake import open_lake
from fleetlake.pipeline import generate_lake, simulate_lake
from tests.lake.conftest import assert_same_contents, lake_contents, partition_hashes


def test_one_worker_equals_two_workers(tmp_path, tiny_lake, tiny_contents):
    generate_lake(
        str(tmp_path / "one"), sf=0.01, seed=42, start=date(2024, 1, 1), days=730, workers=1
    )
    assert_same_contents(lake_contents(str(tmp_path / "one")), tiny_contents)
    one, two = partition_hashes(str(tmp_path / "one")), partition_hashes(str(tiny_lake))
    assert len(one) == 7 * 730 and one == two
    assert tiny_contents["trips"].num_rows == 1_000
    assert tiny_contents["deliveries"].num_rows == 4_000
    assert tiny_contents["maintenance"].num_rows == 50


def test_another_seed_gives_other_data(tmp_path, tiny_contents):
    generate_lake(str(tmp_path / "other"), sf=0.01, seed=43, days=730, workers=2)
    other = lake_contents(str(tmp_path / "other"))
    assert other["trips"].num_rows == tiny_contents["trips"].num_rows  # counts are fixed by sf
    for name in ("trips", "deliveries", "drivers", "customers"):
        assert not other[name].equals(tiny_contents[name]), name


def test_thirty_days_at_once_equal_thirty_runs_of_one_day(tmp_path):
    at_once, day_by_day = str(tmp_path / "at_once"), str(tmp_path / "daily")
    generate_lake(at_once, sf=0.2, seed=5, days=30, workers=2)
    generate_lake(day_by_day, sf=0.2, seed=5, days=1, workers=1)
    for _ in range(29):
        simulate_lake(day_by_day, days=1, workers=1)
    a, b = lake_contents(at_once), lake_contents(day_by_day)
    assert_same_contents(a, b)
    assert partition_hashes(at_once) == partition_hashes(day_by_day)
    statuses = set(a["trips"].column("status").to_pylist())
    assert "in_progress" in statuses and "completed" in statuses


def test_simulate_rewrites_only_the_days_still_in_progress(tmp_path):
    path = str(tmp_path / "lake")
    generate_lake(path, sf=0.2, seed=5, days=20, workers=1)
    lake = open_lake(path)
    for entry in lake.manifest.days:  # what decides which days a longer window rewrites
        trips = lake.read("trips", entry.day, entry.day + timedelta(days=1))
        assert entry.open_trips == trips.column("status").to_pylist().count("in_progress")
    assert sum(entry.open_trips > 0 for entry in lake.manifest.days) >= 1
    result = simulate_lake(path, days=3, workers=1)
    assert 3 <= result.days_written <= 6  # 3 new days plus the trailing days with open trips
    assert result.end == date(2024, 1, 24)
