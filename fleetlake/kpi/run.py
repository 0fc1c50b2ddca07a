"""Run the KPIs on DuckDB over the lake (default, no server) or on the PostgreSQL copy.

``as_of`` anchors every relative window; by default it is the last date in the data (the lake's
last partition date, or for PostgreSQL alone the last date recorded by ``pg load``). A date
outside the data is refused. Entities are taken in their state on ``as_of`` on DuckDB; the
PostgreSQL copy holds the latest state, so both agree for the default ``as_of``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pyarrow as pa

from fleetlake.config import DEFAULT_ON_TIME_TOLERANCE_MINUTES
from fleetlake.errors import ConfigError
from fleetlake.kpi.queries import DIALECTS, bind, kpi_text, resolve_names, translate

if TYPE_CHECKING:
    import psycopg

    from fleetlake.lake import Lake


def as_lake(lake: Lake | str | os.PathLike) -> Lake:
    """A ``Lake``, opening it when given a path or URI."""
    if isinstance(lake, str | os.PathLike):
        from fleetlake.lake import open_lake

        return open_lake(os.fspath(lake))
    return lake


def parse_as_of(value: date | str | None) -> date | None:
    """A date from ``YYYY-MM-DD`` (or a date); None stays None."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--as-of must be a date YYYY-MM-DD, got {value!r}") from None


def checked_as_of(as_of: date | None, start: date, end: date) -> date:
    """``as_of`` or the last date in the data; refuses dates outside [start, end)."""
    last = end - timedelta(days=1)
    if as_of is None:
        return last
    if not start <= as_of <= last:
        raise ConfigError(
            f"as_of {as_of} is outside the data ({start} .. {last}); choose a date in that range"
        )
    return as_of


def _run_duckdb(
    lake: Lake, names: list[str], as_of: date | None, tolerance: int
) -> dict[str, pa.Table]:
    from fleetlake.kpi.cache import create_views, open_cache

    as_of = checked_as_of(as_of, lake.manifest.start, lake.manifest.end)
    con = open_cache(lake)
    try:
        create_views(con, as_of)
        results = {}
        for name in names:
            sql = kpi_text(name)
            results[name] = con.sql(
                translate(sql, "duckdb"), params=bind(sql, as_of, tolerance)
            ).to_arrow_table()
        return results
    finally:
        con.close()


def result_table(cursor: psycopg.Cursor) -> pa.Table:
    """A fetched PostgreSQL result as an Arrow table, built column by column.

    ``zip`` transposes the rows in C and Arrow converts each column in one call (types inferred
    from the values, decimals keeping their scale); no Python loop runs per value.
    """
    names = [d.name for d in cursor.description]
    rows = cursor.fetchall()
    columns = zip(*rows, strict=True) if rows else [()] * len(names)
    return pa.Table.from_arrays([pa.array(column) for column in columns], names=names)


def _run_postgres(
    lake: Lake | None, dsn: str, names: list[str], as_of: date | None, tolerance: int
) -> dict[str, pa.Table]:
    import psycopg

    from fleetlake.oltp.connection import connect, database_error
    from fleetlake.oltp.load import read_load_marker

    con = connect(dsn, autocommit=True)
    try:
        data = lake.manifest if lake else read_load_marker(con)
        as_of = checked_as_of(as_of, data.start, data.end)
        results = {}
        for name in names:
            sql = kpi_text(name)
            try:
                cursor = con.execute(translate(sql, "postgres"), bind(sql, as_of, tolerance))
                results[name] = result_table(cursor)
            except psycopg.Error as e:
                raise database_error(e, dsn, f"KPI {name}") from e
        return results
    finally:
        con.close()


def run_kpis(
    lake: Lake | str | os.PathLike | None,
    as_of: date | str | None = None,
    names: Iterable[str] | str | None = None,
    engine: str = "duckdb",
    dsn: str | None = None,
    tolerance_minutes: int = DEFAULT_ON_TIME_TOLERANCE_MINUTES,
) -> dict[str, pa.Table]:
    """Run KPIs (all by default, in order) and return ``{name: result table}``.

    ``lake`` is a ``Lake`` or its URI or path; it may be None only for ``engine="postgres"``.
    ``dsn`` is for PostgreSQL ("" = libpq ``PG*`` variables). ``tolerance_minutes`` is the
    on-time rule: delivered_datetime <= scheduled_datetime + tolerance.
    """
    chosen = resolve_names(names)
    as_of = parse_as_of(as_of)
    if engine not in DIALECTS:  # each engine runs the KPIs in its own dialect
        raise ConfigError(f"unknown engine '{engine}' (choose from {', '.join(DIALECTS)})")
    resolved = as_lake(lake) if lake is not None else None
    if engine == "duckdb":
        if resolved is None:
            raise ConfigError("the duckdb engine needs a lake")
        return _run_duckdb(resolved, chosen, as_of, tolerance_minutes)
    return _run_postgres(resolved, dsn or "", chosen, as_of, tolerance_minutes)
