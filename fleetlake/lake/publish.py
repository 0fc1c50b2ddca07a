"""Generating and publishing days into a lake: one function a worker process runs on a day range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fleetlake.gen import DEFAULT_DAYS, World, generate_block
from fleetlake.gen.world import DELIVERIES_PER_TRIP
from fleetlake.lake.manifest import DayEntry
from fleetlake.lake.storage import open_storage
from fleetlake.lake.writer import encode_days, publish_day


@dataclass(frozen=True)
class PublishJob:
    """Days of one world to generate for one window and publish into one lake."""

    uri: str
    endpoint_url: str | None
    world: World
    window_end: int  # day index, exclusive
    days: tuple[int, ...]
    previous: tuple[DayEntry | None, ...]  # the entries being replaced, aligned with ``days``


# Days generated together: enough rows that per-call Arrow costs vanish, few enough (about 50,000
# deliveries) that memory does not grow with the scale factor.
BLOCK_DELIVERIES = 50_000


def consecutive_runs(days: tuple[int, ...], size: int) -> list[range]:
    """Runs of consecutive days, at most ``size`` long."""
    runs: list[range] = []
    for t in days:
        last = runs[-1] if runs else None
        if last is not None and t == last.stop and len(last) < size:
            runs[-1] = range(last.start, t + 1)
        else:
            runs.append(range(t, t + 1))
    return runs


def run_job(job: PublishJob) -> list[DayEntry]:
    """Generate and publish the job's days, in order; returns their manifest entries."""
    storage = open_storage(job.uri, job.endpoint_url)
    end_day = job.world.day(job.window_end)
    previous = dict(zip(job.days, job.previous, strict=True))
    per_day = DELIVERIES_PER_TRIP * job.world.n_trips_default_window / DEFAULT_DAYS
    entries = []
    for block in consecutive_runs(job.days, max(1, int(BLOCK_DELIVERIES / per_day))):
        generated = generate_block(job.world, block, job.window_end)
        # The whole block is encoded before any file is created: alternating the two cost about
        # a fifth more CPU per file (the encoder and the kernel's file code evict each other).
        dates = [job.world.day(t) for t in block]
        encoded = encode_days(dates, generated.tables, generated.counts)
        still_open = open_trips(generated.tables["trips"], generated.counts["trips"])
        for t, day, trips_open in zip(block, encoded, still_open, strict=True):
            entries.append(publish_day(storage, day, end_day, trips_open, previous[t]))
    return entries


def open_trips(trips: pa.Table, counts: list[int]) -> list[int]:
    """Each day's trips still under way, from a block's trips table (``counts`` rows a day)."""
    under_way = pc.equal(trips.column("status"), "in_progress").fill_null(False)
    running = np.concatenate(([0], np.cumsum(under_way.to_numpy(), dtype=np.int64)))
    return np.diff(running[np.cumsum([0, *counts])]).tolist()
