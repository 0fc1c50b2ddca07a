"""The PostgreSQL side of the KPIs: results built column-wise, one reader of the load marker."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from fleetlake.errors import DatabaseError
from fleetlake.kpi import run_kpis
from fleetlake.kpi.check import check_kpis
from fleetlake.kpi.run import result_table
from fleetlake.lake import open_lake
from fleetlake.oltp.explain import explain_kpis
from fleetlake.oltp.load import LoadMarker, load_lake, read_load_marker

pytestmark = pytest.mark.postgres


def test_result_table_keeps_columns_values_and_types(pg_dsn: str) -> None:
    query = (
        "SELECT * FROM (VALUES (1, 'Cali', 2.50::numeric(5, 2), DATE '2024-01-31'),"
        " (2, NULL, NULL, DATE '2024-02-29')) AS t(n, city, amount, day)"
    )
    with psycopg.connect(pg_dsn) as con:
        table = result_table(con.execute(query))
        empty = result_table(con.execute(query + " WHERE false"))
    assert table.column_names == ["n", "city", "amount", "day"]
    assert [str(f.type) for f in table.schema] == [
        "int64",
        "string",
        "decimal128(3, 2)",
        "date32[day]",
    ]
    assert table.to_pylist() == [
        {"n": 1, "city": "Cali", "amount": Decimal("2.50"), "day": date(2024, 1, 31)},
        {"n": 2, "city": None, "amount": None, "day": date(2024, 2, 29)},
    ]
    assert empty.column_names == ["n", "city", "amount", "day"] and empty.num_rows == 0


def test_postgres_kpis_keep_their_result_types(pg_tiny: str) -> None:
    results = run_kpis(None, engine="postgres", dsn=pg_tiny, names=["q01", "q02", "q11"])
    assert {name: [f"{f.name} {f.type}" for f in t.schema] for name, t in results.items()} == {
        "q01_fleet_composition": [
            "vehicle_type string",
            "status string",
            "vehicles int64",
            "capacity_kg decimal128(6, 2)",
            "pct_of_fleet decimal128(4, 2)",
        ],
        "q02_expiring_licenses": [
            "driver_id int64",
            "employee_code string",
            "first_name string",
            "last_name string",
            "license_number string",
            "license_expiry date32[day]",
            "days_to_expiry int64",
        ],
        "q11_monthly_trip_trend": [
            "month date32[day]",
            "trips int64",
            "completed_trips int64",
            "mom_change int64",
            "mom_change_pct decimal128(4, 2)",
            "moving_avg_3m decimal128(4, 2)",
        ],
    }
    assert results["q11_monthly_trip_trend"].column("mom_change")[0].as_py() is None


def test_load_marker_records_the_loaded_lake(pg_tiny: str, tiny_lake) -> None:
    with psycopg.connect(pg_tiny, autocommit=True) as con:
        marker = read_load_marker(con)
    assert marker == LoadMarker(str(tiny_lake), 42, 0.01, date(2024, 1, 1), date(2025, 12, 31))


def _read_marker(dsn: str, lake) -> LoadMarker:
    with psycopg.connect(dsn, autocommit=True) as con:
        return read_load_marker(con)


READERS = pytest.mark.parametrize(
    "reader",
    [
        _read_marker,
        lambda dsn, lake: run_kpis(None, engine="postgres", dsn=dsn),
        lambda dsn, lake: check_kpis(str(lake), dsn),
        lambda dsn, lake: explain_kpis(dsn, repeat=1),
    ],
    ids=["read_load_marker", "run_kpis", "check_kpis", "explain_kpis"],
)


@READERS
def test_every_reader_of_the_marker_refuses_a_database_without_a_copy(
    pg_db: str, tiny_lake, reader
) -> None:
    with pytest.raises(DatabaseError) as info:
        reader(pg_db, tiny_lake)
    assert str(info.value) == "the database holds no fleetlake copy; run `fleetlake pg load` first"


@pytest.fixture
def unprivileged(pg_db: str, tiny_lake):
    """A DSN for a role that may connect to a loaded copy but not read its tables."""
    load_lake(open_lake(str(tiny_lake)), pg_db)
    role = f"r_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_db, autocommit=True) as con:
        con.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'not-for-messages'")
    params = conninfo_to_dict(pg_db) | {"user": role, "password": "not-for-messages"}
    yield make_conninfo(**params)
    with psycopg.connect(pg_db, autocommit=True) as con:
        con.execute(f"DROP OWNED BY {role}")
        con.execute(f"DROP ROLE {role}")


@READERS
def test_every_reader_of_the_marker_reports_an_unreadable_one_in_one_line(
    unprivileged: str, tiny_lake, reader
) -> None:
    with pytest.raises(DatabaseError) as info:
        reader(unprivileged, tiny_lake)
    message = str(info.value)
    assert message.startswith("PostgreSQL r_")
    assert message.endswith(
        "reading fleetlake_load failed: permission denied for table fleetlake_load"
    )
    assert "not-for-messages" not in message and "\n" not in message
