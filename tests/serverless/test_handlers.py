"""The Lambda handlers called directly with API Gateway proxy events, against moto over HTTP."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from fleetlake.serverless import handlers
from fleetlake.serverless.models import MAX_BATCH_EVENTS
from tests.serverless.conftest import HONDA, MEDELLIN, call, delivery, gps, s3_records, scan

pytestmark = pytest.mark.s3  # moto's server on 127.0.0.1 (S3, DynamoDB, SNS)

T0 = "2025-03-10T08:00:00-05:00"
T1 = "2025-03-10T09:00:00-05:00"
T2 = "2025-03-10T10:30:00-05:00"


def ingest(body, headers=None):
    return call(handlers.ingest, "POST", "/events", "/events", body, headers=headers)


def get_delivery(delivery_id: str):
    path = f"/deliveries/{delivery_id}"
    return call(
        handlers.delivery_status, "GET", path, "/deliveries/{id}", params={"id": delivery_id}
    )


def test_ingest_stores_raw_events_and_delivery_state(aws):
    status, body = ingest(
        {
            "events": [
                gps("g1", *HONDA, T0),
                delivery("d1", 501, "in_transit", T0),
                delivery("d2", 501, "delivered", T2, signature=True),
                delivery("d3", 502, "failed", T1),
            ]
        }
    )
    assert status == 200
    assert body == {
        "accepted": 4,
        "rejected": [],
        "deliveries_updated": 2,
        "alerts": 0,
        "alert_details": [],
    }
    records = s3_records(aws)
    assert sorted(r["event_id"] for r in records) == ["d1", "d2", "d3", "g1"]
    keys = sorted(o["Key"] for o in aws.s3.list_objects_v2(Bucket=aws.names.bucket)["Contents"])
    # Partitioned by the events' Colombia date and hour: 08h (g1, d1), 09h (d3), 10h (d2).
    assert [k.rsplit("/", 1)[0] for k in keys] == [
        "raw/date=2025-03-10/hour=08",
        "raw/date=2025-03-10/hour=09",
        "raw/date=2025-03-10/hour=10",
    ]
    states = {d["delivery_id"]: d for d in scan(aws, aws.names.deliveries_table)}
    assert states[Decimal(501)]["delivery_status"] == "delivered"
    assert states[Decimal(501)]["recipient_signature"] is True
    assert states[Decimal(502)]["delivery_status"] == "failed"


def test_older_event_never_overwrites_newer_and_repeats_change_nothing(aws):
    ingest([delivery("late", 9, "delivered", T2)])
    status, body = ingest([delivery("early", 9, "in_transit", T1)])  # arrives after, is older
    assert (status, body["accepted"], body["deliveries_updated"]) == (200, 1, 0)
    assert get_delivery("9")[1]["status"] == "delivered"
    objects_before = aws.s3.list_objects_v2(Bucket=aws.names.bucket)["KeyCount"]
    status, body = ingest([delivery("late", 9, "delivered", T2)])  # the same event again
    assert (status, body["deliveries_updated"]) == (200, 0)
    assert aws.s3.list_objects_v2(Bucket=aws.names.bucket)["KeyCount"] == objects_before
    # Same time, different events: the larger event id wins whatever the arrival order.
    ingest([delivery("z-tie", 10, "failed", T1)])
    ingest([delivery("a-tie", 10, "delivered", T1)])
    assert get_delivery("10")[1]["status"] == "failed"


def test_numbers_are_stored_as_exact_decimals(aws):
    ingest([gps("g1", 5.2089, -74.7359, T0, speed=61.3)])
    raw = aws.dynamodb.get_item(TableName=aws.names.tracking_table, Key={"vehicle_id": {"N": "7"}})[
        "Item"
    ]
    assert raw["lat"] == {"N": "5.2089"}
    assert raw["lon"] == {"N": "-74.7359"}
    assert raw["speed_kmh"] == {"N": "61.3"}


@pytest.mark.parametrize(
    ("event", "field", "status"),
    [
        (gps("e", 90.5, -74.0, T0), "lat", 400),
        (gps("e", 4.7, 180.01, T0), "lon", 400),
        (gps("e", 4.7, -74.0, T0, vehicle="7"), "vehicle", 400),
        (gps("e", 4.7, -74.0, T0, speed=True), "speed", 400),
        ({k: v for k, v in gps("e", 4.7, -74.0, T0).items() if k != "trip"}, "trip", 400),
        (gps("e", 4.7, -74.0, "yesterday"), "time", 400),
        (gps("e", 4.7, -74.0, "2999-01-01T00:00:00Z"), "time", 400),
        (gps("e", 4.7, -74.0, T0, route=999), "route", 404),
        (gps("", 4.7, -74.0, T0), "event_id", 400),
        (gps("e", 4.7, -74.0, T0, type="weather"), "type", 400),
        (delivery("e", 5, "lost", T0), "status", 400),
        (delivery("e", 5, "delivered", T0, signature="yes"), "signature", 400),
        (delivery("e", 0, "delivered", T0), "delivery", 400),
        ("not an object", "event", 400),
    ],
)
def test_invalid_event_is_rejected_naming_the_field_and_nothing_is_written(
    aws, event, field, status
):
    code, body = ingest([event])
    assert code == status
    assert body["accepted"] == 0
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [(0, field)]
    assert s3_records(aws) == []
    for table in (aws.names.deliveries_table, aws.names.tracking_table, aws.names.alerts_table):
        assert scan(aws, table) == []


def test_a_bad_event_does_not_block_the_good_ones(aws):
    code, body = ingest([delivery("ok", 5, "pending", T0), gps("bad", 91.0, 0.0, T0)])
    assert code == 200
    assert body["accepted"] == 1
    assert body["rejected"] == [
        {"index": 1, "event_id": "bad", "field": "lat", "error": body["rejected"][0]["error"]}
    ]
    assert "between -90 and 90" in body["rejected"][0]["error"]
    assert [r["event_id"] for r in s3_records(aws)] == ["ok"]


def test_a_future_time_within_clock_skew_is_accepted(aws):
    soon = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    assert ingest([delivery("soon", 5, "pending", soon)])[1]["accepted"] == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ('{"events": [', 400, "body"),
        ('{"events": [' + "1" * 5000 + "]}", 400, "body"),  # not a 500 from int()
        ('{"events": {"a": 1}}', 400, "events"),
        ("42", 400, "events"),
        ("", 400, "body"),
        (
            json.dumps([delivery(f"e{i}", 5, "pending", T0) for i in range(MAX_BATCH_EVENTS + 1)]),
            413,
            "events",
        ),
    ],
)
def test_bad_request_bodies(aws, body, status, field):
    code, answer = ingest(body)
    assert (code, answer["field"]) == (status, field)
    assert s3_records(aws) == []


def test_delivery_status_completion_and_unknown(aws):
    ingest([delivery("d1", 77, "delivered", T1, signature=True)])
    status, body = get_delivery("77")
    assert status == 200
    assert body["completed"] is True
    assert body["status"] == "delivered"
    assert body["event_time"] == "2025-03-10T09:00:00.000000-05:00"
    assert get_delivery("78")[0] == 404
    assert get_delivery("abc") == (
        400,
        {"error": "id: must be a positive integer, got 'abc'", "field": "id"},
    )


def eta(vehicle: str, body=None):
    path = f"/vehicles/{vehicle}/eta"
    return call(handlers.eta, "POST", path, "/vehicles/{id}/eta", body, params={"id": vehicle})


def test_eta_from_a_position_is_haversine_over_speed_and_recorded(aws):
    status, body = eta(
        "7", {"trip": 70, "route": 1, "lat": HONDA[0], "lon": HONDA[1], "speed": 60.0, "time": T0}
    )
    assert status == 200
    from fleetlake.serverless.geometry import haversine_km

    distance = haversine_km(HONDA, MEDELLIN)
    assert body["distance_to_destination_km"] == pytest.approx(distance, abs=0.001)
    expected = datetime.fromisoformat(T0) + timedelta(hours=distance / 60.0)
    assert datetime.fromisoformat(body["eta"]) == pytest.approx(expected, abs=timedelta(seconds=1))
    assert (body["recorded"], body["speed_source"], body["deviating"]) == (True, "gps", False)
    stored = eta("7")[1]
    assert stored["recorded"] is False
    assert stored["eta"] == body["eta"]
    assert isinstance(stored["trip_id"], int) and isinstance(stored["speed_kmh"], int | float)
    assert stored["distance_to_destination_km"] == pytest.approx(distance, abs=0.001)


def test_eta_of_a_stopped_vehicle_uses_the_route_average_speed(aws):
    body = eta(
        "8", {"trip": 80, "route": 1, "lat": HONDA[0], "lon": HONDA[1], "speed": 0, "time": T0}
    )[1]
    assert body["speed_source"] == "route_average"
    assert body["speed_kmh"] == pytest.approx(440 / 9, abs=0.01)


def test_eta_errors(aws):
    assert eta("9")[0] == 404  # never reported
    assert eta("7", {"trip": 70, "route": 999, "lat": 5.0, "lon": -74.0, "time": T0}) == (
        404,
        {"error": "route: unknown route 999", "field": "route"},
    )
    assert eta("7", {"trip": 70, "route": 1, "lat": -95.0, "lon": -74.0})[1]["field"] == "lat"


def deviation(route: str, body):
    path = f"/routes/{route}/deviation"
    return call(
        handlers.route_deviation, "POST", path, "/routes/{id}/deviation", body, params={"id": route}
    )


def test_route_deviation_is_measured_to_segments(aws):
    from fleetlake.serverless.geometry import interpolate_along_path
    from tests.serverless.conftest import ROUTES

    (on_road,) = interpolate_along_path(ROUTES[0].path, [0.3])
    body = deviation("1", {"lat": on_road[0], "lon": on_road[1]})[1]
    assert body["deviating"] is False
    assert body["off_route_km"] < 1.0
    off_road = (on_road[0] + 0.2, on_road[1] + 0.2)  # ~30 km away
    assert deviation("1", {"lat": off_road[0], "lon": off_road[1]})[1]["deviating"] is True
    assert deviation("3", {"lat": 0, "lon": 0})[0] == 404


def alert_messages(aws, queue_url):
    messages = aws_sqs(aws).receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [json.loads(json.loads(m["Body"])["Message"]) for m in messages.get("Messages", [])]


def aws_sqs(aws):
    import boto3

    return boto3.client("sqs", endpoint_url=aws.names.endpoint_url)


def test_deviation_alerts_once_per_episode_on_sns_and_in_history(aws):
    sqs = aws_sqs(aws)
    queue_url = sqs.create_queue(QueueName=f"alerts-{aws.names.bucket}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    aws.sns.subscribe(
        TopicArn=aws.names.topic_arn,
        Protocol="sqs",
        Endpoint=arn["Attributes"]["QueueArn"],
    )
    off = (HONDA[0] + 0.3, HONDA[1] + 0.3)  # ~47 km off the path
    times = [f"2025-03-10T0{h}:{m}:00-05:00" for h in (8, 9) for m in ("00", "15", "30", "45")]
    batch1 = [gps("p0", *HONDA, times[0]), gps("p1", *off, times[1]), gps("p2", *off, times[2])]
    batch2 = [gps("p3", *off, times[3]), gps("p4", *HONDA, times[4]), gps("p5", *off, times[5])]
    first = ingest(batch1)[1]
    assert first["alerts"] == 1 and [a["alert_id"] for a in first["alert_details"]] == [
        "deviation:7:70:p1"
    ]
    assert ingest(batch2)[1]["alerts"] == 1  # p3 continues the episode; p5 starts a new one
    assert ingest(batch1 + batch2)[1]["alerts"] == 0  # replayed: stale, nothing new
    alerts = sorted(scan(aws, aws.names.alerts_table), key=lambda a: a["time"])
    assert [a["alert_id"] for a in alerts] == ["deviation:7:70:p1", "deviation:7:70:p5"]
    assert all(a["off_route_km"] > 5 for a in alerts)
    published = alert_messages(aws, queue_url)
    assert sorted(m["alert_id"] for m in published) == ["deviation:7:70:p1", "deviation:7:70:p5"]


def test_an_alert_sns_refused_stays_pending_and_is_published_by_the_retry(aws):
    from dataclasses import replace

    from fleetlake.serverless.ingest import ingest_batch
    from fleetlake.serverless.resources import Clients
    from fleetlake.serverless.tracking import publish_pending_alerts

    sqs = aws_sqs(aws)
    queue_url = sqs.create_queue(QueueName=f"retry-{aws.names.bucket}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    aws.sns.subscribe(
        TopicArn=aws.names.topic_arn, Protocol="sqs", Endpoint=arn["Attributes"]["QueueArn"]
    )
    off = (HONDA[0] + 0.3, HONDA[1] + 0.3)
    broken = Clients(replace(aws.names, topic_arn=aws.names.topic_arn + "-missing"))
    result = ingest_batch(broken, [gps("p0", *HONDA, T0), gps("p1", *off, T1)])
    assert result.accepted == 2 and len(result.alerts) == 1  # recorded although SNS refused it
    (row,) = scan(aws, aws.names.alerts_table)
    assert row["published"] is False and json.loads(row["message"])["alert_id"] == row["alert_id"]
    assert alert_messages(aws, queue_url) == []
    assert publish_pending_alerts(broken) == (0, 1)  # SNS still refuses: still pending
    assert publish_pending_alerts(aws) == (1, 0)
    assert [m["alert_id"] for m in alert_messages(aws, queue_url)] == ["deviation:7:70:p1"]
    assert scan(aws, aws.names.alerts_table)[0]["published"] is True
    assert publish_pending_alerts(aws) == (0, 0)  # published once, never again


def test_without_a_topic_alerts_are_stored_published_and_nothing_is_pending(aws):
    from dataclasses import replace

    from fleetlake.serverless.ingest import ingest_batch
    from fleetlake.serverless.resources import Clients
    from fleetlake.serverless.tracking import publish_pending_alerts

    silent = Clients(replace(aws.names, topic_arn=None))
    off = (HONDA[0] + 0.3, HONDA[1] + 0.3)
    result = ingest_batch(silent, [gps("p0", *HONDA, T0), gps("p1", *off, T1)])
    assert len(result.alerts) == 1
    (row,) = scan(aws, aws.names.alerts_table)
    assert row["published"] is True  # nothing to publish: never reported as pending
    assert publish_pending_alerts(silent) == (0, 0)
    aws.dynamodb.update_item(  # a row left pending by an earlier setup with a topic
        TableName=aws.names.alerts_table,
        Key={"alert_id": {"S": row["alert_id"]}},
        UpdateExpression="SET published = :no",
        ExpressionAttributeValues={":no": {"BOOL": False}},
    )
    assert publish_pending_alerts(silent) == (0, 0)  # no topic: no scan, nothing to retry
    assert publish_pending_alerts(aws) == (1, 0)


def test_api_key_is_required_when_configured(aws, monkeypatch):
    monkeypatch.setenv("FLEETLAKE_API_KEY", "s3cret")
    batch = [delivery("d1", 5, "pending", T0)]
    assert ingest(batch)[0] == 401
    assert ingest(batch, headers={"X-Api-Key": "wrong"})[0] == 403
    assert get_delivery("5")[0] == 401
    assert s3_records(aws) == []
    assert scan(aws, aws.names.deliveries_table) == []
    assert ingest(batch, headers={"X-Api-Key": "s3cret"})[0] == 200


def test_api_key_variable_name_is_configurable(aws, monkeypatch):
    monkeypatch.setenv("FLEETLAKE_API_KEY_ENV", "MY_KEY")
    monkeypatch.setenv("MY_KEY", "k")
    assert ingest([], headers={"x-api-key": "k"})[0] == 200
    assert ingest([], headers={"x-api-key": "s3cret"})[0] == 403


def test_internal_failure_is_a_500_without_internals_and_is_logged(aws, monkeypatch, caplog):
    monkeypatch.setenv("FLEETLAKE_EVENTS_BUCKET", "no-such-bucket-xyz")
    with caplog.at_level(logging.ERROR, logger="fleetlake.serverless"):
        status, body = ingest([delivery("d1", 5, "pending", T0)])
    assert status == 500
    assert body == {"error": "internal error", "request_id": None}
    assert "NoSuchBucket" in caplog.text
    assert scan(aws, aws.names.deliveries_table) == []


def test_rest_api_v1_events_are_accepted(aws):
    event = {
        "httpMethod": "POST",
        "path": "/events",
        "headers": {"Content-Type": "application/json"},
        "pathParameters": None,
        "body": json.dumps([delivery("v1", 12, "pending", T0)]),
        "isBase64Encoded": False,
    }
    result = handlers.ingest(event, None)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["accepted"] == 1
