"""Tiny hand-made KPI results shaped exactly like ``sql/kpi/*.sql`` (names, columns, order)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa

AS_OF = dt.date(2025, 12, 1)  # the date the hand-made results were "computed" on


def _drivers(ids: list[int]) -> dict[str, list]:
    return {
        "driver_id": pa.array(ids, pa.int32()),
        "first_name": [f"Ana{i}" for i in ids],
        "last_name": [f"Gómez{i}" for i in ids],
    }


def kpi_results() -> dict[str, pa.Table]:
    """One small result per KPI with distinct, easily checked numbers."""
    return {
        "q01_fleet_composition": pa.table(
            {
                "vehicle_type": ["Camión Grande", "Camión Grande", "Motocicleta", "Van", "Van"],
                "status": ["active", "maintenance", "active", "active", "inactive"],
                "vehicles": [5, 1, 2, 6, 4],
                "capacity_kg": [
                    Decimal("90000.00"),
                    Decimal("18000.00"),
                    Decimal("300.00"),
                    Decimal("9000.00"),
                    Decimal("6000.00"),
                ],
                "pct_of_fleet": [27.78, 5.56, 11.11, 33.33, 22.22],
            }
        ),
        "q02_expiring_licenses": pa.table(
            {
                **_drivers([3, 9]),
                "license_expiry": [dt.date(2025, 12, 10), dt.date(2025, 12, 25)],
                "days_to_expiry": [9, 24],
            }
        ),
        "q03_trips_by_status": pa.table(
            {
                "status": ["cancelled", "completed", "in_progress"],
                "trips": [38, 950, 12],
                "pct_of_trips": [3.8, 95.0, 1.2],
            }
        ),
        "q04_deliveries_by_city": pa.table(
            {
                "destination_city": ["Bogotá", "Cali"],
                "trips": [100, 52],
                "deliveries": [400, 210],
                "package_weight_kg": [12345.5, 8000.25],
                "trip_weight_kg": [20000.0, 9000.0],
            }
        ),
        "q05_driver_trip_completion": pa.table(
            {
                **_drivers([1, 2]),
                "total_trips": [30, 20],
                "completed_trips": [28, 19],
                "completion_pct": [93.33, 95.0],
            }
        ),
        "q06_driver_productivity": pa.table(
            {
                **_drivers([7, 4]),
                "trips": [10, 8],
                "deliveries": [41, 30],
                "working_days": [16, 16],
                "deliveries_per_trip": [4.1, 3.75],
                "deliveries_per_day": [2.56, 1.88],
            }
        ),
        "q07_route_fuel_efficiency": pa.table(
            {
                "route_id": pa.array([1, 2], pa.int32()),
                "route_code": ["R01", "R02"],
                "origin_city": ["Bogotá", "Cali"],
                "destination_city": ["Medellín", "Bogotá"],
                "distance_km": [Decimal("440.00"), Decimal("460.00")],
                "trips": [3, 2],
                "fuel_liters": [Decimal("374.88"), Decimal("195.96")],
                "liters_per_100km": [28.4, 21.3],
            }
        ),
        "q08_late_deliveries_by_weekday": pa.table(
            {
                "weekday": pa.array([1, 2, 3, 4, 5, 6, 7], pa.int32()),
                "weekday_name": [
                    "Monday",
                    "Tuesday",
                    "Wednesday",
                    "Thursday",
                    "Friday",
                    "Saturday",
                    "Sunday",
                ],
                "delivered": [10, 20, 30, 40, 50, 60, 70],
                "late": [1, 2, 3, 4, 6, 6, 7],
                "late_pct": [10.0, 10.0, 10.0, 10.0, 12.0, 10.0, 10.0],
            }
        ),
        "q09_maintenance_cost_per_km": pa.table(
            {
                "vehicle_type": ["Motocicleta", "Van"],
                "vehicles": [2, 10],
                "maintenance_events": [3, 12],
                "maintenance_cost": [200000.0, 1000000.0],
                "km_driven": [4000.0, 10000.0],
                "cost_per_km": [50.0, 100.0],
            }
        ),
        "q10_driver_ranking": pa.table(
            {
                "overall_rank": [1, 2],
                **_drivers([5, 6]),
                "trips": [12, 11],
                "on_time_pct": [95.0, 90.0],
                "km_per_liter": [4.2, 3.9],
                "deliveries_per_trip": [4.0, 4.5],
                "punctuality_rank": [1, 2],
                "efficiency_rank": [1, 2],
                "productivity_rank": [2, 1],
            }
        ),
        "q11_monthly_trip_trend": pa.table(
            {
                "month": [dt.date(2024, m, 1) for m in range(1, 7)],
                "trips": [100, 110, 90, 120, 130, 125],
                "completed_trips": [98, 108, 88, 117, 127, 110],
                "mom_change": [None, 10, -20, 30, 10, -5],
                "mom_change_pct": [None, 10.0, -18.18, 33.33, 8.33, -3.85],
                "moving_avg_3m": [100.0, 105.0, 100.0, 106.67, 113.33, 125.0],
            }
        ),
        "q12_delivery_heatmap": pa.table(
            {
                "weekday": pa.array([1, 1, 2, 7], pa.int32()),
                "hour": pa.array([8, 9, 14, 23], pa.int32()),
                "deliveries": [5, 7, 3, 1],
                "on_time": [5, 6, 3, 0],
            }
        ),
    }
