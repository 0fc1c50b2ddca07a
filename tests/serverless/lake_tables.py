"""Hand-built lake tables (exact fleetlake.schema schemas) for replay and compaction tests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pyarrow as pa

from fleetlake.schema import DELIVERIES, ROUTES, TRIPS
from tests.serverless.conftest import BARRANQUILLA, BOGOTA, CARTAGENA, HONDA, MEDELLIN

START = datetime(2025, 3, 10)


def routes_table() -> pa.Table:
    def row(route_id, code, origin, destination, path, km, hours):
        return {
            "route_id": route_id,
            "route_code": code,
            "origin_city": origin,
            "destination_city": destination,
            "distance_km": Decimal(f"{km:.2f}"),
            "estimated_duration_hours": Decimal(f"{hours:.2f}"),
            "toll_cost": Decimal("15000.00"),
            "origin_lat": path[0][0],
            "origin_lon": path[0][1],
            "destination_lat": path[-1][0],
            "destination_lon": path[-1][1],
            "waypoints": [{"lat": lat, "lon": lon} for lat, lon in path],
            "updated_at": START,
        }

    return pa.Table.from_pylist(
        [
            row(1, "R001", "Bogotá", "Medellín", (BOGOTA, HONDA, MEDELLIN), 440, 9),
            row(2, "R002", "Barranquilla", "Cartagena", (BARRANQUILLA, CARTAGENA), 120, 2.5),
        ],
        schema=ROUTES.schema,
    )


def trips_table() -> pa.Table:
    def row(trip_id, vehicle_id, route_id, departure, arrival, status):
        return {
            "trip_id": trip_id,
            "vehicle_id": vehicle_id,
            "driver_id": vehicle_id,
            "route_id": route_id,
            "departure_datetime": departure,
            "arrival_datetime": arrival,
            "fuel_consumed_liters": Decimal("100.00"),
            "total_weight_kg": Decimal("1000.00"),
            "status": status,
        }

    return pa.Table.from_pylist(
        [
            row(1, 11, 1, datetime(2025, 3, 10, 8), datetime(2025, 3, 10, 17, 30), "completed"),
            row(2, 12, 2, datetime(2025, 3, 10, 9), datetime(2025, 3, 10, 11, 40), "completed"),
            row(3, 13, 2, datetime(2025, 3, 10, 14), None, "cancelled"),
            row(4, 14, 1, datetime(2025, 3, 11, 20), None, "in_progress"),
        ],
        schema=TRIPS.schema,
    )


def deliveries_table() -> pa.Table:
    def row(delivery_id, trip_id, status, scheduled, delivered, signed):
        return {
            "delivery_id": delivery_id,
            "trip_id": trip_id,
            "tracking_number": f"TRK{delivery_id:06d}",
            "customer_name": "Cliente",
            "delivery_address": "Calle 1",
            "package_weight_kg": Decimal("10.00"),
            "scheduled_datetime": scheduled,
            "delivered_datetime": delivered,
            "delivery_status": status,
            "recipient_signature": signed,
            "customer_id": 1,
        }

    t = datetime
    return pa.Table.from_pylist(
        [
            row(101, 1, "delivered", t(2025, 3, 10, 12), t(2025, 3, 10, 12, 10), True),
            row(102, 1, "delivered", t(2025, 3, 10, 16), t(2025, 3, 10, 18, 30), False),
            row(103, 1, "failed", t(2025, 3, 10, 17), None, False),
            row(201, 2, "delivered", t(2025, 3, 10, 10), t(2025, 3, 10, 10, 5), True),
            row(202, 2, "delivered", t(2025, 3, 10, 11), t(2025, 3, 10, 11, 20), True),
            row(301, 3, "cancelled", t(2025, 3, 10, 16), None, False),
            row(401, 4, "in_transit", t(2025, 3, 11, 23), None, False),
            row(402, 4, "pending", t(2025, 3, 12, 1), None, False),
        ],
        schema=DELIVERIES.schema,
    )


LAKE_END = datetime(2025, 3, 12)
EXPECTED_STATES = {
    101: "delivered",
    102: "delivered",
    103: "failed",
    201: "delivered",
    202: "delivered",
    301: "cancelled",
    401: "in_transit",
    402: "pending",
}


def fleet_tables(vehicles: int) -> tuple[pa.Table, pa.Table]:
    """One trip per vehicle on route 2, departures 5 min apart, 4 deliveries each."""
    from datetime import timedelta

    trips, deliveries = [], []
    statuses = ("delivered", "delivered", "failed", "delivered")
    for v in range(1, vehicles + 1):
        departure = START + timedelta(hours=8, minutes=5 * v)
        trips.append(
            {
                "trip_id": 1000 + v,
                "vehicle_id": v,
                "driver_id": v,
                "route_id": 2,
                "departure_datetime": departure,
                "arrival_datetime": departure + timedelta(hours=2, minutes=40),
                "fuel_consumed_liters": Decimal("20.00"),
                "total_weight_kg": Decimal("500.00"),
                "status": "completed",
            }
        )
        for k, status in enumerate(statuses):
            done = departure + timedelta(minutes=30 * (k + 1))
            deliveries.append(
                {
                    "delivery_id": 10_000 + 10 * v + k,
                    "trip_id": 1000 + v,
                    "tracking_number": f"TRK{v:03d}{k}",
                    "customer_name": "Cliente",
                    "delivery_address": "Calle 1",
                    "package_weight_kg": Decimal("10.00"),
                    "scheduled_datetime": done,
                    "delivered_datetime": done if status == "delivered" else None,
                    "delivery_status": status,
                    "recipient_signature": status == "delivered",
                    "customer_id": 1,
                }
            )
    return (
        pa.Table.from_pylist(trips, schema=TRIPS.schema),
        pa.Table.from_pylist(deliveries, schema=DELIVERIES.schema),
    )
