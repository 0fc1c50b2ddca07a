"""Raw events in S3: JSON lines under ``raw/date=YYYY-MM-DD/hour=HH/`` (Colombia wall clock,
the lake's convention), one object per ingested batch and hour.

The object key is a hash of the event ids it holds, so a retried batch overwrites its own
object instead of adding a copy; an event id sent again in a *different* batch lands in a
second object and is removed by compaction, which keeps one record per event id.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from fleetlake.serverless.models import FleetEvent, lake_time
from fleetlake.serverless.resources import RAW_PREFIX

if TYPE_CHECKING:
    from fleetlake.serverless.resources import Clients


def raw_key(events: list[FleetEvent]) -> str:
    """The S3 key of one batch's events of one hour (all in the same hour)."""
    moment = lake_time(events[0].time)
    digest = hashlib.sha256("\n".join(sorted(e.event_id for e in events)).encode()).hexdigest()
    return f"{RAW_PREFIX}/date={moment:%Y-%m-%d}/hour={moment:%H}/{digest[:32]}.jsonl"


def write_raw(clients: Clients, events: list[FleetEvent]) -> list[str]:
    """Store events as JSON lines, one object per hour they fall in; returns the keys written."""
    by_hour: dict[tuple, list[FleetEvent]] = defaultdict(list)
    for event in events:
        moment = lake_time(event.time)
        by_hour[(moment.date(), moment.hour)].append(event)
    keys = []
    for group in by_hour.values():
        key = raw_key(group)
        body = "".join(json.dumps(e.to_record(), separators=(",", ":")) + "\n" for e in group)
        clients.s3.put_object(
            Bucket=clients.names.bucket,
            Key=key,
            Body=body.encode(),
            ContentType="application/x-ndjson",
        )
        keys.append(key)
    return keys


def raw_day(key: str) -> date:
    """The date partition of a raw object key (``raw/date=YYYY-MM-DD/hour=HH/...``)."""
    return date.fromisoformat(key.split("date=", 1)[1][:10])


def list_raw_keys(clients: Clients) -> Iterator[str]:
    """Every raw object key."""
    return (key for key, _ in list_raw_objects(clients))


def list_raw_objects(clients: Clients) -> Iterator[tuple[str, int]]:
    """(key, size in bytes) of every raw object."""
    paginator = clients.s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=clients.names.bucket, Prefix=f"{RAW_PREFIX}/"):
        for obj in page.get("Contents", []):
            yield obj["Key"], int(obj["Size"])


def read_raw_body(clients: Clients, key: str) -> bytes:
    """The JSON lines of one raw object, undecoded."""
    return clients.s3.get_object(Bucket=clients.names.bucket, Key=key)["Body"].read()
