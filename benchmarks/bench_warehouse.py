"""Warehouse load speed: first full load, one more day, incremental cost vs length of history.

    .venv/bin/python benchmarks/bench_warehouse.py --sf 1 [--sf 10] [--repeat 3]

For each sf, generates once (cached under the temp dir) a 730-day lake from 2024-01-01 and a 30-day
lake ending on the same day (from 2025-12-01), and loads each into a fresh DuckDB warehouse: the
730-day load is the "first full load". Then, ``repeat`` times, it restores copies of the loaded lake
and warehouse, simulates one more day (not timed) and times ``load_warehouse`` for that day. Both
lakes thus append the same calendar day (volume depends on weekday and month), so the batch is the
same and only the history differs. Prints the medians and the ratio 730-day / 30-day: incremental
cost must follow the batch, not the warehouse (targets: first full load <= 10 s at sf=1, one more
day <= 1 s, ratio <= 1.5). Lake validation (the CLI's ``--validate``) is not included; the loaded
files are hash-checked as always.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from fleetlake.config import Config
from fleetlake.pipeline import generate_lake, simulate_lake
from fleetlake.warehouse import load_warehouse

END = date(2025, 12, 31)  # first day after the 730-day window from 2024-01-01


def cached_lake(sf: float, days: int) -> Path:
    """A lake of ``days`` days ending the day before END (generated once, kept in the temp dir)."""
    lake = Path(tempfile.gettempdir()) / f"fleetlake-bench-wh-sf{sf:g}-d{days}-to{END}"
    if not (lake / "_lake.json").exists():
        began = time.perf_counter()
        start = END - timedelta(days=days)
        generate_lake(str(lake), sf=sf, seed=42, start=start, days=days)
        print(f"  generated sf={sf:g} {days}-day lake in {time.perf_counter() - began:.1f} s")
    return lake


def timed_load(config: Config) -> float:
    began = time.perf_counter()
    summary = load_warehouse(config)
    elapsed = time.perf_counter() - began
    assert summary is not None, "nothing to load"
    return elapsed


def one_more_day(lake: Path, work: Path, days: int, repeat: int) -> tuple[float, float]:
    """(first full load seconds, median seconds of loading one more day)."""
    base_lake, base_wh = work / f"lake{days}", work / f"wh{days}.duckdb"
    shutil.copytree(lake, base_lake)
    full = timed_load(Config(lake=str(base_lake), warehouse_path=str(base_wh)))
    times = []
    for i in range(repeat):
        run_lake, run_wh = work / f"run{days}-{i}", work / f"run{days}-{i}.duckdb"
        shutil.copytree(base_lake, run_lake)
        shutil.copy(base_wh, run_wh)
        if Path(f"{base_wh}.wal").exists():  # committed but not yet checkpointed
            shutil.copy(f"{base_wh}.wal", f"{run_wh}.wal")
        simulate_lake(str(run_lake), days=1)
        times.append(timed_load(Config(lake=str(run_lake), warehouse_path=str(run_wh))))
        shutil.rmtree(run_lake)
        for leftover in (run_wh, Path(f"{run_wh}.wal")):
            leftover.unlink(missing_ok=True)
    return full, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sf", type=float, action="append", help="scale factor(s) [1]")
    parser.add_argument("--repeat", type=int, default=3, help="one-more-day runs per lake [3]")
    args = parser.parse_args()
    for sf in args.sf or [1.0]:
        print(f"sf={sf:g}")
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            full730, day730 = one_more_day(cached_lake(sf, 730), work, 730, args.repeat)
            full30, day30 = one_more_day(cached_lake(sf, 30), work, 30, args.repeat)
        print(f"  first full load, 730 days: {full730:.2f} s   (30 days: {full30:.2f} s)")
        print(f"  one more day on 730 days of history: {day730:.3f} s (median of {args.repeat})")
        print(f"  one more day on  30 days of history: {day30:.3f} s (median of {args.repeat})")
        print(f"  ratio 730/30: {day730 / day30:.2f}")


if __name__ == "__main__":
    main()
