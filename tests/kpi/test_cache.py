"""The DuckDB copy of the lake behind the KPIs: built once, then synced partition by partition."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from fleetlake.kpi import run_kpis
from fleetlake.kpi.cache import cache_file, open_cache, sync
from fleetlake.lake import open_lake
from fleetlake.pipeline import simulate_lake


@pytest.fixture
def lake_copy(tiny_lake, tmp_path):
    path = tmp_path / "lake"
    shutil.copytree(tiny_lake, path, ignore=shutil.ignore_patterns(".cache"))
    return path


def _partitions(lake) -> int:
    return sum(len(days) for days in lake.manifest.partitions.values())


def test_cache_is_built_once_then_synced_incrementally(lake_copy) -> None:
    lake = open_lake(str(lake_copy))
    con = open_cache(lake)
    assert cache_file(lake) == lake_copy / ".cache" / "kpi.duckdb"
    assert cache_file(lake).is_file()
    assert sync(con, lake) == 0  # already in step with the manifest
    counts = dict(con.execute("SELECT tbl, count(*) FROM _partitions GROUP BY tbl").fetchall())
    assert sum(counts.values()) == _partitions(lake)
    con.close()

    simulate_lake(str(lake_copy), days=3, workers=1)
    grown = open_lake(str(lake_copy))
    con = duckdb.connect(str(cache_file(grown)))
    changed = sum(
        1
        for table, days in grown.manifest.partitions.items()
        for day, info in days.items()
        if lake.manifest.partitions.get(table, {}).get(day) != info
    )
    assert 0 < sync(con, grown) == changed < 40
    for table in grown.manifest.partitions:
        cached = con.execute(f"SELECT count(*) FROM lake_{table}").fetchone()[0]
        assert cached == grown.read(table).num_rows, table
    con.close()


def test_synced_cache_gives_the_same_results_as_a_fresh_one(lake_copy) -> None:
    run_kpis(str(lake_copy))  # builds the cache for 730 days
    simulate_lake(str(lake_copy), days=2, workers=1)
    synced = run_kpis(str(lake_copy))
    shutil.rmtree(lake_copy / ".cache")
    fresh = run_kpis(str(lake_copy))
    assert synced == fresh
    assert synced["q11_monthly_trip_trend"].num_rows == 25  # the new days open January 2026


def test_a_copy_made_with_other_table_columns_is_rebuilt(lake_copy, monkeypatch) -> None:
    import dataclasses

    from fleetlake.schema import TABLES

    trips = TABLES["trips"]
    older = dataclasses.replace(trips, schema=trips.schema.remove(len(trips.schema) - 1))
    with monkeypatch.context() as m:  # a release whose trips had one column less
        m.setitem(TABLES, "trips", older)
        open_cache(open_lake(str(lake_copy))).close()
    lake = open_lake(str(lake_copy))
    con = open_cache(lake)
    columns = [r[0] for r in con.execute("DESCRIBE lake_trips").fetchall()]
    assert columns == [*trips.schema.names, "_day"]
    assert con.execute("SELECT count(*) FROM lake_trips").fetchone()[0] == 1000
    con.close()


def test_unwritable_location_falls_back_to_memory(lake_copy, monkeypatch) -> None:
    monkeypatch.setattr(
        "fleetlake.kpi.cache.cache_file", lambda lake: lake_copy / "no-dir-file" / "x"
    )
    (lake_copy / "no-dir-file").write_text("a file where a directory should be")
    results = run_kpis(str(lake_copy), names=["q03"])
    assert sum(results["q03_trips_by_status"].column("trips").to_pylist()) == 1000


def test_cache_held_by_another_process_falls_back_to_memory(lake_copy) -> None:
    import subprocess
    import sys

    run_kpis(str(lake_copy), names=["q01"])  # creates the cache file
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); time.sleep(60)",
            str(lake_copy / ".cache" / "kpi.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        results = run_kpis(str(lake_copy), names=["q03"])
    finally:
        holder.kill()
        holder.wait()
    assert sum(results["q03_trips_by_status"].column("trips").to_pylist()) == 1000


def test_missing_partition_file_is_one_clear_error(lake_copy) -> None:
    from fleetlake.errors import LakeError

    victim = sorted((lake_copy / "trips").glob("date=*/*.parquet"))[5]
    victim.unlink()
    with pytest.raises(LakeError, match=f"cannot read trips from {lake_copy}: IO Error") as info:
        run_kpis(str(lake_copy))
    assert "\n" not in str(info.value)
    # The failed sync released the cache file: another process can open it while `info` (and
    # its traceback) is still alive.
    import subprocess
    import sys

    opener = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"
    cache = str(lake_copy / ".cache" / "kpi.duckdb")
    subprocess.run([sys.executable, "-c", opener, cache], check=True, capture_output=True)
