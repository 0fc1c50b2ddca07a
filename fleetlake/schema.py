"""The lake's tables: Arrow schemas, keys and partitioning — the one source of truth.

Canonical FleetLogix column names and types are kept exactly (existing SQL runs unchanged);
extra columns (``customer_id``, ``updated_at``, route coordinates) are additions, never renames.

All timestamps are naive wall-clock times in Colombia (America/Bogota, UTC-5, no DST), as the
canonical ``timestamp`` columns are. Money is COP. Decimals are exact (decimal128).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

PARTITION_COLUMN = "date"
UPDATED_AT = "updated_at"
# Lake timestamps + this many hours = UTC (Colombia is UTC-5 all year); the warehouse stores UTC.
LAKE_UTC_OFFSET_HOURS = 5

# SCD2 column names used by the warehouse (one place).
VALID_FROM = "valid_from"
VALID_TO = "valid_to"
IS_CURRENT = "is_current"

MONEY = pa.decimal128(10, 2)
HOURS = pa.decimal128(5, 2)
TS = pa.timestamp("us")

VEHICLE_TYPES = ("Camión Grande", "Camión Mediano", "Van", "Motocicleta")
FUEL_TYPES = ("diesel", "gasolina")
VEHICLE_STATUSES = ("active", "maintenance", "inactive")
DRIVER_STATUSES = ("active", "inactive")
TRIP_STATUSES = ("completed", "in_progress", "cancelled")
DELIVERY_STATUSES = ("delivered", "pending", "in_transit", "failed", "cancelled")
CUSTOMER_TYPES = ("Individual", "Empresa", "Gobierno")
MAINTENANCE_TYPES = (
    "Cambio de aceite",
    "Frenos",
    "Llantas",
    "Revisión general",
    "Motor",
    "Alineación",
)
CITIES = ("Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena")

WAYPOINT = pa.struct([("lat", pa.float64()), ("lon", pa.float64())])


@dataclass(frozen=True)
class TableSpec:
    """A lake table: schema, primary key, partitioning, and whether it is a change log."""

    name: str
    schema: pa.Schema
    primary_key: tuple[str, ...]
    partition_by: str  # the column whose date names the partition
    is_entity: bool  # entity tables are change logs: current state = latest row per id

    @property
    def id_column(self) -> str:
        return self.primary_key[0]

    @property
    def all_rows_view(self) -> str:
        """Name of the SQL view with every row: ``<entity>_history`` for change logs."""
        return f"{self.name}_history" if self.is_entity else self.name


VEHICLES = TableSpec(
    "vehicles",
    pa.schema(
        [
            ("vehicle_id", pa.int32(), False),
            ("license_plate", pa.string(), False),
            ("vehicle_type", pa.string(), False),
            ("capacity_kg", MONEY),
            ("fuel_type", pa.string()),
            ("acquisition_date", pa.date32()),
            ("status", pa.string()),
            (UPDATED_AT, TS, False),
        ]
    ),
    ("vehicle_id", UPDATED_AT),
    UPDATED_AT,
    True,
)

DRIVERS = TableSpec(
    "drivers",
    pa.schema(
        [
            ("driver_id", pa.int32(), False),
            ("employee_code", pa.string(), False),
            ("first_name", pa.string(), False),
            ("last_name", pa.string(), False),
            ("license_number", pa.string(), False),
            ("license_expiry", pa.date32()),
            ("phone", pa.string()),
            ("hire_date", pa.date32()),
            ("status", pa.string()),
            (UPDATED_AT, TS, False),
        ]
    ),
    ("driver_id", UPDATED_AT),
    UPDATED_AT,
    True,
)

ROUTES = TableSpec(
    "routes",
    pa.schema(
        [
            ("route_id", pa.int32(), False),
            ("route_code", pa.string(), False),
            ("origin_city", pa.string(), False),
            ("destination_city", pa.string(), False),
            ("distance_km", MONEY),
            ("estimated_duration_hours", HOURS),
            ("toll_cost", MONEY),
            ("origin_lat", pa.float64()),
            ("origin_lon", pa.float64()),
            ("destination_lat", pa.float64()),
            ("destination_lon", pa.float64()),
            # The road path: origin, intermediate towns, destination (for route-deviation checks).
            ("waypoints", pa.list_(WAYPOINT)),
            (UPDATED_AT, TS, False),
        ]
    ),
    ("route_id", UPDATED_AT),
    UPDATED_AT,
    True,
)

CUSTOMERS = TableSpec(
    "customers",
    pa.schema(
        [
            ("customer_id", pa.int32(), False),
            ("customer_name", pa.string(), False),
            ("customer_type", pa.string(), False),
            ("city", pa.string(), False),
            ("address", pa.string(), False),
            (UPDATED_AT, TS, False),
        ]
    ),
    ("customer_id", UPDATED_AT),
    UPDATED_AT,
    True,
)

TRIPS = TableSpec(
    "trips",
    pa.schema(
        [
            ("trip_id", pa.int32(), False),
            ("vehicle_id", pa.int32()),
            ("driver_id", pa.int32()),
            ("route_id", pa.int32()),
            ("departure_datetime", TS, False),
            ("arrival_datetime", TS),
            ("fuel_consumed_liters", MONEY),
            ("total_weight_kg", MONEY),
            ("status", pa.string()),
        ]
    ),
    ("trip_id",),
    "departure_datetime",
    False,
)

DELIVERIES = TableSpec(
    "deliveries",
    pa.schema(
        [
            ("delivery_id", pa.int32(), False),
            ("trip_id", pa.int32()),
            ("tracking_number", pa.string(), False),
            ("customer_name", pa.string(), False),
            ("delivery_address", pa.string(), False),
            ("package_weight_kg", MONEY),
            ("scheduled_datetime", TS),
            ("delivered_datetime", TS),
            ("delivery_status", pa.string()),
            ("recipient_signature", pa.bool_()),
            ("customer_id", pa.int32()),
        ]
    ),
    ("delivery_id",),
    "departure_datetime",  # partitioned by the trip's departure date
    False,
)

MAINTENANCE = TableSpec(
    "maintenance",
    pa.schema(
        [
            ("maintenance_id", pa.int32(), False),
            ("vehicle_id", pa.int32()),
            ("maintenance_date", pa.date32(), False),
            ("maintenance_type", pa.string(), False),
            ("description", pa.string()),
            ("cost", MONEY),
            ("next_maintenance_date", pa.date32()),
            ("performed_by", pa.string()),
        ]
    ),
    ("maintenance_id",),
    "maintenance_date",
    False,
)

# Real-time events compacted from the serverless path's raw S3 objects (``fleetlake compact``),
# partitioned by the event's Colombia date. Not generated: they never move the lake's end.
GPS_PINGS = TableSpec(
    "gps_pings",
    pa.schema(
        [
            ("event_id", pa.string(), False),
            ("vehicle_id", pa.int32(), False),
            ("trip_id", pa.int32(), False),
            ("route_id", pa.int32(), False),
            ("lat", pa.float64(), False),
            ("lon", pa.float64(), False),
            ("speed_kmh", pa.float64(), False),
            ("event_time", TS, False),
        ]
    ),
    ("event_id",),
    "event_time",
    False,
)

DELIVERY_EVENTS = TableSpec(
    "delivery_events",
    pa.schema(
        [
            ("event_id", pa.string(), False),
            ("delivery_id", pa.int32(), False),
            ("delivery_status", pa.string(), False),
            ("event_time", TS, False),
            ("recipient_signature", pa.bool_()),
            ("vehicle_id", pa.int32()),
        ]
    ),
    ("event_id",),
    "event_time",
    False,
)

ENTITY_TABLES: tuple[TableSpec, ...] = (VEHICLES, DRIVERS, ROUTES, CUSTOMERS)
EVENT_TABLES: tuple[TableSpec, ...] = (TRIPS, DELIVERIES, MAINTENANCE)
# The generated tables (what `gen` writes, per day entry of the manifest).
TABLES: dict[str, TableSpec] = {t.name: t for t in ENTITY_TABLES + EVENT_TABLES}
# The compacted real-time tables (stream entries of the manifest), and every lake table.
STREAM_TABLES: dict[str, TableSpec] = {t.name: t for t in (GPS_PINGS, DELIVERY_EVENTS)}
ALL_TABLES: dict[str, TableSpec] = TABLES | STREAM_TABLES


def empty_table(schema: pa.Schema) -> pa.Table:
    """A table of ``schema`` with no rows (``Schema.empty_table()`` imports pandas: 0.4 s)."""
    return pa.Table.from_batches([], schema)
