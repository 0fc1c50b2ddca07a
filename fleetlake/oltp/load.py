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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import pyarrow as pa

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
CHUNK_ROWS = 2_000_000  # rows of event partitions read from the lake at once


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


def _event_chunks(lake: Lake, table: str) -> Iterator[pa.Table]:
    """The table's rows, a few partitions at a time (at most ~CHUNK_ROWS rows per read)."""
    infos = lake.manifest.partitions.get(table, {})
    dates = lake.partition_dates(table)
    start: date | None = None
    rows = 0
    for i, day in enumerate(dates):
        start = start or day
        rows += infos[day].rows if day in infos else 0
        last = i == len(dates) - 1
        if rows >= CHUNK_ROWS or last:
            until = None if last else dates[i + 1]
            yield lake.read(table, since=start, until=until)
            start, rows = None, 0


def _table_columns(con: psycopg.Connection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [r[0] for r in rows]


def _copy(con: psycopg.Connection, table: str, columns: list[str], data: Iterator[pa.Table]) -> int:
    """Stream Arrow tables into ``table`` with one binary COPY; returns the row count."""
    count = 0
    column_list = ", ".join(columns)
    with con.cursor().copy(f"COPY {table} ({column_list}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(HEADER)
        for chunk in data:
            for batch in chunk.select(columns).to_batches(max_chunksize=BATCH_ROWS):
                copy.write(encode_batch(batch))
                count += batch.num_rows
        copy.write(TRAILER)
    return count


def _table_data(lake: Lake, table: str) -> Iterator[pa.Table]:
    if table in {t.name for t in ENTITY_TABLES}:
        yield lake.current(table)
    else:
        yield from _event_chunks(lake, table)


def load_lake(
    lake: Lake, dsn: str, progress: Callable[[str, int], None] | None = None
) -> LoadResult:
    """Replace the fleetlake tables in the database at ``dsn`` with the lake's current state.

    ``progress(table, rows)`` is called after each table. Raises ``DatabaseError`` (one line,
    no password) if anything fails; the previous copy is then left as it was.
    """
    import psycopg

    started = time.perf_counter()
    result = LoadResult()
    before, after = schema_parts()
    con = connect(dsn, autocommit=True)
    step = "create the schema"
    try:
        with con.transaction():
            tables = ", ".join((*LOAD_ORDER, META_TABLE))
            con.execute(f"DROP TABLE IF EXISTS {tables} CASCADE")
            con.execute(before)
            for table in LOAD_ORDER:
                step = f"COPY into {table}"
                columns = _table_columns(con, table)
                result.rows[table] = _copy(con, table, columns, _table_data(lake, table))
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
