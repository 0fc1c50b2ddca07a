"""Publishing days: each table's rows of a day encoded as one zstd Parquet file (``encode_days``,
a block of days at once), then written, then the day's entry (``publish_day``).

A partition is one file written atomically, so it appears whole or not at all; the day entry is
written only after all the day's files, so an interrupted run leaves at worst files without an
entry, which readers ignore and the next run rewrites. Compacted real-time partitions
(``write_stream_day``) are rewritten as events arrive, so their files are named by content: the
entry in force keeps pointing at whole files until the new entry replaces it. The files it no
longer lists are deleted only ``REPLACED_GRACE`` later, by a later write of the day: a reader that
read the previous entry (a warehouse load, ``validate``) still finds every file it lists.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import pyarrow as pa

from fleetlake.lake.manifest import DayEntry, PartitionInfo, StreamEntry
from fleetlake.lake.parquet_file import encode_ranges, encode_table
from fleetlake.lake.storage import Storage
from fleetlake.schema import PARTITION_COLUMN, STREAM_TABLES

# How long a replaced compacted file outlives the entry that stops listing it: longer than any
# read of the lake (a warehouse load takes seconds).
REPLACED_GRACE = timedelta(hours=1)
# The files ``write_stream_day`` names (by content), and a local write's temporary file.
_STREAM_FILE = re.compile(r"part-[0-9a-f]{16}\.parquet|\.part-[0-9a-f]{16}\.parquet\.\d+\.tmp")


@lru_cache(maxsize=64)
def statistics_columns(schema: pa.Schema) -> frozenset[str]:
    """The columns whose min/max readers filter by (integer ids, dates, times); other columns'
    statistics would cost more than they save on day-sized files."""
    return frozenset(
        f.name
        for f in schema
        if (f.name.endswith("_id") and pa.types.is_integer(f.type)) or pa.types.is_temporal(f.type)
    )


def partition_directory(table: str, day: date) -> str:
    return f"{table}/{PARTITION_COLUMN}={day.isoformat()}"


def partition_key(table: str, day: date, part: int | str = 0) -> str:
    return f"{partition_directory(table, day)}/part-{part}.parquet"


def encode_parquet(table: pa.Table) -> bytes:
    return encode_table(table, statistics_columns(table.schema))


@dataclass(frozen=True)
class EncodedDay:
    """One day's partitions encoded and hashed, not yet written."""

    day: date
    tables: dict[str, PartitionInfo]
    files: dict[str, bytes]  # by key


def encode_days(
    days: Sequence[date], tables: dict[str, pa.Table], counts: dict[str, Sequence[int]]
) -> list[EncodedDay]:
    """Consecutive days' partitions from tables that hold the days in order, ``counts[name][i]``
    rows of day i: each column is encoded once for all the days' files."""
    for name, day_counts in counts.items():
        if len(day_counts) != len(days):
            raise ValueError(f"{len(days)} days, but {len(day_counts)} row counts for {name}")
    files = {
        name: encode_ranges(table, counts[name], statistics_columns(table.schema))
        for name, table in tables.items()
    }
    encoded = []
    for i, day in enumerate(days):
        infos: dict[str, PartitionInfo] = {}
        day_files: dict[str, bytes] = {}
        for name in tables:
            data = files[name][i]
            if data is None:
                infos[name] = PartitionInfo(0, None, None)
                continue
            key = partition_key(name, day)
            day_files[key] = data
            infos[name] = PartitionInfo(counts[name][i], hashlib.sha256(data).hexdigest(), key)
        encoded.append(EncodedDay(day, infos, day_files))
    return encoded


def publish_day(
    storage: Storage,
    encoded: EncodedDay,
    window_end: date,
    open_trips: int,
    previous: DayEntry | None = None,
) -> DayEntry:
    """Write an encoded day's partitions, then its manifest entry; returns the entry."""
    for key, data in encoded.files.items():
        storage.write_bytes(key, data)
    entry = DayEntry(encoded.day, window_end, open_trips, encoded.tables)
    storage.write_bytes(entry.key, entry.to_json())
    _delete_replaced(storage, previous, encoded.tables)
    return entry


def write_stream_day(
    storage: Storage,
    day: date,
    tables: dict[str, pa.Table],
    raw_keys: frozenset[str],
    previous: StreamEntry | None = None,
    grace: timedelta = REPLACED_GRACE,
    present: Iterable[str] | None = None,
) -> StreamEntry:
    """Publish one day's changed compacted partitions (``tables``), then its stream entry.

    Tables not in ``tables`` keep their previous partition. Files are named by a prefix of their
    sha256, so rewriting a partition never touches the file the current entry lists. Files the
    previous entry listed, and content-named files of the day that no entry lists (left by a run
    killed before its entry), are kept as ``replaced``; those replaced ``grace`` ago are deleted.
    ``present`` are the keys in the day's stream directories, if the caller listed them already
    (one listing for many days); else they are listed here.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    infos = dict(previous.tables) if previous else {}
    for name, table in tables.items():
        data = encode_parquet(table)
        digest = hashlib.sha256(data).hexdigest()
        key = partition_key(name, day, digest[:16])
        storage.write_bytes(key, data)
        infos[name] = PartitionInfo(table.num_rows, digest, key)
    replaced = dict(previous.replaced) if previous else {}
    if present is None:
        present = [k for t in STREAM_TABLES for k in storage.list(partition_directory(t, day))]
    ours = [key for key in present if _STREAM_FILE.fullmatch(key.rsplit("/", 1)[-1])]
    before = [info.file for info in previous.tables.values()] if previous else []
    for key in before + ours:  # the files written above are among them: listed, so kept below
        replaced.setdefault(key, now)
    listed = {info.file for info in infos.values()}
    replaced = {f: at for f, at in replaced.items() if f and f not in listed}
    entry = StreamEntry(day, infos, raw_keys, replaced)
    expired = entry.expired(now, grace)
    # Deleted before the entry that forgets them: a run killed in between deletes them again.
    for key in sorted(expired):
        storage.delete(key)
    entry = replace(entry, replaced={f: t for f, t in entry.replaced.items() if f not in expired})
    storage.write_bytes(entry.key, entry.to_json())
    return entry


def _delete_replaced(
    storage: Storage, previous: DayEntry | None, infos: dict[str, PartitionInfo]
) -> None:
    """After the new entry is written: remove the files of the previous entry it no longer lists."""
    if previous is None:
        return
    for name, old in previous.tables.items():
        if old.file and not (name in infos and infos[name].file == old.file):
            storage.delete(old.file)
