"""``load_lake``: the PostgreSQL copy of the tiny lake, its schema, atomicity and reruns."""

from __future__ import annotations

import re
import socket

import psycopg
import pytest

from fleetlake import schema
from fleetlake.errors import DatabaseError
from fleetlake.lake import open_lake
from fleetlake.oltp import load as load_module
from fleetlake.oltp.load import LOAD_ORDER, SCHEMA_TABLES, load_lake

pytestmark = pytest.mark.postgres

TINY_ROWS = {
    "vehicles": 2,
    "drivers": 4,
    "routes": 50,
    "customers": 50,
    "trips": 1000,
    "deliveries": 4000,
    "maintenance": 50,
}

# The canonical FleetLogix columns (SPEC.md) and their PostgreSQL types, exactly.
CANONICAL = {
    "vehicles": {
        "vehicle_id": "integer",
        "license_plate": "character varying(20)",
        "vehicle_type": "character varying(50)",
        "capacity_kg": "numeric(10,2)",
        "fuel_type": "character varying(20)",
        "acquisition_date": "date",
        "status": "character varying(20)",
    },
    "drivers": {
        "driver_id": "integer",
        "employee_code": "character varying(20)",
        "first_name": "character varying(100)",
        "last_name": "character varying(100)",
        "license_number": "character varying(50)",
        "license_expiry": "date",
        "phone": "character varying(20)",
        "hire_date": "date",
        "status": "character varying(20)",
    },
    "routes": {
        "route_id": "integer",
        "route_code": "character varying(20)",
        "origin_city": "character varying(100)",
        "destination_city": "character varying(100)",
        "distance_km": "numeric(10,2)",
        "estimated_duration_hours": "numeric(5,2)",
        "toll_cost": "numeric(10,2)",
    },
    "trips": {
        "trip_id": "integer",
        "vehicle_id": "integer",
        "driver_id": "integer",
        "route_id": "integer",
        "departure_datetime": "timestamp without time zone",
        "arrival_datetime": "timestamp without time zone",
        "fuel_consumed_liters": "numeric(10,2)",
        "total_weight_kg": "numeric(10,2)",
        "status": "character varying(20)",
    },
    "deliveries": {
        "delivery_id": "integer",
        "trip_id": "integer",
        "tracking_number": "character varying(50)",
        "customer_name": "character varying(200)",
        "delivery_address": "text",
        "package_weight_kg": "numeric(10,2)",
        "scheduled_datetime": "timestamp without time zone",
        "delivered_datetime": "timestamp without time zone",
        "delivery_status": "character varying(20)",
        "recipient_signature": "boolean",
    },
    "maintenance": {
        "maintenance_id": "integer",
        "vehicle_id": "integer",
        "maintenance_date": "date",
        "maintenance_type": "character varying(50)",
        "description": "text",
        "cost": "numeric(10,2)",
        "next_maintenance_date": "date",
        "performed_by": "character varying(200)",
    },
}

DOMAINS = {
    ("vehicles", "vehicle_type"): schema.VEHICLE_TYPES,
    ("vehicles", "fuel_type"): schema.FUEL_TYPES,
    ("vehicles", "status"): schema.VEHICLE_STATUSES,
    ("drivers", "status"): schema.DRIVER_STATUSES,
    ("routes", "origin_city"): schema.CITIES,
    ("routes", "destination_city"): schema.CITIES,
    ("customers", "customer_type"): schema.CUSTOMER_TYPES,
    ("customers", "city"): schema.CITIES,
    ("trips", "status"): schema.TRIP_STATUSES,
    ("deliveries", "delivery_status"): schema.DELIVERY_STATUSES,
    ("maintenance", "maintenance_type"): schema.MAINTENANCE_TYPES,
}


def _counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in LOAD_ORDER}


def _fingerprint(dsn: str) -> dict[str, str]:
    """An md5 of every table's full content in key order."""
    with psycopg.connect(dsn) as con:
        return {
            t: con.execute(
                f"SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM {t} x"
            ).fetchone()[0]
            for t in LOAD_ORDER
        }


def test_tiny_lake_is_loaded_whole(pg_tiny: str, tiny_lake) -> None:
    assert _counts(pg_tiny) == TINY_ROWS
    lake = open_lake(str(tiny_lake))
    for table in ("trips", "deliveries", "maintenance"):
        assert TINY_ROWS[table] == lake.read(table).num_rows
    with psycopg.connect(pg_tiny) as con:
        row = con.execute("SELECT seed, sf, start_date, end_date FROM fleetlake_load").fetchall()
    assert row == [(42, 0.01, lake.manifest.start, lake.manifest.end)]


def test_entity_tables_hold_the_current_state(pg_tiny: str, tiny_lake) -> None:
    lake = open_lake(str(tiny_lake))
    history = lake.read("drivers").to_pylist()
    latest = {}
    for row in sorted(history, key=lambda r: r["updated_at"]):
        latest[row["driver_id"]] = (row["phone"], row["status"], row["updated_at"])
    with psycopg.connect(pg_tiny) as con:
        rows = con.execute("SELECT driver_id, phone, status, updated_at FROM drivers").fetchall()
    assert {r[0]: r[1:] for r in rows} == latest
    assert len(history) > len(latest)  # the tiny lake does have driver changes


def test_schema_tables_are_every_table_schema_sql_creates(pg_tiny: str) -> None:
    """What a load drops and `pg explain` vacuums is exactly what the schema file creates."""
    with psycopg.connect(pg_tiny) as con:
        rows = con.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(SCHEMA_TABLES)


def test_canonical_columns_and_types(pg_tiny: str) -> None:
    with psycopg.connect(pg_tiny) as con:
        for table, columns in CANONICAL.items():
            rows = con.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                (table,),
            ).fetchall()
            actual = dict(rows)
            assert {c: actual.get(c) for c in columns} == columns, table


def test_every_domain_has_an_exact_check(pg_tiny: str) -> None:
    with psycopg.connect(pg_tiny) as con:
        rows = con.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'c'"
        ).fetchall()
    for (table, column), domain in DOMAINS.items():
        found = [
            set(re.findall(r"'([^']*)'", definition))
            for t, definition in rows
            if t == table and re.search(rf"\b{column}\b", definition) and "ANY" in definition
        ]
        assert found == [set(domain)], (table, column)


def test_constraints_reject_bad_rows(pg_tiny: str) -> None:
    with psycopg.connect(pg_tiny) as con:
        with pytest.raises(psycopg.errors.CheckViolation, match="check"):
            con.execute(
                "UPDATE trips SET arrival_datetime = departure_datetime - interval '1 hour' "
                "WHERE trip_id = 1"
            )
        con.rollback()
        with pytest.raises(psycopg.errors.CheckViolation):
            con.execute("UPDATE vehicles SET status = 'stolen' WHERE vehicle_id = 1")
        con.rollback()
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            con.execute("UPDATE trips SET driver_id = 999999 WHERE trip_id = 1")
        con.rollback()
        with pytest.raises(psycopg.errors.UniqueViolation):
            con.execute("UPDATE deliveries SET tracking_number = 'X' WHERE delivery_id IN (1, 2)")
        con.rollback()


def test_every_foreign_key_has_an_index(pg_tiny: str) -> None:
    with psycopg.connect(pg_tiny) as con:
        unindexed = con.execute(
            """SELECT c.conrelid::regclass::text, a.attname
               FROM pg_constraint c
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               WHERE c.contype = 'f' AND NOT EXISTS (
                   SELECT 1 FROM pg_index i
                   WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])"""
        ).fetchall()
        foreign_keys = con.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'")
        assert foreign_keys.fetchone()[0] == 6
    assert unindexed == []


def test_rerun_gives_the_same_database(pg_db: str, tiny_lake) -> None:
    lake = open_lake(str(tiny_lake))
    first = load_lake(lake, pg_db)
    before = _fingerprint(pg_db)
    second = load_lake(lake, pg_db)
    assert first.rows == second.rows == TINY_ROWS
    assert _fingerprint(pg_db) == before


def test_a_load_failing_midway_leaves_the_previous_copy(pg_db, tiny_lake, monkeypatch) -> None:
    lake = open_lake(str(tiny_lake))
    load_lake(lake, pg_db)
    before = _fingerprint(pg_db)
    real_encode = load_module.encode_batch

    def encode_then_fail(batch):
        if "tracking_number" in batch.schema.names:  # deliveries: after 5 tables were copied
            raise RuntimeError("disk on fire")
        return real_encode(batch)

    monkeypatch.setattr(load_module, "encode_batch", encode_then_fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        load_lake(lake, pg_db)
    assert _fingerprint(pg_db) == before
    monkeypatch.setattr(load_module, "encode_batch", real_encode)

    before_part, _ = load_module.schema_parts()
    monkeypatch.setattr(load_module, "schema_parts", lambda: (before_part, "SELECT 1/0;"))
    with pytest.raises(DatabaseError, match="foreign keys and indexes failed: division by zero"):
        load_lake(lake, pg_db)
    assert _fingerprint(pg_db) == before


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with(dsn: str, **changes: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    return make_conninfo(**(conninfo_to_dict(dsn) | changes))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"port": "CLOSED"}, "connect failed: .*Connection refused"),
        ({"password": "not-the-password"}, "password authentication failed"),
        ({"dbname": "no_such_db"}, 'database "no_such_db" does not exist'),
    ],
)
def test_bad_servers_fail_in_one_line_without_password(pg_dsn, tiny_lake, change, message):
    change = {k: (str(_closed_port()) if v == "CLOSED" else v) for k, v in change.items()}
    dsn = _with(pg_dsn, **change)
    with pytest.raises(DatabaseError, match=message) as info:
        load_lake(open_lake(str(tiny_lake)), dsn)
    text = str(info.value)
    assert "\n" not in text
    for secret in ("password=", "fleetlake-test", "not-the-password"):
        assert secret not in text


CLASSIC_QUERIES = [
    # Written for the classic FleetLogix schema; they must run unchanged on the copy.
    """SELECT vehicle_type, status, COUNT(*) FROM vehicles GROUP BY vehicle_type, status""",
    """SELECT d.first_name || ' ' || d.last_name AS driver, COUNT(t.trip_id) AS total_trips,
              SUM(CASE WHEN t.status = 'completed' THEN 1 ELSE 0 END) AS completed
       FROM drivers d LEFT JOIN trips t ON d.driver_id = t.driver_id
       WHERE d.status = 'active' GROUP BY d.driver_id, d.first_name, d.last_name
       ORDER BY total_trips DESC LIMIT 10""",
    """SELECT license_number, license_expiry FROM drivers
       WHERE license_expiry BETWEEN CURRENT_DATE AND CURRENT_DATE + INTERVAL '30 days'""",
    """SELECT r.origin_city, r.destination_city,
              AVG(t.fuel_consumed_liters / r.distance_km * 100) AS l_per_100km
       FROM trips t JOIN routes r ON t.route_id = r.route_id
       WHERE t.status = 'completed' GROUP BY r.origin_city, r.destination_city""",
    """SELECT EXTRACT(DOW FROM d.scheduled_datetime) AS dow, COUNT(*) AS late
       FROM deliveries d
       WHERE d.delivered_datetime > d.scheduled_datetime + INTERVAL '30 minutes'
         AND d.delivery_status = 'delivered' AND d.recipient_signature
       GROUP BY 1""",
    """SELECT v.vehicle_type, SUM(m.cost) / NULLIF(SUM(r.distance_km), 0)
       FROM vehicles v JOIN maintenance m ON v.vehicle_id = m.vehicle_id
       JOIN trips t ON v.vehicle_id = t.vehicle_id JOIN routes r ON t.route_id = r.route_id
       GROUP BY v.vehicle_type""",
    """SELECT m.maintenance_type, m.performed_by, m.next_maintenance_date, m.description
       FROM maintenance m ORDER BY m.maintenance_date DESC LIMIT 5""",
]


@pytest.mark.parametrize("query", CLASSIC_QUERIES)
def test_classic_queries_run_unchanged(pg_tiny: str, query: str) -> None:
    with psycopg.connect(pg_tiny) as con:
        assert con.execute(query).fetchall() is not None
