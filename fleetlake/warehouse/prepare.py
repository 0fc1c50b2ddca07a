"""Turn one batch of lake rows into staging rows for the warehouse, plus rejected rows with reasons.

This runs in a private in-memory DuckDB over Arrow tables, whatever the target: both targets then
receive byte-identical staging rows (same hashes, same measures): they end with identical content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from fleetlake.config import Config
from fleetlake.schema import DELIVERY_STATUSES, LAKE_UTC_OFFSET_HOURS
from fleetlake.sql_files import read_sql
from fleetlake.warehouse.model import ROW_HASH, DimSpec

REJECT_SCHEMA = pa.schema(
    [
        ("source_table", pa.string()),
        ("natural_key", pa.string()),
        ("reason", pa.string()),
        ("payload", pa.string()),
    ]
)


@dataclass(frozen=True)
class Prepared:
    """Valid rows ready to stage, and the rejected ones (``REJECT_SCHEMA``)."""

    rows: pa.Table
    rejects: pa.Table


_LOCAL: duckdb.DuckDBPyConnection | None = None


def local_duckdb() -> duckdb.DuckDBPyConnection:
    """A private connection to an in-memory DuckDB, in UTC (never the session's local zone).

    Each call gives a new cursor (own temporary tables and registrations) on one shared in-memory
    database: opening a fresh DuckDB costs ~30 ms, a cursor almost nothing.
    """
    global _LOCAL
    if _LOCAL is None:
        _LOCAL = duckdb.connect()
    con = _LOCAL.cursor()
    con.execute("SET TimeZone = 'UTC'")
    return con


def hash_expression(columns: Sequence[str]) -> str:
    """SQL for a NULL-safe, unambiguous fingerprint input: values length-prefixed, NULL as '~'.

    NULL -> value and value -> NULL both change the hash; NULL -> NULL does not; ('ab', 'c') and
    ('a', 'bc') differ.
    """
    parts = [
        f"coalesce(CAST(length(CAST({c} AS VARCHAR)) AS VARCHAR) || ':' || CAST({c} AS VARCHAR), "
        "'~')"
        for c in columns
    ]
    return "concat_ws('|', " + ", ".join(parts) + ")"


def split_prepared(
    con: duckdb.DuckDBPyConnection,
    source: str,
    natural_key: str,
    select_valid: str,
    payload: str = "payload",
) -> Prepared:
    """Split the connection's ``prepared`` temp table (built by a prepare step): the valid rows,
    from ``select_valid``, and the rejected ones with their reason and ``payload`` (JSON)."""
    rows = con.sql(select_valid).to_arrow_table()
    rejects = con.sql(
        f"SELECT '{source}' AS source_table, CAST({natural_key} AS VARCHAR) AS natural_key, "
        f"reject_reason AS reason, {payload} AS payload FROM prepared "
        f"WHERE reject_reason IS NOT NULL ORDER BY {natural_key}, reason"
    ).to_arrow_table()
    return Prepared(rows, rejects.cast(REJECT_SCHEMA))


def prepare_dimension(dim: DimSpec, changes: pa.Table) -> Prepared:
    """Hash, convert to UTC, deduplicate and validate one batch of an entity change log.

    Staging rows: natural key, tracked columns, ``row_hash``, ``valid_from`` (UTC), ordered by key
    and time. A batch may hold several changes of one entity: each becomes its own version.
    """
    con = local_duckdb()
    con.register("changes", changes)
    if dim.status_domain:
        domain = ", ".join(f"'{s}'" for s in dim.status_domain)
        status_invalid = f"status IS NOT NULL AND status NOT IN ({domain})"
    else:
        status_invalid = "FALSE"
    sql = read_sql("warehouse/prepare_dimension.sql").format(
        hash_input=hash_expression(dim.tracked),
        natural_key=dim.natural_key,
        status_invalid=status_invalid,
    )
    con.execute(f"CREATE TEMP TABLE prepared AS {sql}", {"utc_offset": LAKE_UTC_OFFSET_HOURS})
    columns = ", ".join((dim.natural_key, *dim.tracked, ROW_HASH, "valid_from"))
    return split_prepared(
        con,
        dim.source,
        dim.natural_key,
        f"SELECT {columns} FROM prepared WHERE reject_reason IS NULL AND dup_rank = 1 "
        f"ORDER BY {dim.natural_key}, valid_from",
        payload="CAST(to_json(struct_pack(" + ", ".join(changes.column_names) + ")) AS VARCHAR)",
    )


FACT_HASHED_COLUMNS = (
    "trip_id",
    "tracking_number",
    "vehicle_id",
    "driver_id",
    "route_id",
    "customer_id",
    "date_key",
    "scheduled_time_key",
    "delivered_time_key",
    "partition_date",
    "event_at",
    "package_weight_kg",
    "distance_km",
    "fuel_consumed_liters",
    "delivery_time_minutes",
    "delay_minutes",
    "deliveries_per_hour",
    "fuel_efficiency_km_per_liter",
    "cost_per_delivery",
    "revenue_per_delivery",
    "is_on_time",
    "has_signature",
    "delivery_status",
)


def prepare_facts(
    trips: pa.Table, deliveries: pa.Table, routes: pa.Table, config: Config
) -> Prepared:
    """Measures per delivery (see ``sql/warehouse/prepare_facts.sql``) and validation.

    ``trips`` and ``deliveries`` are whole partitions (a trip's deliveries share its partition), so
    per-trip measures see the whole trip. ``routes`` is the current state of the routes.
    """
    con = local_duckdb()
    con.register("trips", trips)
    con.register("deliveries", deliveries)
    con.register("routes", routes)
    params = {
        "tolerance": config.on_time_tolerance_minutes,
        "fuel_price": config.fuel_price_cop_per_liter,
        "driver_cost_per_hour": config.driver_cost_cop_per_hour,
        "revenue_base": config.revenue_base_cop,
        "revenue_per_kg": config.revenue_cop_per_kg,
        "revenue_per_km": config.revenue_cop_per_km,
        "statuses": list(DELIVERY_STATUSES),
        "utc_offset": LAKE_UTC_OFFSET_HOURS,
    }
    sql = read_sql("warehouse/prepare_facts.sql")
    # Facts are compared only with their own earlier load when a partition is reprocessed, so a
    # fast engine hash is enough (a different DuckDB version at worst re-writes identical rows);
    # the reject payload is built for rejected rows only.
    con.execute(
        f"CREATE TEMP TABLE prepared AS SELECT f.* EXCLUDE (source_row), "
        f"CAST(hash({', '.join(FACT_HASHED_COLUMNS)}) AS VARCHAR) AS row_hash, "
        "CASE WHEN reject_reason IS NOT NULL THEN CAST(to_json(source_row) AS VARCHAR) END "
        f"AS payload FROM ({sql}) f",
        params,
    )
    columns = ", ".join(("delivery_id", *FACT_HASHED_COLUMNS, ROW_HASH))
    return split_prepared(
        con,
        "deliveries",
        "delivery_id",
        f"SELECT {columns} FROM prepared WHERE reject_reason IS NULL ORDER BY delivery_id",
    )
