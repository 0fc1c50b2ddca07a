"""Generating and publishing days into a lake: one function a worker process runs on a day range."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow.compute as pc

from fleetlake.gen import World, generate_day
from fleetlake.lake.manifest import DayEntry
from fleetlake.lake.storage import open_storage
from fleetlake.lake.writer import write_day


@dataclass(frozen=True)
class PublishJob:
    """Days of one world to generate for one window and publish into one lake."""

    uri: str
    endpoint_url: str | None
    world: World
    window_end: int  # day index, exclusive
    days: tuple[int, ...]
    previous: tuple[DayEntry | None, ...]  # the entries being replaced, aligned with ``days``


def run_job(job: PublishJob) -> list[DayEntry]:
    """Generate and publish the job's days, in order; returns their manifest entries."""
    storage = open_storage(job.uri, job.endpoint_url)
    end_day = job.world.day(job.window_end)
    entries = []
    for t, previous in zip(job.days, job.previous, strict=True):
        tables = generate_day(job.world, t, job.window_end)
        open_trips = pc.sum(pc.equal(tables["trips"].column("status"), "in_progress")).as_py() or 0
        entries.append(write_day(storage, job.world.day(t), tables, end_day, open_trips, previous))
    return entries
