"""A DuckDB copy of the lake for the KPIs, kept in sync partition by partition.

Why: the lake holds one small Parquet file per table and day (~5,000 files at 730 days), and
opening thousands of files costs far more than the KPI queries themselves. Scanning them for
every query would miss the 0.3 s budget for all 12 KPIs at sf=1 several times over. So the KPIs
run on native DuckDB tables holding every lake row, plus the partition each row came from.

The copy is rebuilt incrementally from the lake manifest's per-partition content hashes: a new
partition is inserted, a changed one is replaced, a removed one deleted; an unchanged lake costs
one manifest comparison. A lake with another seed, scale factor or start date, or tables with
other columns (another release), is copied afresh.
Where: ``<lake>/.cache/kpi.duckdb`` for a local lake (it goes when the lake goes), and
``$FLEETLAKE_CACHE_DIR`` (default ``~/.cache/fleetlake``)``/kpi/<hash of the URI>.duckdb`` for
an S3 lake. If the file cannot be opened (read-only lake, another process holds it), the copy
is built in memory instead: slower, never wrong.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from fleetlake.errors import LakeError
from fleetlake.lake.current import current_state_sql
from fleetlake.schema import TABLES, empty_table

if TYPE_CHECKING:
    import duckdb

    from fleetlake.lake import Lake

CACHE_VERSION = "1"
DAY = "_day"  # the lake partition a cached row came from
# Deliveries are partitioned by their trip's departure date, which the delivery row lacks.
_PARENT_PARTITION = {"deliveries": ("trips", "trip_id")}


def cache_file(lake: Lake) -> Path:
    """Where the DuckDB copy of ``lake`` lives (see the module docstring)."""
    return lake.cache_file("kpi", ".duckdb")


def _cached(table: str) -> str:
    return f"lake_{table}"


def _identity(lake: Lake) -> str:
    """The lake's world and the tables' schemas: a copy made for another world, or by a release
    whose tables had other columns, is rebuilt rather than inserted into."""
    m = lake.manifest
    schemas = "|".join(f"{name}:{spec.schema}" for name, spec in TABLES.items())
    digest = hashlib.sha256(schemas.encode()).hexdigest()[:16]
    return f"{CACHE_VERSION}|{m.seed}|{m.sf}|{m.start}|{digest}"


def _cached_identity(con: duckdb.DuckDBPyConnection) -> str | None:
    import duckdb

    try:
        rows = con.execute("SELECT identity FROM _cache_identity").fetchall()
    except duckdb.CatalogException:
        return None
    return rows[0][0] if rows else None


def _recreate(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    """Empty cached tables for this lake's world (dropping another world's copy)."""
    for table in TABLES:
        con.execute(f"DROP TABLE IF EXISTS {_cached(table)}")
        spec = TABLES[table]
        columns = pa.schema(list(spec.schema) + [pa.field(DAY, pa.date32())])
        empty = empty_table(columns)
        con.register("_empty", empty)
        con.execute(f"CREATE TABLE {_cached(table)} AS SELECT * FROM _empty")
        con.unregister("_empty")
    con.execute("CREATE OR REPLACE TABLE _partitions (tbl VARCHAR, day DATE, sha256 VARCHAR)")
    identity = "CREATE OR REPLACE TABLE _cache_identity AS SELECT ? AS identity"
    con.execute(identity, [_identity(lake)])


def _runs(days: list[date], all_days: list[date]) -> list[tuple[date, date | None]]:
    """Group ``days`` into [since, until) ranges of consecutive lake partitions."""
    wanted = set(days)
    runs: list[tuple[date, date | None]] = []
    start: date | None = None
    for i, day in enumerate(all_days):
        if day in wanted and start is None:
            start = day
        if start is not None and (day not in wanted or i == len(all_days) - 1):
            runs.append((start, day if day not in wanted else None))
            start = None
    return runs


def _day_expression(table: str) -> str:
    spec = TABLES[table]
    if table in _PARENT_PARTITION:
        parent, key = _PARENT_PARTITION[table]
        return f"(SELECT p.{DAY} FROM {_cached(parent)} p WHERE p.{key} = n.{key})"
    return f"CAST(n.{spec.partition_by} AS DATE)"


def _changes(
    con: duckdb.DuckDBPyConnection, lake: Lake
) -> dict[str, tuple[list[date], list[date], dict[date, str | None]]]:
    """Per table: (stale days to delete, days to load, wanted hashes); unchanged tables omitted."""
    have: dict[str, dict[date, str]] = {}
    for table, day, sha in con.execute("SELECT tbl, day, sha256 FROM _partitions").fetchall():
        have.setdefault(table, {})[day] = sha
    changes = {}
    partitions = lake.manifest.partitions
    for table in TABLES:
        wanted = {day: info.sha256 for day, info in partitions.get(table, {}).items()}
        held = have.get(table, {})
        stale = [day for day, sha in held.items() if wanted.get(day) != sha]
        missing = sorted(day for day, sha in wanted.items() if held.get(day) != sha)
        if stale or missing:
            changes[table] = (stale, missing, wanted)
    return changes


def _register_partitions(
    con: duckdb.DuckDBPyConnection, lake: Lake, table: str, since: date, until: date | None
) -> None:
    """View ``_new`` over the table's partitions in [since, until), scanned without loading them
    into memory: DuckDB's own Parquet reader for a local lake, a pyarrow dataset for S3."""
    scan = lake.parquet_scan(table, since, until)
    if scan:
        con.execute(f"CREATE OR REPLACE TEMP VIEW _new AS SELECT * FROM {scan}")
    else:
        con.register("_new", lake.dataset(table, since=since, until=until))


def _apply(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    table: str,
    stale: list[date],
    missing: list[date],
    wanted: dict[date, str | None],
) -> None:
    """Delete the stale partitions of one cached table and load the missing ones."""
    import duckdb

    cached = _cached(table)
    if stale:
        con.execute(f"DELETE FROM {cached} WHERE {DAY} IN (SELECT UNNEST(?::DATE[]))", [stale])
        con.execute(
            "DELETE FROM _partitions WHERE tbl = ? AND day IN (SELECT UNNEST(?::DATE[]))",
            [table, stale],
        )
    columns = ", ".join(f"n.{f.name}" for f in TABLES[table].schema)
    insert = f"INSERT INTO {cached} SELECT {columns}, {_day_expression(table)} FROM _new n"
    for since, until in _runs(missing, lake.partition_dates(table)):
        try:
            _register_partitions(con, lake, table, since, until)
            con.execute(insert)
        except duckdb.Error as e:  # the caller rolls the whole sync back
            reason = str(e).splitlines()[0]
            raise LakeError(f"cannot read {table} from {lake.uri}: {reason}") from e
        con.execute("DROP VIEW _new")
    con.executemany(
        "INSERT INTO _partitions VALUES (?, ?, ?)", [[table, day, wanted[day]] for day in missing]
    )


def sync(con: duckdb.DuckDBPyConnection, lake: Lake) -> int:
    """Make the cached tables equal to the lake; returns how many partitions were (re)loaded.

    An unchanged lake costs one query and a comparison; changes are applied in one transaction.
    """
    foreign = _cached_identity(con) != _identity(lake)
    changes = {} if foreign else _changes(con, lake)
    if not foreign and not changes:
        return 0
    con.execute("BEGIN TRANSACTION")
    try:
        if foreign:
            _recreate(con, lake)
            changes = _changes(con, lake)
        # TABLES order puts trips before deliveries, which take their partition from trips.
        for table, change in changes.items():
            _apply(con, lake, table, *change)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return sum(len(missing) for _, missing, _ in changes.values())


def open_cache(lake: Lake) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding the synced copy of ``lake`` (file-backed when possible)."""
    import duckdb

    path = cache_file(lake)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
    except (OSError, duckdb.Error):  # unwritable, locked by another process, unreadable
        con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    if lake.storage.local:
        # Thousands of small local files: one DuckDB thread copies them as fast as two with a
        # quarter less CPU, and leaves a core to the report's validation running beside it.
        con.execute("SET threads = 1")
    try:
        sync(con, lake)
    except BaseException:
        con.close()  # release the file now, not when the traceback is collected
        raise
    con.execute("RESET threads")
    return con


def create_views(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Canonical table names for the KPIs: events as views, entities as of ``as_of``.

    An entity's state on ``as_of`` is its state at the end of that day (``current_state_sql``
    with the day's last microsecond, the lake's timestamp precision). The entity states are small
    temp tables, computed once instead of in every query that joins them.
    """
    end_of_day = datetime.combine(as_of, time.max)
    for name, spec in TABLES.items():
        if spec.is_entity:
            body = current_state_sql(spec, _cached(name), end_of_day)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {body}")
        else:
            columns = ", ".join(spec.schema.names)
            body = f"SELECT {columns} FROM {_cached(name)}"
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {body}")
