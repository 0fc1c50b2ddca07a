"""Fact measures and validation, computed while preparing a batch (the same for every target)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from fleetlake.config import Config
from fleetlake.warehouse.prepare import prepare_facts
from tests.warehouse.rows import rows

DEPART = datetime(2024, 3, 4, 8, 0)  # Colombia time


def measures(deliveries, trips=None, config: Config | None = None) -> dict[int, dict]:
    trips = (
        trips
        if trips is not None
        else rows(
            "trips",
            {
                "trip_id": 1,
                "departure_datetime": DEPART,
                "arrival_datetime": DEPART + timedelta(hours=4),
            },
        )
    )
    prepared = prepare_facts(trips, deliveries, rows("routes", {"route_id": 1}), config or Config())
    return {r["delivery_id"]: r for r in prepared.rows.to_pylist()}


def delivery(delivery_id: int, scheduled: datetime, delivered: datetime | None, **more) -> dict:
    status = "delivered" if delivered else "in_transit"
    return {
        "delivery_id": delivery_id,
        "scheduled_datetime": scheduled,
        "delivered_datetime": delivered,
        "delivery_status": status,
        **more,
    }


def test_early_deliveries_are_kept_with_zero_delay_and_one_on_time_rule() -> None:
    at = DEPART + timedelta(hours=2)
    got = measures(
        rows(
            "deliveries",
            delivery(1, at, at - timedelta(minutes=40)),  # early: kept, delay 0
            delivery(2, at, at + timedelta(minutes=30)),  # exactly at the tolerance: on time
            delivery(3, at, at + timedelta(minutes=31)),  # one minute over: late
            delivery(4, at, None),  # not delivered yet: on time is unknown
        )
    )
    assert sorted(got) == [1, 2, 3, 4]
    assert [got[i]["delay_minutes"] for i in (1, 2, 3, 4)] == [0, 30, 31, None]
    assert [got[i]["is_on_time"] for i in (1, 2, 3, 4)] == [True, True, False, None]
    strict = measures(
        rows("deliveries", delivery(2, at, at + timedelta(minutes=30))),
        config=replace(Config(), on_time_tolerance_minutes=15),
    )
    assert strict[2]["is_on_time"] is False


def test_deliveries_per_hour_is_over_the_whole_trip_and_costs_follow_config() -> None:
    at = DEPART + timedelta(hours=1)
    got = measures(
        rows("deliveries", delivery(1, at, at), delivery(2, at, at), delivery(3, at, None))
    )
    # 2 delivered stops over a 4-hour trip, whatever the batch holds.
    assert got[1]["deliveries_per_hour"] == Decimal("0.5000")
    # (50 L * 11,000 + 66,000 toll + 4 h * 15,000) / 3 deliveries
    assert got[1]["cost_per_delivery"] == Decimal("225333.33")
    # 8,000 + 10 kg * 1,200 + 440 km * 150 / 3
    assert got[1]["revenue_per_delivery"] == Decimal("42000.00")
    assert got[1]["fuel_efficiency_km_per_liter"] == Decimal("8.8000")
    assert got[1]["delivery_time_minutes"] == 60
    cheap = measures(
        rows("deliveries", delivery(1, at, at)),
        config=replace(Config(), fuel_price_cop_per_liter=0.0, driver_cost_cop_per_hour=0.0),
    )
    assert cheap[1]["cost_per_delivery"] == Decimal("66000.00")


def test_keys_use_colombian_calendar_and_event_time_is_utc() -> None:
    late_evening = datetime(2024, 3, 4, 21, 45)
    got = measures(
        rows("deliveries", delivery(1, late_evening, late_evening + timedelta(minutes=20)))
    )
    assert (got[1]["date_key"], got[1]["scheduled_time_key"], got[1]["delivered_time_key"]) == (
        20240304,
        2145,
        2205,
    )
    assert got[1]["event_at"] == datetime(2024, 3, 5, 2, 45)


def test_facts_and_dimensions_take_the_utc_offset_from_one_place(monkeypatch) -> None:
    """event_at of both facts and valid_from follow schema.LAKE_UTC_OFFSET_HOURS (no copy in the
    SQL)."""
    import pyarrow as pa

    from fleetlake.schema import DELIVERY_EVENTS
    from fleetlake.warehouse import delivery_events, prepare
    from fleetlake.warehouse.model import DIM_VEHICLE

    for module in (prepare, delivery_events):  # each binds the constant from fleetlake.schema
        monkeypatch.setattr(module, "LAKE_UTC_OFFSET_HOURS", 3, raising=False)
    at = datetime(2024, 3, 4, 21, 45)
    event = {"event_id": "e", "delivery_id": 1, "delivery_status": "pending", "event_time": at}
    events = pa.Table.from_pylist([event], schema=DELIVERY_EVENTS.schema)
    prepared = delivery_events.prepare_delivery_events(events).rows
    assert prepared.column("event_at").to_pylist() == [at + timedelta(hours=3)]
    assert measures(rows("deliveries", delivery(1, at, at)))[1]["event_at"] == at + timedelta(
        hours=3
    )
    changes = rows("vehicles", {"vehicle_id": 1, "updated_at": at})
    valid_from = prepare.prepare_dimension(DIM_VEHICLE, changes).rows["valid_from"]
    assert valid_from.to_pylist() == [at + timedelta(hours=3)]


def test_invalid_deliveries_are_rejected_with_a_reason() -> None:
    at = DEPART + timedelta(hours=1)
    prepared = prepare_facts(
        rows("trips", {"trip_id": 1, "departure_datetime": DEPART}),
        rows(
            "deliveries",
            delivery(1, at, at),
            delivery(2, at, at, trip_id=99),
            delivery(3, at, DEPART - timedelta(hours=1)),
            delivery(4, at, at, delivery_status="lost"),
            delivery(5, at, at, package_weight_kg=Decimal("-1.00")),
            delivery(6, at, at),
            delivery(6, at, at),
        ),
        rows("routes", {"route_id": 1}),
        Config(),
    )
    assert prepared.rows["delivery_id"].to_pylist() == [1]
    reasons = {(r["natural_key"], r["reason"]) for r in prepared.rejects.to_pylist()}
    assert reasons == {
        ("2", "trip not found in the batch"),
        ("3", "delivered before the trip departed"),
        ("4", "delivery_status not in domain"),
        ("5", "negative package weight"),
        ("6", "duplicate delivery_id in the batch"),
    }
    assert all('"delivery_id"' in r for r in prepared.rejects["payload"].to_pylist())
