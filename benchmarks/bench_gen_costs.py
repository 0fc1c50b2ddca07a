"""Where a generation's time goes, in one process: the figures behind the README's breakdown.

    python benchmarks/bench_gen_costs.py            # sf=1, 730 days
    python benchmarks/bench_gen_costs.py --sf 10

1. One ``generate_lake`` run on one worker, timed by phase: generating the rows, encoding the
   Parquet files, writing files and directories, the rest (manifest entries, hashing); with the
   process's user and system CPU time.
2. Encoding one block of days' partitions with the lake's options, then uncompressed: what zstd
   costs per file when most files hold a few rows.
3. zstd (level 1, through pyarrow) on the largest string column of a day: bytes per second.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from fleetlake.gen import DEFAULT_START, World, generate_days
from fleetlake.lake import publish, storage, writer
from fleetlake.pipeline import generate_lake


@contextmanager
def timed(spent: Counter, name: str, owner: object, attribute: str):
    """Add the wall time of every call of ``owner.attribute`` to ``spent[name]``."""
    original = getattr(owner, attribute)

    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - began

    setattr(owner, attribute, wrapper)
    try:
        yield
    finally:
        setattr(owner, attribute, original)


def cpu() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def phases(sf: float, directory: Path) -> None:
    spent: Counter = Counter()
    with (
        timed(spent, "generate rows", publish, "generate_days"),
        timed(spent, "encode Parquet", writer, "encode_parquet"),
        timed(spent, "write files and directories", storage.LocalStorage, "write_bytes"),
    ):
        user, system = cpu()
        began = time.perf_counter()
        result = generate_lake(str(directory / "lake"), sf=sf, workers=1)
        total = time.perf_counter() - began
        user, system = cpu()[0] - user, cpu()[1] - system
    spent["the rest (hashes, entries' JSON, job set-up)"] = total - sum(spent.values())
    print(
        f"1. sf={sf:g} on one worker: {result.rows_written:,} rows, "
        f"{result.partitions_written:,} files in {total:.2f} s "
        f"(CPU: {user:.2f} s user, {system:.2f} s system)"
    )
    for name, seconds in spent.most_common():
        print(f"   {name:<48} {seconds:6.2f} s  {seconds / total:5.1%}")


def encoding(sf: float) -> None:
    world = World(seed=42, sf=sf, start=DEFAULT_START)
    tables = [t for day in generate_days(world, range(200, 228), 730) for t in day.values()]
    tables = [t for t in tables if t.num_rows]
    lake_options = writer.PARQUET_OPTIONS
    uncompressed = dict(lake_options, compression="none", compression_level=None)
    for label, options in (("zstd (the lake)", lake_options), ("uncompressed", uncompressed)):
        best, size = float("inf"), 0
        for _ in range(5):
            began, size = time.perf_counter(), 0
            for table in tables:
                sink = pa.BufferOutputStream()
                columns = writer.statistics_columns(table.schema)
                pq.write_table(table, sink, write_statistics=columns, **options)
                size += sink.getvalue().size
            best = min(best, time.perf_counter() - began)
        print(
            f"2. {len(tables)} files of 28 days, {label:<16}: {best / len(tables) * 1e3:.3f} ms "
            f"and {size / len(tables):,.0f} bytes a file"
        )


def zstd_speed(sf: float) -> None:
    world = World(seed=42, sf=sf, start=DEFAULT_START)
    deliveries = generate_days(world, range(200, 201), 730)[0]["deliveries"]
    data = deliveries.column("delivery_address").combine_chunks().buffers()[2].to_pybytes()
    codec = pa.Codec("zstd", compression_level=writer.PARQUET_OPTIONS["compression_level"])
    rounds = max(20, 20_000_000 // max(len(data), 1))
    began = time.perf_counter()
    for _ in range(rounds):
        compressed = codec.compress(data)
    seconds = (time.perf_counter() - began) / rounds
    print(
        f"3. zstd level 1 on a day's delivery addresses ({len(data):,} bytes -> "
        f"{len(compressed):,}): {len(data) / seconds / 1e6:,.0f} MB/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sf", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fleetlake-bench-costs-") as directory:
        phases(args.sf, Path(directory))
    encoding(args.sf)
    zstd_speed(args.sf)


if __name__ == "__main__":
    main()
