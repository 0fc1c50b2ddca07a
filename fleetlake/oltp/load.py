"""Load the lake's current state into PostgreSQL with binary COPY, atomically.

Everything happens in one transaction: drop the fleetlake tables, create them from
``sql/postgres/schema.sql``, COPY every table, add foreign keys and their indexes, record the
load in ``fleetlake_load``, ANALYZE. PostgreSQL DDL is transactional, so a failed or interrupted
load rolls back to the previous copy, untouched; a rerun rebuilds the same tables (never
duplicates). Creating the tables in the loading transaction also lets PostgreSQL skip most WAL.

The lake is read through DuckDB views (``Lake.register_duckdb``): entity tables give their current
state (latest row per id), event tables every row, streamed as Arrow record batches so memory
stays bounded at any scale factor, and DuckDB's parallel Parquet scan is several times faster
than reading the ~700 daily files of a table one by one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import pyarrow as pa

from fleetlake.errors import DatabaseError, LakeError
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
# Every table sql/postgres/schema.sql creates: what a load replaces, and all fleetlake owns.
SCHEMA_TABLES: tuple[str, ...] = (*LOAD_ORDER, META_TABLE)
AFTER_LOAD_MARKER = "-- ---- after load"
BATCH_ROWS = 65_536


@dataclass
class LoadResult:
    """What a load did: rows per table and the wall time."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class LoadMarker:
    """What the last load recorded in ``fleetlake_load``: which lake, world and date range."""

    lake_uri: str
    seed: int
    sf: float
    start: date
    end: date  # exclusive, as in the lake manifest: the last date in the data is end - 1


def read_load_marker(con: psycopg.Connection) -> LoadMarker:
    """The load marker of the database behind ``con`` (an autocommit connection).

    ``DatabaseError`` (one line, no password) when the database holds no fleetlake copy or the
    marker cannot be read.
    """
    import psycopg

    columns = "lake_uri, seed, sf, start_date, end_date"
    try:
        row = con.execute(f"SELECT {columns} FROM {META_TABLE}").fetchone()
    except psycopg.errors.UndefinedTable:
        row = None
    except psycopg.Error as e:  # con.info.dsn never holds the password
        raise database_error(e, con.info.dsn, f"reading {META_TABLE}") from e
    if row is None:
        raise DatabaseError("the database holds no fleetlake copy; run `fleetlake pg load` first")
    return LoadMarker(*row)


def schema_parts() -> tuple[str, str]:
    """``schema.sql`` split at its marker: (create tables, after-load constraints and indexes)."""
    text = read_sql("postgres/schema.sql")
    before, marker, after = text.partition(AFTER_LOAD_MARKER)
    if not marker:
        raise RuntimeError(f"postgres/schema.sql lacks the '{AFTER_LOAD_MARKER}' marker")
    return before, after


def _table_columns(con: psycopg.Connection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [r[0] for r in rows]


def _rebatched(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Merge small batches (a scan yields one per ~500-row daily file) into ~``rows``-row ones:
    encoding costs a fixed overhead per batch."""
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in batches:
        pending.append(batch)
        size += batch.num_rows
        if size >= rows:
            yield pa.Table.from_batches(pending).combine_chunks().to_batches()[0]
            pending, size = [], 0
    if size:
        yield pa.Table.from_batches(pending).combine_chunks().to_batches()[0]


def _copy(
    con: psycopg.Connection, table: str, columns: list[str], batches: Iterable[pa.RecordBatch]
) -> int:
    """Stream Arrow record batches into ``table`` with one binary COPY; returns the row count."""
    count = 0
    column_list = ", ".join(columns)
    with con.cursor().copy(f"COPY {table} ({column_list}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(HEADER)
        for batch in _rebatched(batches, BATCH_ROWS):
            copy.write(encode_batch(batch))
            count += batch.num_rows
        copy.write(TRAILER)
    return count


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
    import duckdb
    import psycopg

    started = time.perf_counter()
    if validate:  # before touching the database; reuses a result saved for this content
        from fleetlake.lake.saved_validation import refuse_invalid

        refuse_invalid(lake, "run `fleetlake validate` for the full report")
    result = LoadResult()
    before, after = schema_parts()
    con = connect(dsn, autocommit=True)
    lake_db = duckdb.connect()
    step = "create the schema"
    try:
        lake_db.execute("SET enable_progress_bar = false")
        lake.register_duckdb(lake_db)  # entity views hold the current state, events every row
        with con.transaction():
            # Index builds after COPY sort whole tables: give them memory (this transaction only).
            con.execute("SET LOCAL maintenance_work_mem = '256MB'")
            con.execute(f"DROP TABLE IF EXISTS {', '.join(SCHEMA_TABLES)} CASCADE")
            con.execute(before)
            for table in LOAD_ORDER:
                step = f"COPY into {table}"
                columns = _table_columns(con, table)
                source = lake_db.sql(f"SELECT {', '.join(columns)} FROM {table}")
                result.rows[table] = _copy(con, table, columns, source.to_arrow_reader(BATCH_ROWS))
                if progress:
                    progress(table, result.rows[table])
            step = "add keys, foreign keys and indexes"
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
    except duckdb.Error as e:
        raise LakeError(f"cannot read {lake.uri} ({step}): {str(e).splitlines()[0]}") from e
    finally:
        con.close()
        lake_db.close()
    result.seconds = time.perf_counter() - started
    return result
