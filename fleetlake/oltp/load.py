"""Load the lake's current state into PostgreSQL with binary COPY, atomically.

Everything happens in one transaction: drop the fleetlake tables, create them from
``sql/postgres/schema.sql``, COPY every table, add foreign keys and their indexes, record the
load in ``fleetlake_load``, ANALYZE. PostgreSQL DDL is transactional, so a failed or interrupted
load rolls back to the previous copy, untouched; a rerun rebuilds the same tables (never
duplicates). Creating the tables in the loading transaction also lets PostgreSQL skip most WAL.

Entity tables get their current state (latest row per id); event tables every row, read a few
partitions at a time so memory stays bounded at large scale factors.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from itertools import groupby, islice
from operator import itemgetter
from typing import TYPE_CHECKING

import pyarrow as pa

from fleetlake.errors import ValidationError
from fleetlake.oltp.connection import connect, database_error
from fleetlake.oltp.copy_binary import HEADER, TRAILER, encode_batch
from fleetlake.schema import ENTITY_TABLES, EVENT_TABLES
from fleetlake.sql_files import read_sql

if TYPE_CHECKING:
    import psycopg

    from fleetlake.lake import Lake

# Parents before children (foreign keys are added after the data, but the order reads naturally).
LOAD_ORDER: tuple[str, ...] = tuple(t.name for t in ENTITY_TABLES + EVENT_TABLES)
META_TABLE = "fleetlake_load"
AFTER_LOAD_MARKER = "-- ---- after load"
BATCH_ROWS = 65_536
CHUNK_ROWS = 1_000_000  # rows of event partitions read from the lake at once
PREFETCH = 3  # reads running ahead of COPY (bounds memory: PREFETCH x CHUNK_ROWS rows)


@dataclass
class LoadResult:
    """What a load did: rows per table and the wall time."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def schema_parts() -> tuple[str, str]:
    """``schema.sql`` split at its marker: (create tables, after-load constraints and indexes)."""
    text = read_sql("postgres/schema.sql")
    before, marker, after = text.partition(AFTER_LOAD_MARKER)
    if not marker:
        raise RuntimeError(f"postgres/schema.sql lacks the '{AFTER_LOAD_MARKER}' marker")
    return before, after


def _event_ranges(lake: Lake, table: str) -> list[tuple[date | None, date | None]]:
    """[since, until) ranges of partitions holding about CHUNK_ROWS rows each (at least one)."""
    infos = lake.manifest.partitions.get(table, {})
    dates = sorted(infos)
    ranges: list[tuple[date | None, date | None]] = []
    start: date | None = None
    rows = 0
    for i, day in enumerate(dates):
        start = start or day
        rows += infos[day].rows
        if rows >= CHUNK_ROWS or i == len(dates) - 1:
            ranges.append((start, None if i == len(dates) - 1 else dates[i + 1]))
            start, rows = None, 0
    return ranges or [(None, None)]


def _reads(lake: Lake) -> list[tuple[str, Callable[[], pa.Table]]]:
    """What to read, in load order: entity tables' current state, event tables in ranges."""
    entities = {t.name for t in ENTITY_TABLES}
    reads: list[tuple[str, Callable[[], pa.Table]]] = []
    for table in LOAD_ORDER:
        if table in entities:
            reads.append((table, partial(lake.current, table)))
        else:
            for since, until in _event_ranges(lake, table):
                reads.append((table, partial(lake.read, table, since=since, until=until)))
    return reads


def _prefetched(
    reads: list[tuple[str, Callable[[], pa.Table]]], ahead: int = PREFETCH
) -> Iterator[tuple[str, pa.Table]]:
    """Run the reads in background threads, ``ahead`` of the consumer (overlaps lake reads with
    COPY), yielding (table, data) in order."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: deque = deque()
        queue = iter(reads)
        for table, read in islice(queue, ahead):
            pending.append((table, pool.submit(read)))
        while pending:
            table, future = pending.popleft()
            upcoming = next(queue, None)
            if upcoming is not None:
                pending.append((upcoming[0], pool.submit(upcoming[1])))
            yield table, future.result()


def _table_columns(con: psycopg.Connection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [r[0] for r in rows]


def _copy(con: psycopg.Connection, table: str, columns: list[str], data: Iterable[pa.Table]) -> int:
    """Stream Arrow tables into ``table`` with one binary COPY; returns the row count."""
    count = 0
    column_list = ", ".join(columns)
    with con.cursor().copy(f"COPY {table} ({column_list}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(HEADER)
        for chunk in data:
            # One chunk per lake file: merge them, or each tiny file becomes its own batch.
            merged = chunk.select(columns).combine_chunks()
            for batch in merged.to_batches(max_chunksize=BATCH_ROWS):
                copy.write(encode_batch(batch))
                count += batch.num_rows
        copy.write(TRAILER)
    return count


def check_lake(lake: Lake) -> None:
    """Refuse a lake that fails ``fleetlake validate`` (before touching the database)."""
    from fleetlake.lake.validate import validate_lake

    report = validate_lake(lake)
    if not report.ok:
        raise ValidationError(
            f"lake {lake.uri} fails validation ({report.violations[0]}); "
            "run `fleetlake validate` for the full report"
        )


def load_lake(
    lake: Lake,
    dsn: str,
    validate: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> LoadResult:
    """Replace the fleetlake tables in the database at ``dsn`` with the lake's current state.

    ``validate`` first checks the lake (hashes and data rules) and refuses a bad one.
    ``progress(table, rows)`` is called after each table. Raises ``DatabaseError`` (one line,
    no password) if anything fails; the previous copy is then left as it was.
    """
    import psycopg

    started = time.perf_counter()
    if validate:
        check_lake(lake)
    result = LoadResult()
    before, after = schema_parts()
    con = connect(dsn, autocommit=True)
    step = "create the schema"
    try:
        with con.transaction():
            tables = ", ".join((*LOAD_ORDER, META_TABLE))
            con.execute(f"DROP TABLE IF EXISTS {tables} CASCADE")
            con.execute(before)
            chunks = _prefetched(_reads(lake))
            for table, group in groupby(chunks, key=itemgetter(0)):
                step = f"COPY into {table}"
                columns = _table_columns(con, table)
                result.rows[table] = _copy(con, table, columns, (data for _, data in group))
                if progress:
                    progress(table, result.rows[table])
            step = "add foreign keys and indexes"
            con.execute(after)
            manifest = lake.manifest
            con.execute(
                f"INSERT INTO {META_TABLE} (lake_uri, seed, sf, start_date, end_date) "
                "VALUES (%s, %s, %s, %s, %s)",
                (str(lake.uri), manifest.seed, manifest.sf, manifest.start, manifest.end),
            )
            step = "ANALYZE"
            for table in LOAD_ORDER:
                con.execute(f"ANALYZE {table}")
    except psycopg.Error as e:
        raise database_error(e, dsn, step) from e
    finally:
        con.close()
    result.seconds = time.perf_counter() - started
    return result
