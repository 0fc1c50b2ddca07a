"""fact_delivery_events: compacted real-time delivery events, loaded once each, on both targets."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from fleetlake.config import Config
from fleetlake.lake import open_lake
from fleetlake.lake.storage import LocalStorage
from fleetlake.lake.writer import write_stream_day
from fleetlake.schema import DELIVERY_EVENTS
from fleetlake.warehouse import load_warehouse
from fleetlake.warehouse.load import Batch, apply_batch
from fleetlake.warehouse.targets import Target
from tests.warehouse.rows import rows


def events(*records: tuple[str, int, str, datetime, int | None]) -> pa.Table:
    """(event_id, delivery_id, status, Colombia time, vehicle_id) -> lake delivery_events rows."""
    return pa.Table.from_pylist(
        [
            {
                "event_id": event_id,
                "delivery_id": delivery_id,
                "delivery_status": status,
                "event_time": moment,
                "recipient_signature": status == "delivered" or None,
                "vehicle_id": vehicle_id,
            }
            for event_id, delivery_id, status, moment, vehicle_id in records
        ],
        schema=DELIVERY_EVENTS.schema,
    )


def test_events_are_inserted_once_with_the_vehicle_version_at_their_time(target: Target):
    vehicles = rows(
        "vehicles",
        {"vehicle_id": 1, "updated_at": datetime(2024, 1, 1)},
        {"vehicle_id": 1, "status": "maintenance", "updated_at": datetime(2024, 1, 3, 12)},
    )
    first = events(
        ("d1-in_transit", 1, "in_transit", datetime(2024, 1, 2, 8, 0), 1),
        ("d1-delivered", 1, "delivered", datetime(2024, 1, 3, 13, 5), 1),
        ("d2-lost", 2, "lost", datetime(2024, 1, 3, 14, 0), 1),  # not a delivery_status
        ("d3-failed", 3, "failed", datetime(2024, 1, 3, 15, 0), 99),  # unknown vehicle
    )
    summary = apply_batch(
        target, Batch(entities={"vehicles": vehicles}, delivery_events=first), Config()
    )
    assert summary.rows_rejected == 1
    assert summary.rows_inserted == 2 + 3  # two vehicle versions and three valid events
    facts = target.query(
        "SELECT f.delivery_event_key, f.event_id, f.delivery_id, f.date_key, f.time_key, "
        "v.status, f.vehicle_key, f.delivery_status, f.has_signature, f.is_final, f.event_at "
        "FROM fact_delivery_events f LEFT JOIN dim_vehicle v ON v.vehicle_key = f.vehicle_key "
        "ORDER BY f.delivery_event_key"
    )
    assert [r[1:4] + r[4:6] for r in facts] == [
        ("d1-in_transit", 1, 20240102, 800, "active"),
        ("d1-delivered", 1, 20240103, 1305, "maintenance"),
        ("d3-failed", 3, 20240103, 1500, "Unknown"),
    ]
    assert [r[0] for r in facts] == [1, 2, 3] and facts[2][6] == -1
    assert [(r[7], r[8], r[9]) for r in facts] == [
        ("in_transit", None, False),
        ("delivered", True, True),
        ("failed", None, True),
    ]
    assert facts[0][10] == datetime(2024, 1, 2, 13, 0)  # UTC
    assert target.query(
        "SELECT source_table, natural_key, reason FROM etl_rejects ORDER BY natural_key"
    ) == [("delivery_events", "d2-lost", "delivery_status not in domain")]
    assert target.query("SELECT COUNT(*) FROM dim_date WHERE date_key = 20240103") == [(1,)]

    again = apply_batch(target, Batch(delivery_events=first), Config())
    assert again.rows_inserted == 0
    grown = pa.concat_tables(
        [first, events(("d4-delivered", 4, "delivered", datetime(2024, 1, 3, 16, 0), 1))]
    )
    third = apply_batch(target, Batch(delivery_events=grown), Config())
    assert third.rows_inserted == 1
    assert target.query(
        "SELECT delivery_event_key, event_id FROM fact_delivery_events WHERE delivery_id = 4"
    ) == [(4, "d4-delivered")]


def test_events_move_to_the_vehicle_version_that_arrives_after_them(target: Target):
    apply_batch(
        target,
        Batch(
            delivery_events=events(
                ("e1", 1, "in_transit", datetime(2024, 1, 2, 8, 0), 1),
                ("e2", 1, "delivered", datetime(2024, 1, 5, 8, 0), 1),
            )
        ),
        Config(),
    )

    def statuses() -> list[tuple]:
        return target.query(
            "SELECT f.event_id, v.status FROM fact_delivery_events f "
            "JOIN dim_vehicle v ON v.vehicle_key = f.vehicle_key ORDER BY f.event_id"
        )

    assert statuses() == [("e1", "Unknown"), ("e2", "Unknown")]  # loaded before the vehicle
    first = rows("vehicles", {"vehicle_id": 1, "updated_at": datetime(2024, 1, 1)})
    apply_batch(target, Batch(entities={"vehicles": first}), Config())
    assert statuses() == [("e1", "active"), ("e2", "active")]
    back_dated = rows(
        "vehicles", {"vehicle_id": 1, "status": "maintenance", "updated_at": datetime(2024, 1, 4)}
    )
    apply_batch(target, Batch(entities={"vehicles": back_dated}), Config())
    assert statuses() == [("e1", "active"), ("e2", "maintenance")]


def test_a_duplicate_event_id_in_a_batch_is_rejected_loudly(target: Target):
    batch = events(
        ("e1", 1, "in_transit", datetime(2024, 1, 2, 8, 0), None),
        ("e1", 1, "delivered", datetime(2024, 1, 2, 9, 0), None),
    )
    summary = apply_batch(target, Batch(delivery_events=batch), Config())
    assert (summary.rows_inserted, summary.rows_rejected) == (1, 1)
    assert target.query("SELECT event_id, delivery_status FROM fact_delivery_events") == [
        ("e1", "in_transit")
    ]
    assert target.query("SELECT reason FROM etl_rejects") == [("duplicate event_id in the batch",)]


def test_a_reloaded_partition_rejects_only_its_new_invalid_events(target: Target):
    first = events(
        ("e1", 1, "in_transit", datetime(2024, 1, 2, 8, 0), None),
        ("e1", 1, "delivered", datetime(2024, 1, 2, 9, 0), None),  # duplicate id
        ("e2", 2, "lost", datetime(2024, 1, 2, 10, 0), None),  # not a delivery_status
    )
    summary = apply_batch(target, Batch(delivery_events=first), Config())
    assert (summary.rows_inserted, summary.rows_rejected) == (1, 2)
    grown = pa.concat_tables(
        [
            first,
            events(
                ("e3", 3, "delivered", datetime(2024, 1, 2, 11, 0), None),
                ("e4", 4, "stolen", datetime(2024, 1, 2, 12, 0), None),
            ),
        ]
    )
    reloaded = apply_batch(target, Batch(delivery_events=grown), Config())
    assert (reloaded.rows_inserted, reloaded.rows_rejected) == (1, 1)
    assert apply_batch(target, Batch(delivery_events=grown), Config()).rows_rejected == 0
    assert target.query(
        "SELECT run_id, natural_key, reason FROM etl_rejects ORDER BY run_id, natural_key"
    ) == [
        (1, "e1", "duplicate event_id in the batch"),
        (1, "e2", "delivery_status not in domain"),
        (2, "e4", "delivery_status not in domain"),
    ]
    assert target.query("SELECT run_id, rows_rejected FROM etl_runs ORDER BY run_id") == [
        (1, 2),
        (2, 1),
        (3, 0),
    ]


@pytest.mark.parametrize("kind", ["duckdb", pytest.param("snowflake", marks=pytest.mark.snowflake)])
def test_compacted_partitions_load_incrementally_by_hash(
    kind: str, lake_copy: Path, tmp_path: Path, request: pytest.FixtureRequest
):
    config = Config(lake=str(lake_copy), warehouse_path=str(tmp_path / "warehouse.duckdb"))
    options = {}
    if kind == "snowflake":
        config = replace(config, warehouse_target="snowflake")
        options = {"connection": request.getfixturevalue("snowflake_connection")}
    lake = open_lake(str(lake_copy))
    deliveries = lake.read("deliveries").slice(0, 6).to_pylist()
    day1, day2 = date(2024, 1, 5), date(2024, 1, 6)

    def at(day: date, minutes: int) -> datetime:
        return datetime.combine(day, datetime.min.time()) + timedelta(hours=8, minutes=minutes)

    def day_events(day: date, selected: list[dict]) -> pa.Table:
        return events(
            *(
                (f"d{d['delivery_id']}-{day}", d["delivery_id"], "in_transit", at(day, i), None)
                for i, d in enumerate(selected)
            )
        )

    storage = LocalStorage(lake_copy)
    entry1 = write_stream_day(
        storage, day1, {"delivery_events": day_events(day1, deliveries[:2])}, frozenset({"a"})
    )
    write_stream_day(
        storage, day2, {"delivery_events": day_events(day2, deliveries[2:4])}, frozenset({"b"})
    )
    first = load_warehouse(config, target_options=options)
    assert first is not None

    def query(sql: str) -> list[tuple]:
        from fleetlake.warehouse.targets import open_target

        target = open_target(config, **options)
        try:
            return target.query(sql)
        finally:
            target.close()

    assert query("SELECT COUNT(*) FROM fact_delivery_events") == [(4,)]
    assert query(
        "SELECT partition_date, row_count FROM etl_watermark "
        "WHERE lake_table = 'delivery_events' ORDER BY partition_date"
    ) == [(day1, 2), (day2, 2)]
    assert load_warehouse(config, target_options=options) is None  # nothing new

    grown = pa.concat_tables([day_events(day1, deliveries[:2]), day_events(day1, deliveries[4:6])])
    write_stream_day(storage, day1, {"delivery_events": grown}, frozenset({"a", "c"}), entry1)
    third = load_warehouse(config, target_options=options)
    assert third is not None
    assert (third.partitions_read, third.rows_read, third.rows_inserted) == (1, 4, 2)
    assert query("SELECT COUNT(*), COUNT(DISTINCT event_id) FROM fact_delivery_events") == [(6, 6)]
    assert load_warehouse(config, target_options=options) is None
