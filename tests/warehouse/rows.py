"""Tiny hand-built lake rows (exact lake schemas) for warehouse tests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from fleetlake.schema import TABLES

T0 = datetime(2024, 1, 1)  # the opening snapshot's updated_at (Colombia time)

_DEFAULTS: dict[str, dict[str, Any]] = {
    "vehicles": {
        "license_plate": "ABC123",
        "vehicle_type": "Van",
        "capacity_kg": Decimal("1500.00"),
        "fuel_type": "diesel",
        "acquisition_date": date(2020, 5, 1),
        "status": "active",
        "updated_at": T0,
    },
    "drivers": {
        "employee_code": "EMP001",
        "first_name": "Ana",
        "last_name": "Ruiz",
        "license_number": "LIC001",
        "license_expiry": date(2026, 1, 1),
        "phone": "3001234567",
        "hire_date": date(2019, 1, 1),
        "status": "active",
        "updated_at": T0,
    },
    "routes": {
        "route_code": "R01",
        "origin_city": "Bogotá",
        "destination_city": "Medellín",
        "distance_km": Decimal("440.00"),
        "estimated_duration_hours": Decimal("9.00"),
        "toll_cost": Decimal("66000.00"),
        "origin_lat": 4.71,
        "origin_lon": -74.07,
        "destination_lat": 6.24,
        "destination_lon": -75.58,
        "waypoints": [],
        "updated_at": T0,
    },
    "customers": {
        "customer_name": "Cliente Uno",
        "customer_type": "Empresa",
        "city": "Bogotá",
        "address": "Calle 1 # 2-3",
        "updated_at": T0,
    },
    "trips": {
        "vehicle_id": 1,
        "driver_id": 1,
        "route_id": 1,
        "departure_datetime": datetime(2024, 1, 2, 8, 0),
        "arrival_datetime": datetime(2024, 1, 2, 12, 0),
        "fuel_consumed_liters": Decimal("50.00"),
        "total_weight_kg": Decimal("800.00"),
        "status": "completed",
    },
    "deliveries": {
        "trip_id": 1,
        "tracking_number": None,
        "customer_name": "Cliente Uno",
        "delivery_address": "Calle 1 # 2-3",
        "package_weight_kg": Decimal("10.00"),
        "scheduled_datetime": datetime(2024, 1, 2, 10, 0),
        "delivered_datetime": datetime(2024, 1, 2, 10, 10),
        "delivery_status": "delivered",
        "recipient_signature": True,
        "customer_id": 1,
    },
}


def rows(table: str, *records: dict[str, Any]) -> pa.Table:
    """An Arrow table of ``table``'s lake schema; each record overrides the defaults."""
    spec = TABLES[table]
    full = []
    for record in records:
        row = {**_DEFAULTS[table], **record}
        if table == "deliveries" and row["tracking_number"] is None:
            row["tracking_number"] = f"TRK{row['delivery_id']:06d}"
        full.append(row)
    return pa.Table.from_pylist(full, schema=spec.schema)
