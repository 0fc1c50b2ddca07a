"""Where a generation's time goes, in one process: the figures behind the README's breakdown.

    python benchmarks/bench_gen_costs.py            # sf=1, 730 days
    python benchmarks/bench_gen_costs.py --sf 10

1. One ``generate_lake`` run on one worker, timed by phase: generating the rows, encoding the
   Parquet files (and their sha256 for the manifest), writing files and directories, the rest
   (manifest entries' JSON, job set-up); with the process's user and system CPU time.
2. Encoding 28 days' partitions with the lake's encoder (one block), and the same files one by one
   with pyarrow's writer and the same settings (zstd level 1, no dictionary, statistics on the
   same columns), which the lake used before: time and bytes per file.
3. zstd (level 1, the lake's context) on the largest string column of a day: bytes per second.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import zstandard

from fleetlake.gen import DEFAULT_START, World, generate_block
from fleetlake.lake import parquet_file, publish, storage, writer
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
        timed(spent, "generate rows", publish, "generate_block"),
        timed(spent, "encode Parquet files and hash them", publish, "encode_days"),
        timed(spent, "write files and directories", storage.LocalStorage, "write_bytes"),
    ):
        user, system = cpu()
        began = time.perf_counter()
        result = generate_lake(str(directory / "lake"), sf=sf, workers=1)
        total = time.perf_counter() - began
        user, system = cpu()[0] - user, cpu()[1] - system
    spent["the rest (entries' JSON, job set-up)"] = total - sum(spent.values())
    print(
        f"1. sf={sf:g} on one worker: {result.rows_written:,} rows, "
        f"{result.partitions_written:,} files in {total:.2f} s "
        f"(CPU: {user:.2f} s user, {system:.2f} s system)"
    )
    for name, seconds in spent.most_common():
        print(f"   {name:<48} {seconds:6.2f} s  {seconds / total:5.1%}")


def encoding(sf: float) -> None:
    world = World(seed=42, sf=sf, start=DEFAULT_START)
    block = generate_block(world, range(200, 228), 730)
    tables = [t for day in block.days() for t in day.values() if t.num_rows]
    files = len(tables)

    def lake_encoder() -> int:
        return sum(
            len(data)
            for name, table in block.tables.items()
            for data in parquet_file.encode_ranges(
                table, block.counts[name], writer.statistics_columns(table.schema)
            )
            if data
        )

    def pyarrow_writer() -> int:
        return sum(
            len(parquet_file.pyarrow_file(t, writer.statistics_columns(t.schema))) for t in tables
        )

    for label, encode in (
        ("the lake's encoder", lake_encoder),
        ("pyarrow's writer", pyarrow_writer),
    ):
        best, size = float("inf"), 0
        for _ in range(5):
            began = time.perf_counter()
            size = encode()
            best = min(best, time.perf_counter() - began)
        print(
            f"2. {files} files of 28 days, {label:<18}: {best / files * 1e3:.3f} ms "
            f"and {size / files:,.0f} bytes a file"
        )


def zstd_speed(sf: float) -> None:
    world = World(seed=42, sf=sf, start=DEFAULT_START)
    deliveries = generate_block(world, range(200, 201), 730).tables["deliveries"]
    data = deliveries.column("delivery_address").combine_chunks().buffers()[2].to_pybytes()
    compressor = zstandard.ZstdCompressor(level=parquet_file.ZSTD_LEVEL)
    rounds = max(20, 20_000_000 // max(len(data), 1))
    began = time.perf_counter()
    for _ in range(rounds):
        compressed = compressor.compress(data)
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
