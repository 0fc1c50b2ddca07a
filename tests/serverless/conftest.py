"""Fixtures of the serverless tests: fresh AWS resources on moto per test, hand-built routes."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from fleetlake.serverless.gateway import build_event
from fleetlake.serverless.resources import Clients, ResourceNames, bootstrap
from fleetlake.serverless.routes import Route, put_routes

BOGOTA = (4.711, -74.0721)
HONDA = (5.2089, -74.7359)
MEDELLIN = (6.2442, -75.5812)
BARRANQUILLA = (10.9639, -74.7964)
CARTAGENA = (10.391, -75.4794)

ROUTES = [
    Route(1, "R001", (BOGOTA, HONDA, MEDELLIN), 440.0, 9.0),
    Route(2, "R002", (BARRANQUILLA, CARTAGENA), 120.0, 2.5),
]


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Clients:
    """Bucket, tables and topic with unique names on moto; handlers find them via env vars."""
    tag = uuid.uuid4().hex[:8]
    names = bootstrap(
        ResourceNames(
            bucket=f"events-{tag}",
            deliveries_table=f"deliveries_status_{tag}",
            tracking_table=f"vehicle_tracking_{tag}",
            alerts_table=f"alerts_history_{tag}",
            routes_table=f"routes_waypoints_{tag}",
            deviation_threshold_km=5.0,
            endpoint_url=moto_endpoint,
        )
    )
    for key, value in names.to_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FLEETLAKE_API_KEY", raising=False)
    monkeypatch.delenv("FLEETLAKE_API_KEY_ENV", raising=False)
    clients = Clients(names)
    put_routes(clients, ROUTES)
    return clients


def gps(event_id: str, lat: float, lon: float, time: str, **fields: Any) -> dict[str, Any]:
    """A GPS ping event (vehicle 7 on trip 70 of route 1 unless overridden)."""
    event = {"vehicle": 7, "trip": 70, "route": 1, "speed": 60.0}
    event |= {"event_id": event_id, "type": "gps", "lat": lat, "lon": lon, "time": time}
    return event | fields


def delivery(event_id: str, delivery_id: int, status: str, time: str, **fields: Any) -> dict:
    event = {"event_id": event_id, "type": "delivery", "delivery": delivery_id}
    return event | {"status": status, "time": time, "signature": None} | fields


def call(
    handler: Any,
    method: str,
    path: str,
    template: str,
    body: Any = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """Invoke a handler with an HTTP API proxy event; returns (status, decoded body)."""
    raw = body if isinstance(body, str) else ("" if body is None else json.dumps(body))
    event = build_event(method, path, template, params or {}, headers or {}, raw.encode())
    result = handler(event, None)
    return result["statusCode"], json.loads(result["body"])


def s3_records(clients: Clients) -> list[dict[str, Any]]:
    """Every raw record in the events bucket."""
    from fleetlake.serverless.raw_events import list_raw_keys, read_raw_body

    lines = (read_raw_body(clients, key).decode().splitlines() for key in list_raw_keys(clients))
    return [json.loads(line) for body in lines for line in body if line.strip()]


def scan(clients: Clients, table: str) -> list[dict[str, Any]]:
    from fleetlake.serverless.dynamo import from_item

    items = clients.dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    return [from_item(i) for i in items]
