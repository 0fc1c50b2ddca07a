"""The local gateway over HTTP, and replay of a hand-built lake through it."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlparse

import pytest

from fleetlake.serverless.gateway import Gateway
from fleetlake.serverless.replay import (
    StreamOptions,
    build_stream,
    final_delivery_states,
    post_stream,
)
from fleetlake.serverless.routes import routes_from_table
from tests.serverless.conftest import s3_records, scan
from tests.serverless.lake_tables import (
    EXPECTED_STATES,
    LAKE_END,
    deliveries_table,
    routes_table,
    trips_table,
)

pytestmark = pytest.mark.s3  # moto's server on 127.0.0.1 (S3, DynamoDB, SNS)


@pytest.fixture
def gateway(aws):
    gw = Gateway().start()
    yield gw
    gw.stop()


def request(url: str, method: str, path: str, body: bytes | None = None, headers=None):
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    connection.request(method, path, body, headers or {})
    reply = connection.getresponse()
    data = reply.read()
    connection.close()
    return reply.status, json.loads(data)


def test_gateway_routes_requests_to_the_handlers(gateway):
    event = {
        "event_id": "e1",
        "type": "delivery",
        "delivery": 5,
        "status": "delivered",
        "time": "2025-03-10T08:00:00-05:00",
        "signature": True,
    }
    status, body = request(gateway.url, "POST", "/events", json.dumps([event]).encode())
    assert (status, body["accepted"]) == (200, 1)
    status, body = request(gateway.url, "GET", "/deliveries/5")
    assert (status, body["status"], body["completed"]) == (200, "delivered", True)
    assert request(gateway.url, "GET", "/deliveries/6")[0] == 404
    assert request(gateway.url, "GET", "/nowhere")[0] == 404
    assert request(gateway.url, "DELETE", "/events")[0] == 405
    assert request(gateway.url, "POST", "/events", b"x" * 1_100_000)[0] == 413


@pytest.mark.parametrize("length", ["abc", "-5", "1e3"])
def test_gateway_refuses_a_malformed_content_length_in_one_line(gateway, length):
    """A 400 naming the header, not a dropped connection with a traceback (or, for a negative
    length, a read that waits for the client to hang up)."""
    parsed = urlparse(gateway.url)
    with socket.create_connection((parsed.hostname, parsed.port), timeout=10) as connection:
        connection.sendall(f"POST /events HTTP/1.1\r\nContent-Length: {length}\r\n\r\n".encode())
        reply = connection.makefile("rb").read()
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert json.loads(body) == {
        "error": f"body: Content-Length must be a byte count, got {length!r}",
        "field": "body",
    }


def test_gateway_enforces_the_api_key(gateway, aws, monkeypatch):
    monkeypatch.setenv("FLEETLAKE_API_KEY", "k3y")
    event = {
        "event_id": "e1",
        "type": "delivery",
        "delivery": 5,
        "status": "pending",
        "time": "2025-03-10T08:00:00-05:00",
    }
    body = json.dumps([event]).encode()
    assert request(gateway.url, "POST", "/events", body)[0] == 401
    assert request(gateway.url, "POST", "/events", body, {"x-api-key": "nope"})[0] == 403
    assert request(gateway.url, "GET", "/deliveries/5", None, {"x-api-key": "nope"})[0] == 403
    assert s3_records(aws) == []
    assert request(gateway.url, "POST", "/events", body, {"x-api-key": "k3y"})[0] == 200


def stream(**options):
    options.setdefault("ping_minutes", 10.0)
    routes = routes_from_table(routes_table())
    return build_stream(
        trips_table(), deliveries_table(), routes, LAKE_END, StreamOptions(**options)
    )


def test_stream_is_deterministic_and_realistic():
    events = stream()
    assert events == stream()
    pings = [e for e in events if e["type"] == "gps"]
    # No pings for the cancelled trip 3; trip 2 lasts 2h40 -> pings every 10 min, 17 of them.
    assert {e["trip"] for e in pings} == {1, 2, 4}
    assert sum(e["trip"] == 2 for e in pings) == 17
    assert final_delivery_states(events) == EXPECTED_STATES
    # The in-progress trip 4 (departed 20:00 on the last day) is cut at the lake's end.
    assert max(e["time"] for e in pings if e["trip"] == 4) == "2025-03-12T00:00:00-05:00"


def test_final_delivery_states_compare_instants_not_text():
    """08:00 in Bogotá is after 12:30 UTC's 07:30 there, though "12:30" sorts after "08:00"."""

    def update(event_id, status, time):
        return {
            "event_id": event_id,
            "type": "delivery",
            "delivery": 7,
            "status": status,
            "time": time,
        }

    events = [
        update("a", "delivered", "2025-03-10T08:00:00-05:00"),
        update("b", "failed", "2025-03-10T12:30:00+00:00"),
        update("c", "in_transit", "2025-03-10T08:00:00-05:00"),  # same instant: the larger id wins
    ]
    assert final_delivery_states(events) == {7: "in_transit"}
    assert final_delivery_states(events[:2]) == {7: "delivered"}


def test_stream_injects_duplicates_late_events_and_deviations():
    events = stream(duplicate_share=0.2, late_share=0.2, deviation_share=1.0)
    ids = [e["event_id"] for e in events]
    assert len(ids) > len(set(ids))  # duplicates
    times = [e["time"] for e in events]
    assert times != sorted(times)  # out of order
    from fleetlake.serverless.geometry import distance_to_path_km

    routes = {r.route_id: r for r in routes_from_table(routes_table())}
    off = {
        e["trip"]
        for e in events
        if e["type"] == "gps"
        and distance_to_path_km((e["lat"], e["lon"]), routes[e["route"]].path) > 20
    }
    assert off == {1, 2, 4}


def test_replay_in_order_raises_one_alert_per_deviating_trip(gateway, aws):
    from fleetlake.serverless.routes import put_routes

    put_routes(aws, routes_from_table(routes_table()))
    events = stream(duplicate_share=0.0, late_share=0.0, deviation_share=1.0)
    report = post_stream(gateway.url, events, batch_size=10, concurrency=4)
    assert (report.accepted, report.rejected, report.failed) == (len(events), 0, 0)
    alerts = scan(aws, aws.names.alerts_table)
    assert sorted(int(a["trip_id"]) for a in alerts) == [1, 2, 4]
    # The replay keeps the alerts the gateway answered with: the same as alerts_history.
    report.route_cities = {1: ("Bogotá", "Medellín"), 2: ("Barranquilla", "Cartagena")}
    saved = {a["alert_id"]: a for a in report.to_dict()["alerts"]}
    assert sorted(saved) == sorted(a["alert_id"] for a in alerts)
    for stored in alerts:
        record = saved[stored["alert_id"]]
        assert record["trip_id"] == stored["trip_id"] and record["time"] == stored["time"]
        assert record["off_route_km"] == pytest.approx(float(stored["off_route_km"]))
        route_id = int(stored["route_id"])
        assert (record["origin_city"], record["destination_city"]) == (
            report.route_cities[route_id]
        )


def test_concurrent_replay_loses_nothing(gateway, aws):
    from fleetlake.serverless.routes import put_routes

    put_routes(aws, routes_from_table(routes_table()))
    events = stream(duplicate_share=0.1, late_share=0.1, ping_minutes=2.0)
    report = post_stream(gateway.url, events, batch_size=25, concurrency=8)
    assert (report.sent, report.accepted, report.failed) == (len(events), len(events), 0)
    assert report.batches == len(report.latencies_ms)
    stored = [r["event_id"] for r in s3_records(aws)]
    assert set(stored) == {e["event_id"] for e in events}
    states = {
        int(d["delivery_id"]): d["delivery_status"] for d in scan(aws, aws.names.deliveries_table)
    }
    assert states == EXPECTED_STATES
    signed = {
        int(d["delivery_id"])
        for d in scan(aws, aws.names.deliveries_table)
        if d["recipient_signature"]
    }
    assert signed == {101, 201, 202}


def test_unreachable_gateway_counts_failed_events():
    report = post_stream("http://127.0.0.1:9", stream()[:30], batch_size=10, retries=1)
    assert (report.accepted, report.failed) == (0, 30)


def test_rate_limit_spaces_batches(gateway, aws):
    events = [e for e in stream() if e["type"] == "delivery"][:10]
    report = post_stream(gateway.url, events, batch_size=2, concurrency=2, rate=20.0)
    assert report.accepted == 10
    assert report.seconds >= 0.4  # 5 batches of 2 at 20 events/s: the last leaves at 0.4 s
    assert isinstance(report.to_dict()["latency_ms"]["p50"], float)


def test_sixteen_clients_lose_nothing(gateway, aws):
    """The load test's guarantees at test size: ~3,400 events from 16 clients (20 vehicles)."""
    from fleetlake.serverless.routes import put_routes
    from tests.serverless.lake_tables import fleet_tables

    routes = routes_from_table(routes_table())
    put_routes(aws, routes)
    trips, deliveries = fleet_tables(20)
    events = build_stream(trips, deliveries, routes, LAKE_END, StreamOptions(ping_minutes=1.0))
    assert 3000 < len(events) < 4000
    report = post_stream(gateway.url, events, batch_size=100, concurrency=16)
    assert (report.accepted, report.rejected, report.failed) == (len(events), 0, 0)
    assert {r["event_id"] for r in s3_records(aws)} == {e["event_id"] for e in events}
    states = {
        int(d["delivery_id"]): d["delivery_status"] for d in scan(aws, aws.names.deliveries_table)
    }
    assert states == final_delivery_states(events)
    assert len(states) == 80
    assert len(scan(aws, aws.names.tracking_table)) == 20


def test_replay_sends_the_api_key(gateway, aws, monkeypatch):
    monkeypatch.setenv("FLEETLAKE_API_KEY", "k3y")
    events = [e for e in stream() if e["type"] == "delivery"][:6]
    refused = post_stream(gateway.url, events, batch_size=3, concurrency=1)
    assert (refused.accepted, refused.rejected, refused.rejections) == (0, 6, {"http 401": 6})
    assert s3_records(aws) == []
    allowed = post_stream(gateway.url, events, batch_size=3, concurrency=1, api_key="k3y")
    assert (allowed.accepted, allowed.rejected) == (6, 0)
