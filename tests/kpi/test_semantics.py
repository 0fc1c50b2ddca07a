"""What the KPIs mean, recomputed from the lake's rows in plain Python on the tiny lake."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from fleetlake.errors import ConfigError
from fleetlake.kpi import run_kpis
from fleetlake.lake import open_lake

LAST = date(2025, 12, 30)  # the tiny lake's last day (730 days from 2024-01-01)


@pytest.fixture(scope="module")
def lake(tiny_lake):
    return open_lake(str(tiny_lake))


def test_default_as_of_is_the_last_date_in_the_data(lake) -> None:
    trips = lake.read("trips").to_pylist()
    (q03,) = run_kpis(lake, names=["q03"]).values()
    assert sum(q03.column("trips").to_pylist()) == len(trips)
    assert max(t["departure_datetime"] for t in trips).date() <= LAST


def test_windows_are_measured_from_as_of(lake) -> None:
    as_of = date(2024, 6, 30)
    results = run_kpis(lake, as_of=as_of, names=["q03", "q11", "q04"])
    trips = [t for t in lake.read("trips").to_pylist() if t["departure_datetime"].date() <= as_of]
    assert sum(results["q03_trips_by_status"].column("trips").to_pylist()) == len(trips)
    months = results["q11_monthly_trip_trend"].column("month").to_pylist()
    assert months == [date(2024, m, 1) for m in range(1, 7)]
    window = [t for t in trips if t["departure_datetime"].date() > as_of - timedelta(days=60)]
    assert sum(results["q04_deliveries_by_city"].column("trips").to_pylist()) == len(window)


def test_maintenance_cost_is_not_multiplied_by_trips(lake) -> None:
    """Q9 pre-aggregates: its total cost is the lake's total cost, whatever the trip count."""
    maintenance = lake.read("maintenance").to_pylist()
    (q09,) = run_kpis(lake, names=["q09"]).values()
    assert sum(q09.column("maintenance_cost").to_pylist()) == sum(m["cost"] for m in maintenance)
    assert sum(q09.column("maintenance_events").to_pylist()) == len(maintenance)


@pytest.mark.parametrize("tolerance", [0, 30, 90])
def test_one_on_time_rule_with_configurable_tolerance(lake, tolerance: int) -> None:
    """Late = delivered_datetime > scheduled_datetime + tolerance (Q8, last 90 days)."""
    start = datetime.combine(LAST - timedelta(days=89), datetime.min.time())
    end = datetime.combine(LAST + timedelta(days=1), datetime.min.time())
    late = sum(
        1
        for d in lake.read("deliveries").to_pylist()
        if d["delivery_status"] == "delivered"
        and d["delivered_datetime"] is not None
        and start <= d["scheduled_datetime"] < end
        and d["delivered_datetime"] > d["scheduled_datetime"] + timedelta(minutes=tolerance)
    )
    (q08,) = run_kpis(lake, names=["q08"], tolerance_minutes=tolerance).values()
    assert sum(q08.column("late").to_pylist()) == late


def test_fleet_composition_counts_every_current_vehicle(lake) -> None:
    history = lake.read("vehicles").to_pylist()
    latest = {}
    for row in sorted(history, key=lambda r: r["updated_at"]):
        latest[row["vehicle_id"]] = row
    (q01,) = run_kpis(lake, names=["q01"]).values()
    assert sum(q01.column("vehicles").to_pylist()) == len(latest)
    assert sum(q01.column("capacity_kg").to_pylist()) == sum(
        (v["capacity_kg"] for v in latest.values()), Decimal(0)
    )


@pytest.mark.parametrize("as_of", ["2023-12-31", "2025-12-31", "2030-01-01"])
def test_as_of_outside_the_data_is_refused(lake, as_of: str) -> None:
    with pytest.raises(ConfigError, match=f"as_of {as_of} is outside the data"):
        run_kpis(lake, as_of=as_of)


def test_bad_arguments(lake) -> None:
    with pytest.raises(ConfigError, match="must be a date"):
        run_kpis(lake, as_of="yesterday")
    with pytest.raises(ConfigError, match="unknown engine"):
        run_kpis(lake, engine="oracle")
    with pytest.raises(ConfigError, match="needs a lake"):
        run_kpis(None)
