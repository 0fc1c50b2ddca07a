"""The one place that wires stages together: gen -> lake (and the quick-start demo).

``generate_lake`` decides which days a run must (re)write, splits them across worker processes and
collects the manifest entries they publish. ``simulate_lake`` is the same run with a longer window.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from fleetlake.config import Config
from fleetlake.errors import ConfigError, ManifestError
from fleetlake.gen import GENERATOR_VERSION, World, customers, drivers, vehicles
from fleetlake.lake.manifest import LAKE_INFO_KEY, DayEntry, LakeInfo, read_manifest
from fleetlake.lake.publish import PublishJob, run_job
from fleetlake.lake.storage import open_storage

Progress = Callable[[int, int], None]  # (days done, days to do)


@dataclass
class GenerateResult:
    """What a run did, for the CLI's summary and ``--json``."""

    lake: str
    seed: int
    sf: float
    start: date
    end: date  # exclusive
    days_written: int
    days_skipped: int
    partitions_written: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows_written(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class Shard:
    """Shard k of n (0-based): a contiguous range of the window's days."""

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            k, n = (int(p) for p in text.split("/"))
        except ValueError:
            raise ConfigError(f"--shard must look like K/N (e.g. 1/4), got '{text}'") from None
        if not 1 <= k <= n:
            raise ConfigError(f"--shard {text}: K must be between 1 and N")
        return cls(k - 1, n)

    def days(self, total: int) -> range:
        return range(self.index * total // self.count, (self.index + 1) * total // self.count)


def check_arguments(sf: float, days: int, workers: int) -> None:
    if not sf > 0:
        raise ConfigError(f"--sf must be > 0, got {sf}")
    if days < 1:
        raise ConfigError(f"--days must be >= 1, got {days}")
    if workers < 0:
        raise ConfigError(f"--workers must be >= 0, got {workers}")


def generate_lake(
    uri: str,
    *,
    sf: float = 1.0,
    seed: int = 42,
    start: date = date(2024, 1, 1),
    days: int = 730,
    workers: int = 0,
    shard: Shard = Shard(),
    endpoint_url: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> GenerateResult:
    """Generate the window [start, start + days) into the lake at ``uri``.

    Days already published for this window are kept (a rerun completes an interrupted one); a day
    published for a shorter window is rewritten only if it still had trips under way. ``force``
    rewrites every day. A lake generated with another seed, sf or start is refused untouched.
    """
    check_arguments(sf, days, workers)
    began = time.perf_counter()
    world = World(seed=seed, sf=sf, start=start)
    storage = open_storage(uri, endpoint_url)
    storage.check_writable()
    info = LakeInfo(seed, float(sf), start, GENERATOR_VERSION)
    manifest = read_manifest(storage)
    if manifest is not None:
        _check_same_world(manifest.info, info, storage.uri)
    else:
        storage.write_bytes(LAKE_INFO_KEY, info.to_json())
    existing = {entry.day: entry for entry in manifest.days} if manifest else {}
    window_end = start + timedelta(days=days)
    if existing and max(existing) >= window_end:
        raise ManifestError(
            f"{storage.uri} already holds days up to {max(existing)}; a window ending "
            f"{window_end - timedelta(days=1)} would shrink it (use a new lake path)"
        )
    to_write = [
        t for t in shard.days(days) if force or _must_write(existing.get(world.day(t)), window_end)
    ]
    _warm_caches(world)
    entries = _run(uri, endpoint_url, world, days, to_write, existing, workers, progress)
    rows: dict[str, int] = {}
    for entry in entries:
        for name, part in entry.tables.items():
            rows[name] = rows.get(name, 0) + part.rows
    return GenerateResult(
        lake=storage.uri,
        seed=seed,
        sf=float(sf),
        start=start,
        end=window_end,
        days_written=len(entries),
        days_skipped=len(shard.days(days)) - len(entries),
        partitions_written=sum(1 for e in entries for p in e.tables.values() if p.rows),
        rows=rows,
        seconds=time.perf_counter() - began,
    )


def simulate_lake(
    uri: str,
    *,
    days: int,
    workers: int = 0,
    endpoint_url: str | None = None,
    seed: int | None = None,
    sf: float | None = None,
    progress: Progress | None = None,
) -> GenerateResult:
    """Append the next ``days`` days to an existing lake, continuing from its manifest."""
    if days < 1:
        raise ConfigError(f"--days must be >= 1, got {days}")
    storage = open_storage(uri, endpoint_url)
    manifest = read_manifest(storage)
    if manifest is None:
        raise ManifestError(f"no lake at {storage.uri} to continue (run `fleetlake gen` first)")
    asked = LakeInfo(
        manifest.seed if seed is None else seed,
        manifest.sf if sf is None else float(sf),
        manifest.start,
        manifest.generator_version,
    )
    _check_same_world(manifest.info, asked, storage.uri)
    if manifest.info.generator_version != GENERATOR_VERSION:
        _check_same_world(
            manifest.info,
            LakeInfo(asked.seed, asked.sf, asked.start, GENERATOR_VERSION),
            storage.uri,
        )
    current_days = (manifest.end - manifest.start).days
    return generate_lake(
        uri,
        sf=manifest.sf,
        seed=manifest.seed,
        start=manifest.start,
        days=current_days + days,
        workers=workers,
        endpoint_url=endpoint_url,
        progress=progress,
    )


def _check_same_world(found: LakeInfo, asked: LakeInfo, where: str) -> None:
    for name in ("seed", "sf", "start", "generator_version"):
        if getattr(found, name) != getattr(asked, name):
            raise ManifestError(
                f"{where} was generated with {name}={getattr(found, name)}, not "
                f"{getattr(asked, name)}; use a new lake path or the same arguments"
            )


def _must_write(entry: DayEntry | None, window_end: date) -> bool:
    if entry is None:
        return True
    if entry.window_end == window_end:
        return False
    return entry.open_trips > 0 or entry.window_end > window_end


def _warm_caches(world: World) -> None:
    """Build the per-entity schedules once, before worker processes fork and inherit them."""
    vehicles.fleet(world)
    drivers.staff(world)
    customers.clientele(world)


def _run(
    uri: str,
    endpoint_url: str | None,
    world: World,
    days: int,
    to_write: list[int],
    existing: dict[date, DayEntry],
    workers: int,
    progress: Progress | None,
) -> list[DayEntry]:
    workers = workers or os.cpu_count() or 1
    # At most 30 days a job, at least 4 jobs a worker, and a multiple of the worker count: no
    # worker is left alone with the last job.
    n = len(to_write)
    count = max(-(-n // 30), min(n, workers * 4))
    count = -(-count // workers) * workers
    groups = [to_write[i * n // count : (i + 1) * n // count] for i in range(count)]
    jobs = [
        PublishJob(
            uri,
            endpoint_url,
            world,
            days,
            tuple(group),
            tuple(existing.get(world.day(t)) for t in group),
        )
        for group in groups
        if group
    ]
    entries: list[DayEntry] = []
    done = 0
    if progress:
        progress(0, len(to_write))
    if workers == 1 or len(jobs) <= 1:
        results = (run_job(job) for job in jobs)
    else:
        # Each worker freezes what it inherits (fork): its garbage collections then leave those
        # objects, and the pages they share with this process, alone.
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"), initializer=gc.freeze
        )
        futures = [pool.submit(run_job, job) for job in jobs]
        results = (f.result() for f in as_completed(futures))
    try:
        for batch in results:
            entries.extend(batch)
            done += len(batch)
            if progress:
                progress(done, len(to_write))
    finally:
        if workers != 1 and len(jobs) > 1:
            pool.shutdown(cancel_futures=True)
    return sorted(entries, key=lambda e: e.day)


def run_demo(config: Config, directory: Path, sf: float, echo: Callable[[str], None]) -> None:
    """The quick start: a small lake, validated, its KPIs, a warehouse with history, a replay of
    real-time events compacted into the lake and loaded into the warehouse, a report.

    Everything goes under ``directory`` so the demo never touches the profile's own lake. Postgres
    is loaded and cross-checked only when a DSN is configured.
    """
    from fleetlake.kpi import KPIS, run_kpis, title
    from fleetlake.lake import open_lake
    from fleetlake.lake.saved_validation import validation_of
    from fleetlake.report import build_report
    from fleetlake.serverless.demo import demo_summary as serverless_summary
    from fleetlake.warehouse.service import demo_events_summary
    from fleetlake.warehouse.service import demo_summary as warehouse_summary

    config = replace(
        config, lake=str(directory / "lake"), warehouse_path=str(directory / "warehouse.duckdb")
    )
    echo(f"== 1. generate: sf={sf:g}, seed {config.seed}, 730 days -> {config.lake}")
    result = generate_lake(config.lake, sf=sf, seed=config.seed, workers=config.workers)
    echo(
        f"   {result.rows_written:,} rows written in {result.seconds:.2f} s "
        f"({result.days_skipped} days already there)"
    )
    lake = open_lake(config.lake)
    echo("== 2. validate")
    report = validation_of(lake)  # saved beside the lake: the report reuses it
    for name, rows in report.rows.items():
        echo(f"   {name:<12} {rows:>9,} rows in {report.partitions[name]:>4} partitions")
    echo(
        f"   {len(report.checks)} checks: "
        + ("all passed" if report.ok else f"{len(report.violations)} violated")
    )
    echo("== 3. KPIs on DuckDB over the lake")
    results = run_kpis(lake, tolerance_minutes=config.on_time_tolerance_minutes)
    for name in KPIS:
        echo(f"   {name:<32} {results[name].num_rows:>4} rows  {title(name)}")
    if config.postgres_dsn:
        from fleetlake.kpi.check import check_kpis
        from fleetlake.oltp.load import load_lake

        echo("== 3b. PostgreSQL copy and the cross-check")
        load_lake(lake, config.postgres_dsn)
        check = check_kpis(
            lake, config.postgres_dsn, tolerance_minutes=config.on_time_tolerance_minutes
        )
        echo(
            "   DuckDB and Postgres agree on all 12 KPIs"
            if check.ok
            else "   some KPIs differ: run `fleetlake kpi check` for the rows"
        )
    echo("== 4. warehouse (DuckDB, SCD2)")
    for line in warehouse_summary(config).splitlines():
        echo(f"   {line}")
    echo("== 5. real-time path: replay through the local gateway, moto S3/DynamoDB/SNS")
    results = directory / "reports"  # the replay's results, for the report's serverless section
    for line in serverless_summary(config, save_results=results / "replay.json").splitlines():
        echo(f"   {line}")
    echo(f"   {demo_events_summary(config)}")  # the compacted events, in lake and warehouse
    out = build_report(config, directory / "report.html", results_dir=results)
    echo(f"== 6. report: {out}")
