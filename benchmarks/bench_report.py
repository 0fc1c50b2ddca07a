"""How long ``fleetlake report`` takes: first build (KPI cache and validation) and a rebuild.

    .venv/bin/python benchmarks/bench_report.py --sf 1 [--lake PATH]

Generates the lake once if PATH holds none (seed 42, 730 days from 2024-01-01), then builds the
report twice into a temporary directory and prints both times (wall clock, and the process's CPU
time, which a busy shared machine distorts less) and the page size.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench_pg_load import ensure_lake

from fleetlake.config import Config
from fleetlake.report import build_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sf", type=float, default=1.0)
    parser.add_argument("--lake", type=Path, help="lake to use [generated under the temp dir]")
    args = parser.parse_args()
    lake = Path(ensure_lake(args.sf, args.lake).uri)
    shutil.rmtree(lake / ".cache", ignore_errors=True)  # first build pays the caches
    config = Config(lake=str(lake))
    with tempfile.TemporaryDirectory() as work:
        times, cpu = [], []
        for _ in range(2):
            began, began_cpu = time.perf_counter(), time.process_time()
            out = build_report(config, Path(work) / "report.html")
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
        size = out.stat().st_size
    print(
        f"report sf={args.sf:g}: first build {times[0]:.2f} s, {cpu[0]:.2f} s CPU (builds the KPI "
        f"cache and validates the lake, side by side), rebuild {times[1]:.2f} s, {cpu[1]:.2f} s "
        f"CPU; {size / 1024:,.0f} KiB of HTML"
    )


if __name__ == "__main__":
    main()
