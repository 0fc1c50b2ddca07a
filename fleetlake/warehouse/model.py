"""The star schema's dimensions: which lake table feeds them, their keys and tracked columns.

Column names live here once; the DDL in ``sql/warehouse/schema.sql`` declares the same columns.
SCD2 dimensions (vehicles, drivers) keep every version; SCD1 dimensions (routes, customers) keep
the latest attributes under a stable key (a route or a customer's name is corrected, not versioned).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from fleetlake.schema import DRIVER_STATUSES, IS_CURRENT, VALID_FROM, VALID_TO, VEHICLE_STATUSES

UNKNOWN_KEY = -1
# Half-open validity windows [valid_from, valid_to); the open end is a far-future sentinel rather
# than NULL, so point-in-time joins need no COALESCE (and fakesnow's NULL-timestamp bug is avoided).
OPEN_END = datetime(9999, 12, 31)

ROW_HASH = "row_hash"
SOURCE_UPDATED_AT = "source_updated_at"
BATCH_ID = "etl_batch_id"
SCD2_COLUMNS = (VALID_FROM, VALID_TO, IS_CURRENT)


@dataclass(frozen=True)
class DimSpec:
    """One dimension fed by one lake change log."""

    table: str
    source: str  # lake entity table
    key: str  # surrogate key column
    natural_key: str
    tracked: tuple[str, ...]  # attributes whose change makes a new version (SCD2) or an overwrite
    scd2: bool
    status_domain: tuple[str, ...] | None = None

    @property
    def stage(self) -> str:
        return f"stg_{self.table}"

    @property
    def plan(self) -> str:
        return f"plan_{self.table}"


DIM_VEHICLE = DimSpec(
    "dim_vehicle",
    "vehicles",
    "vehicle_key",
    "vehicle_id",
    ("license_plate", "vehicle_type", "capacity_kg", "fuel_type", "acquisition_date", "status"),
    scd2=True,
    status_domain=VEHICLE_STATUSES,
)
DIM_DRIVER = DimSpec(
    "dim_driver",
    "drivers",
    "driver_key",
    "driver_id",
    (
        "employee_code",
        "first_name",
        "last_name",
        "license_number",
        "license_expiry",
        "phone",
        "hire_date",
        "status",
    ),
    scd2=True,
    status_domain=DRIVER_STATUSES,
)
DIM_ROUTE = DimSpec(
    "dim_route",
    "routes",
    "route_key",
    "route_id",
    (
        "route_code",
        "origin_city",
        "destination_city",
        "distance_km",
        "estimated_duration_hours",
        "toll_cost",
    ),
    scd2=False,
)
DIM_CUSTOMER = DimSpec(
    "dim_customer",
    "customers",
    "customer_key",
    "customer_id",
    ("customer_name", "customer_type", "city", "address"),
    scd2=False,
)

DIMENSIONS: tuple[DimSpec, ...] = (DIM_VEHICLE, DIM_DRIVER, DIM_ROUTE, DIM_CUSTOMER)
FACT_TABLE = "fact_deliveries"
EVENT_FACT_TABLE = "fact_delivery_events"
# The natural ids each fact carries beside its keys: a new dimension row re-points the facts that
# carry its natural id (facts loaded on the unknown member, or before a back-dated version).
FACT_NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    FACT_TABLE: ("vehicle_id", "driver_id", "route_id", "customer_id"),
    EVENT_FACT_TABLE: ("vehicle_id",),
}
WAREHOUSE_TABLES = (
    "dim_date",
    "dim_time",
    *(d.table for d in DIMENSIONS),
    FACT_TABLE,
    EVENT_FACT_TABLE,
    "etl_runs",
    "etl_watermark",
    "etl_rejects",
)


def portable_sql_type(arrow_type: pa.DataType) -> str:
    """A column type both DuckDB and Snowflake accept for an Arrow type (TIMESTAMP = NTZ)."""
    if pa.types.is_decimal(arrow_type):
        return f"DECIMAL({arrow_type.precision}, {arrow_type.scale})"
    for check, sql in (
        (pa.types.is_boolean, "BOOLEAN"),
        (pa.types.is_integer, "BIGINT"),
        (pa.types.is_floating, "DOUBLE"),
        (pa.types.is_date, "DATE"),
        (pa.types.is_timestamp, "TIMESTAMP"),
        (pa.types.is_string, "VARCHAR"),
        (pa.types.is_large_string, "VARCHAR"),
    ):
        if check(arrow_type):
            return sql
    raise TypeError(f"no warehouse column type for Arrow {arrow_type}")
