"""Event validation and the time conventions (lake = naive Colombia wall clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fleetlake.serverless.models import (
    DeliveryUpdate,
    EventError,
    GpsPing,
    epoch_us,
    format_time,
    lake_time,
    parse_batch,
    parse_event,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def ping(**fields):
    event = {
        "event_id": "g1",
        "type": "gps",
        "vehicle": 1,
        "trip": 2,
        "route": 3,
        "lat": 4.7,
        "lon": -74.07,
        "speed": 50,
        "time": "2025-03-10T08:00:00",
    }
    return event | fields


def test_naive_time_is_colombia_and_offsets_are_honoured():
    naive = parse_event(ping(), NOW)
    explicit = parse_event(ping(time="2025-03-10T13:00:00Z"), NOW)
    assert isinstance(naive, GpsPing)
    assert naive.time == explicit.time == datetime(2025, 3, 10, 13, tzinfo=UTC)
    assert lake_time(naive.time) == datetime(2025, 3, 10, 8)
    assert format_time(naive.time) == "2025-03-10T08:00:00.000000-05:00"
    assert epoch_us(naive.time) == 1_741_611_600_000_000


def test_integers_are_accepted_as_coordinates_and_speed():
    event = parse_event(ping(lat=5, lon=-75, speed=0), NOW)
    assert (event.lat, event.lon, event.speed_kmh) == (5.0, -75.0, 0.0)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lat": float("nan")}, "lat"),
        ({"lat": -90.0001}, "lat"),
        ({"speed": -1}, "speed"),
        ({"trip": 2**31}, "trip"),
        ({"route": 1.5}, "route"),
        ({"time": "2026-01-01T00:06:00Z"}, "time"),  # beyond 5 minutes of clock skew
        ({"time": 1741611600}, "time"),
        ({"event_id": "has space"}, "event_id"),
        ({"event_id": None}, "event_id"),
    ],
)
def test_each_invalid_field_is_named(fields, field):
    with pytest.raises(EventError) as error:
        parse_event(ping(**fields), NOW)
    assert error.value.field == field
    assert str(error.value).startswith(f"{field}: ")


def test_delivery_update_signature_and_reporting_vehicle_are_optional():
    event = parse_event(
        {
            "event_id": "d1",
            "type": "delivery",
            "delivery": 9,
            "status": "failed",
            "time": "2025-03-10T08:00:00-05:00",
        },
        NOW,
    )
    assert isinstance(event, DeliveryUpdate)
    assert (event.signature, event.vehicle_id) == (None, None)
    assert event.to_record()["time"] == "2025-03-10T08:00:00.000000-05:00"


def test_batch_shapes():
    assert parse_batch([1, 2]) == [1, 2]
    assert parse_batch({"events": []}) == []
    with pytest.raises(EventError) as error:
        parse_batch({"records": []})
    assert (error.value.field, error.value.status) == ("events", 400)
    with pytest.raises(EventError) as error:
        parse_batch([{}] * 501)
    assert error.value.status == 413


def test_the_handlers_copy_of_the_delivery_statuses_equals_the_schema():
    """models.py repeats the domain on purpose (a Lambda needs nothing but boto3): keep it equal."""
    from fleetlake import schema
    from fleetlake.serverless import models

    assert models.DELIVERY_STATUSES == schema.DELIVERY_STATUSES


def test_the_handlers_copy_of_the_lake_time_zone_equals_the_schema():
    """models.COLOMBIA repeats schema.LAKE_UTC_OFFSET_HOURS for the same reason: keep it equal,
    or compaction would file events under other wall-clock times than the warehouse reads."""
    from datetime import datetime, timedelta

    from fleetlake import schema
    from fleetlake.serverless import models

    offset = models.COLOMBIA.utcoffset(datetime(2025, 1, 1))
    assert offset == -timedelta(hours=schema.LAKE_UTC_OFFSET_HOURS)


def test_routes_from_the_current_state_one_per_route_in_order():
    import pyarrow as pa

    from fleetlake.serverless.routes import routes_from_table
    from tests.serverless.lake_tables import routes_table

    rows = routes_table().to_pylist()
    # route 1 re-measured and without waypoints; rows out of order
    one_now = dict(rows[0]) | {"distance_km": rows[0]["distance_km"] + 10, "waypoints": []}
    one, two = routes_from_table(pa.Table.from_pylist([rows[1], one_now], routes_table().schema))
    assert (one.route_id, one.distance_km, len(one.path)) == (1, 450.0, 2)
    assert one.path == ((rows[0]["origin_lat"], rows[0]["origin_lon"]), one.destination)
    assert two == routes_from_table(routes_table())[1]
    assert routes_from_table(routes_table().slice(0, 0)) == []
