"""Vehicle tracking: ETA to the trip's destination and route-deviation alerts.

Each GPS ping is compared with its route's path (distance to the nearest segment). A deviation
*episode* starts at the first ping of a trip beyond the threshold after one within it (or after
the vehicle's stored state); only an episode start raises an alert, so an ongoing deviation
alerts once. The alert id is derived from the ping that started the episode and written with a
condition, so a retried or duplicated ping never alerts twice. Pings older than the vehicle's
stored state update nothing and raise nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fleetlake.serverless.dynamo import (
    ConditionalUpdate,
    apply_conditional,
    batch_get,
    from_item,
    is_conditional_failure,
    to_item,
)
from fleetlake.serverless.geometry import distance_to_path_km, haversine_km
from fleetlake.serverless.models import GpsPing, epoch_us, format_time

if TYPE_CHECKING:
    from fleetlake.serverless.resources import Clients
    from fleetlake.serverless.routes import Route

log = logging.getLogger(__name__)

# Below this a vehicle is stopped (traffic, a delivery): use the route's average speed instead.
MIN_MOVING_KMH = 5.0
ARRIVED_KM = 0.5


@dataclass(frozen=True)
class Estimate:
    """Where a vehicle is relative to its route, and when it should arrive."""

    vehicle_id: int
    trip_id: int
    route_id: int
    lat: float
    lon: float
    time: str
    distance_to_destination_km: float
    speed_kmh: float
    speed_source: str  # "gps" or "route_average"
    eta: str
    off_route_km: float
    deviating: bool


def estimate(ping: GpsPing, route: Route, threshold_km: float) -> Estimate:
    """ETA by haversine distance to the destination over the current (or typical) speed."""
    position = (ping.lat, ping.lon)
    distance = haversine_km(position, route.destination)
    if ping.speed_kmh >= MIN_MOVING_KMH:
        speed, source = ping.speed_kmh, "gps"
    else:
        speed, source = route.average_speed_kmh, "route_average"
    hours = 0.0 if distance <= ARRIVED_KM else distance / speed
    off_route = distance_to_path_km(position, route.path)
    return Estimate(
        vehicle_id=ping.vehicle_id,
        trip_id=ping.trip_id,
        route_id=ping.route_id,
        lat=ping.lat,
        lon=ping.lon,
        time=format_time(ping.time),
        distance_to_destination_km=round(distance, 3),
        speed_kmh=round(speed, 2),
        speed_source=source,
        eta=format_time(ping.time + timedelta(hours=hours)),
        off_route_km=round(off_route, 3),
        deviating=off_route > threshold_km,
    )


@dataclass
class TrackResult:
    recorded: bool  # False when the stored state was already newer
    estimate: Estimate
    alerts: list[dict[str, Any]]


@dataclass
class _Plan:
    """One vehicle's pings of a batch, time-ordered, with their estimates."""

    pings: list[GpsPing]
    estimates: list[Estimate]

    @property
    def last_key(self) -> tuple[int, str]:
        return epoch_us(self.pings[-1].time), self.pings[-1].event_id


def _write(table: str, plan: _Plan, previous: dict[str, Any] | None) -> ConditionalUpdate:
    """The tracking update, conditional on the item still being what was read (optimistic
    concurrency), so the alert decision below is made against the state it replaces."""
    last = plan.estimates[-1]
    attributes = {k: v for k, v in asdict(last).items() if k != "vehicle_id"}
    attributes |= dict(zip(("event_us", "event_id"), plan.last_key, strict=True))
    if previous is None:
        return ConditionalUpdate(
            table, "vehicle_id", last.vehicle_id, attributes, "attribute_not_exists(vehicle_id)"
        )
    return ConditionalUpdate(
        table,
        "vehicle_id",
        last.vehicle_id,
        attributes,
        "event_us = :read_us AND event_id = :read_id",
        {":read_us": previous["event_us"], ":read_id": previous["event_id"]},
    )


def _episode_starts(plan: _Plan, previous: dict[str, Any] | None) -> list[int]:
    """Indexes of the pings that start a deviation episode."""
    starts = []
    was_deviating = bool(previous and previous.get("deviating"))
    trip = previous.get("trip_id") if previous else None
    for i, (ping, est) in enumerate(zip(plan.pings, plan.estimates, strict=True)):
        if ping.trip_id != trip:
            was_deviating, trip = False, ping.trip_id
        if est.deviating and not was_deviating:
            starts.append(i)
        was_deviating = est.deviating
    return starts


def track_vehicles(
    clients: Clients, routes: dict[int, Route], pings: list[GpsPing]
) -> list[TrackResult]:
    """Record each vehicle's newest ping of a batch (ETA, distance off route) and raise alerts
    for the deviation episodes the batch starts. Two DynamoDB calls in the common case."""
    threshold = clients.names.deviation_threshold_km
    table = clients.names.tracking_table
    plans: dict[int, _Plan] = {}
    for ping in sorted(pings, key=lambda p: (p.time, p.event_id)):
        plan = plans.setdefault(ping.vehicle_id, _Plan([], []))
        plan.pings.append(ping)
        plan.estimates.append(estimate(ping, routes[ping.route_id], threshold))
    results: list[TrackResult] = []
    pending = sorted(plans)
    for _ in range(10):  # re-read and retry vehicles a concurrent batch updated meanwhile
        if not pending:
            break
        stored = batch_get(clients.dynamodb, table, "vehicle_id", pending)
        writes: list[tuple[int, ConditionalUpdate]] = []
        for vehicle in pending:
            plan, previous = plans[vehicle], stored.get(vehicle)
            if previous and (int(previous["event_us"]), previous["event_id"]) >= plan.last_key:
                results.append(TrackResult(False, plan.estimates[-1], []))  # stale
            else:
                writes.append((vehicle, _write(table, plan, previous)))
        done = apply_conditional(clients.dynamodb, [w for _, w in writes])
        pending = []
        for (vehicle, _), written in zip(writes, done, strict=True):
            if not written:
                pending.append(vehicle)
                continue
            plan, previous = plans[vehicle], stored.get(vehicle)
            alerts = [
                alert
                for i in _episode_starts(plan, previous)
                if (alert := raise_alert(clients, plan.pings[i], plan.estimates[i]))
            ]
            results.append(TrackResult(True, plan.estimates[-1], alerts))
    if pending:
        raise RuntimeError(f"vehicles {pending} kept changing concurrently; batch not recorded")
    return results


def raise_alert(clients: Clients, ping: GpsPing, est: Estimate) -> dict[str, Any] | None:
    """Record the alert in ``alerts_history`` and publish it on SNS, once per episode start."""
    alert = {
        "alert_id": f"deviation:{ping.vehicle_id}:{ping.trip_id}:{ping.event_id}",
        "kind": "route_deviation",
        "vehicle_id": ping.vehicle_id,
        "trip_id": ping.trip_id,
        "route_id": ping.route_id,
        "lat": ping.lat,
        "lon": ping.lon,
        "off_route_km": est.off_route_km,
        "threshold_km": clients.names.deviation_threshold_km,
        "time": est.time,
        "raised_at": format_time(datetime.now().astimezone()),
    }
    try:
        clients.dynamodb.put_item(
            TableName=clients.names.alerts_table,
            Item=to_item(alert),
            ConditionExpression="attribute_not_exists(alert_id)",
        )
    except Exception as e:
        if is_conditional_failure(e):
            return None
        raise
    if clients.names.topic_arn:
        clients.sns.publish(
            TopicArn=clients.names.topic_arn,
            Subject=f"Vehicle {ping.vehicle_id} off route {ping.route_id}",
            Message=json.dumps(alert),
        )
    log.info("route deviation alert %s (%.1f km)", alert["alert_id"], est.off_route_km)
    return alert


def get_tracking(clients: Clients, vehicle_id: int) -> dict[str, Any] | None:
    """The stored tracking state of a vehicle, or None when it never reported."""
    item = clients.dynamodb.get_item(
        TableName=clients.names.tracking_table,
        Key={"vehicle_id": {"N": str(vehicle_id)}},
        ConsistentRead=True,
    ).get("Item")
    return from_item(item) if item else None
