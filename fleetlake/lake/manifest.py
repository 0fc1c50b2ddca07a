"""The lake manifest: what was generated, and for every day what was published.

``_lake.json`` holds the world (seed, sf, start, generator version); it is written once and every
later writer must agree with it. Each day has its own entry, ``_manifest/date=YYYY-MM-DD.json``,
written after that day's files: per table the row count, the file and its sha256, plus the window
end the day was generated for and whether it still holds trips under way. Writers of disjoint days
(workers, shards, machines) therefore never touch the same manifest object: no single writer.

Real-time events compacted by ``fleetlake compact`` have their own entries,
``_manifest/stream/date=YYYY-MM-DD.json``: the same per-table partitions, plus the raw objects
already compacted into them. They are not generated days, so they never move the lake's end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar

from fleetlake.errors import ManifestError
from fleetlake.lake.storage import Storage

LAKE_INFO_KEY = "_lake.json"
MANIFEST_PREFIX = "_manifest"
STREAM_PREFIX = f"{MANIFEST_PREFIX}/stream"
Entry = TypeVar("Entry")


@dataclass(frozen=True)
class LakeInfo:
    seed: int
    sf: float
    start: date
    generator_version: str

    def to_json(self) -> bytes:
        data = asdict(self) | {"start": self.start.isoformat()}
        return json.dumps(data, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes, where: str) -> LakeInfo:
        try:
            data = json.loads(raw)
            return cls(
                int(data["seed"]),
                float(data["sf"]),
                date.fromisoformat(data["start"]),
                str(data["generator_version"]),
            )
        except (ValueError, KeyError, TypeError) as e:
            raise ManifestError(f"{where} is corrupted ({type(e).__name__}: {e})") from None


@dataclass(frozen=True)
class PartitionInfo:
    rows: int
    sha256: str | None  # None when the partition is empty (no file is written)
    file: str | None


@dataclass(frozen=True)
class DayEntry:
    day: date
    window_end: date
    open_trips: int  # trips still under way at window_end: the day changes if the window grows
    tables: dict[str, PartitionInfo] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return day_entry_key(self.day)

    def to_json(self) -> bytes:
        return _entry_json(
            self.day,
            self.tables,
            window_end=self.window_end.isoformat(),
            open_trips=self.open_trips,
        )

    @classmethod
    def from_json(cls, raw: bytes, where: str) -> DayEntry:
        return _parse_entry(
            raw,
            where,
            lambda data, day, tables: cls(
                day, date.fromisoformat(data["window_end"]), int(data["open_trips"]), tables
            ),
        )


@dataclass(frozen=True)
class StreamEntry:
    """One day of compacted real-time events: its partitions and the raw objects they hold.

    ``replaced`` maps the files earlier entries listed to when (UTC) an entry stopped listing
    them: they are deleted only a grace period later, so a reader still holding an
    earlier entry finds every file it lists.
    """

    day: date
    tables: dict[str, PartitionInfo] = field(default_factory=dict)
    raw_keys: frozenset[str] = frozenset()  # raw event objects already compacted into the day
    replaced: dict[str, datetime] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return stream_entry_key(self.day)

    def expired(self, now: datetime, grace: timedelta) -> set[str]:
        """The replaced files no longer listed for at least ``grace``: safe to delete."""
        return {f for f, at in self.replaced.items() if now - at >= grace}

    def to_json(self) -> bytes:
        replaced = {f: at.isoformat(timespec="seconds") for f, at in self.replaced.items()}
        return _entry_json(self.day, self.tables, raw_keys=sorted(self.raw_keys), replaced=replaced)

    @classmethod
    def from_json(cls, raw: bytes, where: str) -> StreamEntry:
        return _parse_entry(
            raw,
            where,
            lambda data, day, tables: cls(
                day,
                tables,
                frozenset(map(str, data["raw_keys"])),
                {str(f): _utc(at) for f, at in data.get("replaced", {}).items()},
            ),
        )


def _utc(text: str) -> datetime:
    """A time written by ``to_json``; ValueError unless it names its offset."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time without offset: {text!r}")
    return moment


def _entry_json(day: date, tables: dict[str, PartitionInfo], **fields: Any) -> bytes:
    data = {
        "day": day.isoformat(),
        "tables": {
            name: {"rows": info.rows, "sha256": info.sha256, "file": info.file}
            for name, info in sorted(tables.items())
        },
        **fields,
    }
    return json.dumps(data, indent=1, sort_keys=True).encode()


def _parse_entry(
    raw: bytes, where: str, build: Callable[[dict, date, dict[str, PartitionInfo]], Entry]
) -> Entry:
    """Decode an entry: day and tables, then ``build`` the rest; ManifestError when corrupted."""
    try:
        data = json.loads(raw)
        tables = {
            name: PartitionInfo(int(t["rows"]), t["sha256"], t["file"])
            for name, t in data["tables"].items()
        }
        return build(data, date.fromisoformat(data["day"]), tables)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ManifestError(f"{where} is corrupted ({type(e).__name__}: {e})") from None


def day_entry_key(day: date) -> str:
    return f"{MANIFEST_PREFIX}/date={day.isoformat()}.json"


def stream_entry_key(day: date) -> str:
    return f"{STREAM_PREFIX}/date={day.isoformat()}.json"


@dataclass(frozen=True)
class Manifest:
    """The lake's info and all its day entries, sorted by day."""

    info: LakeInfo
    days: tuple[DayEntry, ...]
    stream: tuple[StreamEntry, ...] = ()  # compacted real-time events, sorted by day

    @property
    def seed(self) -> int:
        return self.info.seed

    @property
    def sf(self) -> float:
        return self.info.sf

    @property
    def start(self) -> date:
        return self.info.start

    @property
    def generator_version(self) -> str:
        return self.info.generator_version

    @property
    def end(self) -> date:
        """First day after the last published day (the start when nothing is published)."""
        return self.days[-1].day + timedelta(days=1) if self.days else self.info.start

    @cached_property
    def partitions(self) -> dict[str, dict[date, PartitionInfo]]:
        """table -> day -> partition, for the non-empty partitions (built once: read-only)."""
        return _non_empty(self.days)

    @cached_property
    def stream_partitions(self) -> dict[str, dict[date, PartitionInfo]]:
        """stream table -> day -> partition, for the non-empty compacted partitions (built once:
        read-only)."""
        return _non_empty(self.stream)

    def entry(self, day: date) -> DayEntry | None:
        for entry in self.days:
            if entry.day == day:
                return entry
        return None


def _non_empty(entries: tuple[DayEntry | StreamEntry, ...]) -> dict[str, dict[date, PartitionInfo]]:
    result: dict[str, dict[date, PartitionInfo]] = {}
    for entry in entries:
        for name, info in entry.tables.items():
            if info.rows:
                result.setdefault(name, {})[entry.day] = info
    return result


def read_info(storage: Storage) -> LakeInfo | None:
    try:
        raw = storage.read_bytes(LAKE_INFO_KEY)
    except FileNotFoundError:
        return None
    return LakeInfo.from_json(raw, f"{storage.uri}/{LAKE_INFO_KEY}")


def read_manifest(storage: Storage) -> Manifest | None:
    """The manifest, or None when the location holds no lake."""
    info = read_info(storage)
    if info is None:
        return None
    keys = [k for k in storage.list(MANIFEST_PREFIX) if k.endswith(".json")]
    days, stream = [], []
    for key, raw in zip(keys, storage.read_many(keys), strict=True):
        if key.startswith(f"{STREAM_PREFIX}/"):
            stream.append(StreamEntry.from_json(raw, f"{storage.uri}/{key}"))
        else:
            days.append(DayEntry.from_json(raw, f"{storage.uri}/{key}"))
    return Manifest(
        info,
        tuple(sorted(days, key=lambda e: e.day)),
        tuple(sorted(stream, key=lambda e: e.day)),
    )


def read_stream_entries(storage: Storage) -> dict[date, StreamEntry]:
    """The stream entries by day (a location without a generated lake may hold them too)."""
    keys = [k for k in storage.list(STREAM_PREFIX) if k.endswith(".json")]
    entries = (
        StreamEntry.from_json(raw, f"{storage.uri}/{key}")
        for key, raw in zip(keys, storage.read_many(keys), strict=True)
    )
    return {entry.day: entry for entry in entries}
