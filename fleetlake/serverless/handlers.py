"""The Lambda entry points: ``handler(event, context) -> dict`` for API Gateway proxy events.

Deployed by ``infra/template.yaml`` and invoked in-process by the local gateway. Each is a thin
shell: parse the request into a typed model, call library code, return a proxy response.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from fleetlake.serverless.deliveries import get_delivery
from fleetlake.serverless.geometry import distance_to_path_km
from fleetlake.serverless.ingest import ingest_batch
from fleetlake.serverless.models import EventError, epoch_us, parse_batch, parse_event, parse_number
from fleetlake.serverless.proxy import Request, proxy_handler
from fleetlake.serverless.resources import clients
from fleetlake.serverless.routes import Route, get_route
from fleetlake.serverless.tracking import get_tracking, track_vehicle


@proxy_handler
def ingest(request: Request) -> tuple[int, dict[str, Any]]:
    """POST /events: a batch of GPS pings and delivery updates."""
    result = ingest_batch(clients(), parse_batch(request.json()))
    return result.status, result.to_body()


@proxy_handler
def delivery_status(request: Request) -> tuple[int, dict[str, Any]]:
    """GET /deliveries/{id}: the latest known state of a delivery and whether it is complete."""
    delivery_id = request.id_parameter("id")
    state = get_delivery(clients(), delivery_id)
    if state is None:
        raise EventError("id", f"unknown delivery {delivery_id}", status=404)
    return 200, state


def _known_route(route_id: int) -> Route:
    route = get_route(clients(), route_id)
    if route is None:
        raise EventError("route", f"unknown route {route_id}", status=404)
    return route


@proxy_handler
def eta(request: Request) -> tuple[int, dict[str, Any]]:
    """POST /vehicles/{id}/eta: ETA from a reported position, or from the last one stored.

    Body (optional): ``{"trip", "route", "lat", "lon", "speed", "time"}``; a reported position
    is recorded in ``vehicle_tracking`` and checked for route deviation like a GPS ping.
    """
    vehicle_id = request.id_parameter("id")
    body = request.json() if request.body.strip() else {}
    if not isinstance(body, dict):
        raise EventError("body", "must be a JSON object")
    if not body:
        state = get_tracking(clients(), vehicle_id)
        if state is None:
            raise EventError("id", f"no position known for vehicle {vehicle_id}", status=404)
        keys = ("trip_id", "route_id", "distance_to_destination_km", "speed_kmh", "eta", "time")
        return 200, {"vehicle_id": vehicle_id, "recorded": False} | {k: state[k] for k in keys}
    now = datetime.now(UTC)
    position = {"speed": 0.0, "time": now.isoformat()} | body
    ping = parse_event(position | {"event_id": "eta", "type": "gps", "vehicle": vehicle_id}, now)
    ping = replace(ping, event_id=f"eta-{vehicle_id}-{epoch_us(ping.time)}")
    route = _known_route(ping.route_id)
    result = track_vehicle(clients(), {route.route_id: route}, [ping])
    return 200, {"recorded": result.recorded, "alerts": len(result.alerts)} | vars(result.estimate)


@proxy_handler
def route_deviation(request: Request) -> tuple[int, dict[str, Any]]:
    """POST /routes/{id}/deviation: how far ``{"lat", "lon"}`` is from the route's path."""
    route = _known_route(request.id_parameter("id"))
    body = request.json()
    if not isinstance(body, dict):
        raise EventError("body", "must be a JSON object with lat and lon")
    position = (
        parse_number(body.get("lat"), "lat", -90.0, 90.0),
        parse_number(body.get("lon"), "lon", -180.0, 180.0),
    )
    off_route = distance_to_path_km(position, route.path)
    threshold = clients().names.deviation_threshold_km
    return 200, {
        "route_id": route.route_id,
        "off_route_km": round(off_route, 3),
        "threshold_km": threshold,
        "deviating": off_route > threshold,
    }
