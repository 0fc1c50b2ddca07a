"""One DuckDB scan of a local lake's partition files, for register_duckdb and the KPI cache."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb

from fleetlake.kpi.cache import open_cache
from fleetlake.lake import open_lake


def test_a_path_with_a_quote_is_scanned_by_both_readers(tiny_lake, tmp_path) -> None:
    path = tmp_path / "o'brien lake"
    shutil.copytree(tiny_lake, path, ignore=shutil.ignore_patterns(".cache"))
    lake = open_lake(str(path))
    trips = lake.read("trips").num_rows
    scan = lake.parquet_scan("trips", since=date(2024, 1, 1), until=date(2024, 1, 8))
    assert scan.startswith("read_parquet(['") and "o''brien lake" in scan
    assert duckdb.sql(f"SELECT count(*) FROM {scan}").fetchall() == [
        (lake.read("trips", date(2024, 1, 1), date(2024, 1, 8)).num_rows,)
    ]
    con = duckdb.connect()
    lake.register_duckdb(con)
    assert con.execute("SELECT count(*) FROM trips").fetchall() == [(trips,)]
    cache = open_cache(lake)
    assert cache.execute("SELECT count(*) FROM lake_trips").fetchall() == [(trips,)]
    cache.close()
    assert lake.parquet_scan("trips", since=date(2030, 1, 1)) is None  # no file: nothing to scan
