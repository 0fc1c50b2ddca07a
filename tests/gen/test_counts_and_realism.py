"""The generator's exact counts at sf=1 and the realism rules of the spec, on generated data."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from fleetlake import gen
from fleetlake.gen import World, generate_day, maintenance
from fleetlake.lake import open_lake

SF1 = World(seed=42, sf=1.0)


def test_exact_counts_over_the_default_window_at_sf1():
    assert (SF1.n_vehicles, SF1.n_drivers) == (200, 400)
    assert SF1.trips_before(730) == 100_000
    assert maintenance.count_before(SF1, 730) == 5_000


@pytest.mark.parametrize("t", [0, 1, 364, 729])
def test_days_continue_the_id_sequences_exactly(t):
    tables = generate_day(SF1, t, 730)
    trips, deliveries = tables["trips"], tables["deliveries"]
    first_trip = SF1.trips_before(t) + 1
    assert trips.column("trip_id").to_pylist() == list(range(first_trip, first_trip + len(trips)))
    assert deliveries.num_rows == 4 * trips.num_rows
    assert deliveries.column("delivery_id")[0].as_py() == 4 * (first_trip - 1) + 1
    first_maintenance = maintenance.count_before(SF1, t) + 1
    ids = tables["maintenance"].column("maintenance_id").to_pylist()
    assert ids == list(range(first_maintenance, first_maintenance + len(ids)))


def test_some_vehicles_retire_and_some_are_in_the_workshop_at_sf1():
    from fleetlake.gen import vehicles

    statuses = np.bincount(vehicles.statuses(SF1, range(729, 730))[0], minlength=3)
    assert statuses[0] > 150 and statuses[2] >= 5  # active, inactive (retired)
    in_workshop = int((vehicles.statuses(SF1, range(0, 730, 7)) == 1).sum())
    assert in_workshop > 0


def test_entities_exist_from_the_opening_snapshot():
    tables = generate_day(SF1, 0, 730)
    vehicles = tables["vehicles"].to_pandas()
    snapshot = vehicles[vehicles.updated_at == "2024-01-01 00:00:00"]
    assert sorted(snapshot.vehicle_id) == list(range(1, 201))
    assert set(snapshot.status) == {"active"}
    assert len(tables["routes"]) == 50
    assert tables["routes"].column("route_code").unique().to_pylist().__len__() == 50


@pytest.fixture(scope="module")
def con(small_lake):
    connection = duckdb.connect()
    open_lake(str(small_lake)).register_duckdb(connection)
    return connection


def one(con, sql):
    return con.execute(sql).fetchall()[0]


def test_departures_between_6_and_22_with_morning_and_afternoon_peaks(con):
    hours = dict(
        con.execute("SELECT hour(departure_datetime) h, count(*) FROM trips GROUP BY 1").fetchall()
    )
    assert min(hours) >= 6 and max(hours) <= 21
    assert hours[8] > 2 * hours[12] and hours[15] > 2 * hours[12]


def test_actual_duration_and_fuel_follow_route_and_vehicle_type(con):
    low, high = one(
        con,
        """
        SELECT min(r), max(r) FROM (
          SELECT epoch(arrival_datetime - departure_datetime) / 3600
                 / r.estimated_duration_hours AS r
          FROM trips t JOIN routes r USING (route_id) WHERE t.status = 'completed')""",
    )
    assert 0.84 <= low and high <= 1.31
    per_type = dict(
        (k, (a, b))
        for k, a, b in con.execute("""
        SELECT v.vehicle_type, min(l100), max(l100) FROM (
          SELECT vehicle_id, fuel_consumed_liters * 100 / r.distance_km AS l100
          FROM trips JOIN routes r USING (route_id) WHERE status = 'completed') t
        JOIN vehicles v USING (vehicle_id) GROUP BY 1""").fetchall()
    )
    bounds = {
        "Camión Grande": (25, 35),
        "Camión Mediano": (18, 26),
        "Van": (9, 15),
        "Motocicleta": (2, 4),
    }
    for kind, (lo, hi) in per_type.items():
        assert bounds[kind][0] * 0.94 <= float(lo) and float(hi) <= bounds[kind][1] * 1.06, kind


def test_loads_and_package_weights(con):
    low, high = one(
        con,
        """SELECT min(total_weight_kg / capacity_kg), max(total_weight_kg / capacity_kg)
                            FROM trips JOIN vehicles USING (vehicle_id)""",
    )
    assert 0.39 <= low and high <= 0.9
    assert (
        one(
            con,
            """SELECT count(*) FROM (SELECT trip_id, sum(package_weight_kg) w FROM deliveries
                       GROUP BY 1) d JOIN trips USING (trip_id) WHERE w > total_weight_kg""",
        )[0]
        == 0
    )
    per_trip = np.array(
        con.execute("SELECT count(*) FROM deliveries GROUP BY trip_id").fetchall()
    ).ravel()
    assert per_trip.min() == 2 and per_trip.max() == 6 and per_trip.mean() == 4.0
    # lognormal: right-skewed shares within a trip (mean share above the median share)
    mean, median = one(
        con,
        """SELECT avg(s), median(s) FROM (SELECT package_weight_kg
           / sum(package_weight_kg) OVER (PARTITION BY trip_id) s FROM deliveries)""",
    )
    assert mean > median


def test_punctuality_signatures_and_statuses(con):
    within, late, other = one(
        con,
        """
        SELECT avg((abs(epoch(delivered_datetime - scheduled_datetime)) <= 1800)::INT),
               avg((epoch(delivered_datetime - scheduled_datetime) BETWEEN 3600 AND 10800)::INT),
               avg((epoch(delivered_datetime - scheduled_datetime) > 10800)::INT)
        FROM deliveries WHERE delivery_status = 'delivered'""",
    )
    assert 0.87 <= within <= 0.93 and 0.07 <= late <= 0.13 and other == 0
    assert (
        0.93
        <= one(
            con,
            """SELECT avg(recipient_signature::INT) FROM deliveries
                               WHERE delivery_status = 'delivered'""",
        )[0]
        <= 0.97
    )
    statuses = dict(con.execute("SELECT status, count(*) FROM trips GROUP BY 1").fetchall())
    assert set(statuses) == {"completed", "in_progress", "cancelled"}
    assert 0.01 <= statuses["cancelled"] / sum(statuses.values()) <= 0.03
    last_day = one(con, "SELECT max(departure_datetime)::DATE FROM trips")[0]
    assert one(
        con,
        """SELECT min(departure_datetime)::DATE FROM trips
                        WHERE status = 'in_progress'""",
    )[0] >= last_day - timedelta(days=2)
    open_deliveries = {
        s
        for (s,) in con.execute("""SELECT DISTINCT delivery_status FROM deliveries
        JOIN trips USING (trip_id) WHERE status = 'in_progress'""").fetchall()
    }
    assert open_deliveries & {"pending", "in_transit"}
    delivery_statuses = {
        s for (s,) in con.execute("SELECT DISTINCT delivery_status FROM deliveries").fetchall()
    }
    assert {"delivered", "failed", "cancelled"} <= delivery_statuses


def test_maintenance_types_costs_and_intervals(con):
    assert one(con, "SELECT count(DISTINCT maintenance_type) FROM maintenance")[0] == 6
    gap = one(
        con,
        """SELECT median(d) FROM (SELECT maintenance_date - lag(maintenance_date)
           OVER (PARTITION BY vehicle_id ORDER BY maintenance_date) d FROM maintenance)""",
    )
    assert 20 <= gap[0] <= 40  # ~10,000 km at ~350 km a day
    assert (
        one(
            con, "SELECT count(*) FROM maintenance WHERE next_maintenance_date <= maintenance_date"
        )[0]
        == 0
    )


def test_entities_change_a_few_percent_per_month(con):
    for table, id_column, low, high in (
        ("vehicles", "vehicle_id", 0.02, 0.15),
        ("drivers", "driver_id", 0.02, 0.15),
        ("customers", "customer_id", 0.02, 0.08),
    ):
        changes, entities = one(
            con,
            f"""SELECT count(*) FILTER (WHERE updated_at > '2024-01-01'),
                                         count(DISTINCT {id_column}) FROM {table}_history""",
        )
        assert low <= changes / entities / 24 <= high, table
    statuses = {
        s for (s,) in con.execute("SELECT DISTINCT status FROM vehicles_history").fetchall()
    }
    assert statuses >= {"active", "maintenance"}
    moved = one(
        con,
        """SELECT count(*) FROM (SELECT customer_id FROM customers_history
                        GROUP BY 1 HAVING count(DISTINCT city) > 1)""",
    )[0]
    assert moved > 0
    expiring = one(
        con,
        """SELECT count(*) FROM drivers_history WHERE updated_at = '2024-01-01'
                           AND license_expiry BETWEEN '2024-01-01' AND '2025-12-31'""",
    )[0]
    assert expiring > 0


def test_deliveries_go_to_customers_living_in_the_destination_city(con):
    mismatched = one(
        con,
        """
        SELECT count(*) FROM deliveries d JOIN trips t USING (trip_id)
        JOIN routes r USING (route_id)
        WHERE NOT ends_with(d.delivery_address, ', ' || r.destination_city)""",
    )[0]
    assert mismatched == 0


def test_window_is_explicit_never_relative_to_today():
    clock_calls = {"today", "now", "utcnow", "time", "time_ns", "monotonic", "perf_counter"}
    for path in Path(gen.__file__).parent.glob("*.py"):
        calls = {
            node.func.attr
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        assert not calls & clock_calls, f"{path.name} reads the clock"
    first = generate_day(World(7, 0.05, date(2020, 3, 1)), 0, 5)["trips"]
    assert first.column("departure_datetime")[0].as_py().date() == date(2020, 3, 1)
