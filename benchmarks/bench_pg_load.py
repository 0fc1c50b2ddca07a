"""``pg load`` speed: binary COPY of the whole lake vs an ``executemany`` INSERT baseline.

    .venv/bin/python benchmarks/bench_pg_load.py --sf 1 [--lake PATH] [--dsn DSN]

Generates the lake once if PATH holds none (seed 42, 730 days from 2024-01-01; default under the
temp dir, shared with the other benchmarks). PostgreSQL: ``--dsn``, else ``FLEETLAKE_TEST_PG_DSN``,
else a throwaway cluster started like the test fixture (fsync off). Then, in one run:

* ``load_lake``: schema, COPY of every table, keys, foreign keys and their indexes, ANALYZE, in one
  transaction (target at sf=1: <= 5 s);
* the baseline: psycopg ``executemany`` INSERT of a slice of the deliveries table (the widest)
  into an empty table with the same constraints, its rate extrapolated to all rows loaded.

Prints both figures and their ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from fleetlake.lake import Lake, open_lake
from fleetlake.pipeline import generate_lake

ROOT = Path(__file__).resolve().parent.parent


def ensure_lake(sf: float, path: Path | None) -> Lake:
    """The benchmark lake for ``sf`` (generated on first use)."""
    path = path or Path(tempfile.gettempdir()) / f"fleetlake-bench-sf{sf:g}"
    if not (path / "_lake.json").exists():
        began = time.perf_counter()
        generate_lake(str(path), sf=sf, seed=42, start=date(2024, 1, 1), days=730)
        print(f"generated sf={sf:g} lake in {time.perf_counter() - began:.1f} s: {path}")
    return open_lake(str(path))


@contextlib.contextmanager
def postgres(dsn: str | None) -> Iterator[str]:
    """``dsn``, ``FLEETLAKE_TEST_PG_DSN``, or a throwaway cluster for the run."""
    explicit = dsn or os.environ.get("FLEETLAKE_TEST_PG_DSN")
    if explicit:
        yield explicit
        return
    sys.path.insert(0, str(ROOT))
    from tests.fixtures.postgres import throwaway_cluster

    with throwaway_cluster() as started:
        yield started


def insert_baseline(lake: Lake, dsn: str, rows: int) -> tuple[int, float]:
    """(rows, rows per second) of ``executemany`` INSERT into a deliveries-shaped table."""
    days = lake.partition_dates("deliveries")
    until = days[min(len(days) - 1, rows // 400 + 1)]  # ~550 deliveries a day at sf=1
    sample = lake.read("deliveries", until=until).slice(0, rows)
    columns = sample.column_names
    values = list(zip(*(sample.column(c).to_pylist() for c in columns), strict=True))
    import psycopg  # here: bench_report and bench_kpi share ensure_lake without the driver

    with psycopg.connect(dsn) as con:
        con.execute(
            "CREATE TEMP TABLE baseline (LIKE deliveries INCLUDING ALL)"  # same checks and keys
        )
        placeholders = ", ".join(["%s"] * len(columns))
        began = time.perf_counter()
        with con.cursor() as cur:
            cur.executemany(
                f"INSERT INTO baseline ({', '.join(columns)}) VALUES ({placeholders})", values
            )
        con.commit()
        return len(values), len(values) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sf", type=float, default=1.0)
    parser.add_argument("--lake", type=Path, help="lake to use [generated under the temp dir]")
    parser.add_argument("--dsn", help="PostgreSQL DSN [FLEETLAKE_TEST_PG_DSN or a throwaway one]")
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    args = parser.parse_args()
    from fleetlake.oltp.load import load_lake

    lake = ensure_lake(args.sf, args.lake)
    with postgres(args.dsn) as dsn:
        result = load_lake(lake, dsn)
        total = sum(result.rows.values())
        inserted, rate = insert_baseline(lake, dsn, args.baseline_rows)
    baseline = total / rate
    print(
        f"pg load sf={args.sf:g}: {total:,} rows in {result.seconds:.2f} s "
        f"({total / result.seconds:,.0f} rows/s, incl. keys, foreign keys, indexes, ANALYZE; "
        f"target <= 5 s at sf=1)"
    )
    print(
        f"executemany INSERT baseline: {rate:,.0f} rows/s on {inserted:,} deliveries "
        f"-> {baseline:.1f} s extrapolated to {total:,} rows"
    )
    print(f"ratio: binary COPY load is {baseline / result.seconds:.1f}x faster than the baseline")


if __name__ == "__main__":
    main()
