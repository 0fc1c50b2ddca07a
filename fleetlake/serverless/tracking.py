"""Vehicle tracking: ETA to the trip's destination and route-deviation alerts.

Each GPS ping is compared with its route's path (distance to the nearest segment). A deviation
*episode* starts at the first ping beyond the threshold after one within it (or after the
vehicle's stored state); only an episode start raises an alert, so an ongoing deviation alerts
once. The alert id is derived from the ping that started the episode and written with a
condition, so a retried or duplicated ping never alerts twice. Pings older than the vehicle's
stored state update nothing and raise nothing.

The alert row is written first, as pending, with the exact SNS message; it is marked published only
after SNS accepted it. A failed publish leaves it pending (the ingest still succeeds: the alert is
recorded), and ``publish_pending_alerts`` (run by ``fleetlake compact``) sends it later: delivery
is at least once, subscribers deduplicate by ``alert_id``. With no topic configured there is
nothing to publish: the row is written as published and nothing is ever pending.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fleetlake.serverless.dynamo import (
    from_item,
    get_item,
    is_conditional_failure,
    to_item,
    update_if_newer,
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


def track_vehicle(clients: Clients, routes: dict[int, Route], pings: list[GpsPing]) -> TrackResult:
    """Record one vehicle's newest ping of a batch and raise alerts for deviation episodes."""
    threshold = clients.names.deviation_threshold_km
    pings = sorted(pings, key=lambda p: (p.time, p.event_id))
    estimates = [estimate(p, routes[p.route_id], threshold) for p in pings]
    last, last_ping = estimates[-1], pings[-1]
    attributes = {k: v for k, v in asdict(last).items() if k != "vehicle_id"}
    attributes |= {"event_us": epoch_us(last_ping.time), "event_id": last_ping.event_id}
    written, previous = update_if_newer(
        clients.dynamodb, clients.names.tracking_table, "vehicle_id", last.vehicle_id, attributes
    )
    if not written:
        return TrackResult(False, last, [])
    was_deviating = bool(previous.get("deviating")) and previous.get("trip_id") == pings[0].trip_id
    alerts = []
    for i, (ping, est) in enumerate(zip(pings, estimates, strict=True)):
        if i > 0 and pings[i - 1].trip_id == ping.trip_id:
            was_deviating = estimates[i - 1].deviating
        elif i > 0:
            was_deviating = False
        if est.deviating and not was_deviating:
            alert = raise_alert(clients, ping, est)
            if alert:
                alerts.append(alert)
    return TrackResult(True, last, alerts)


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
    pending = {
        "subject": f"Vehicle {ping.vehicle_id} off route {ping.route_id}",
        "message": json.dumps(alert),
        "published": not clients.names.topic_arn,
    }
    try:
        clients.dynamodb.put_item(
            TableName=clients.names.alerts_table,
            Item=to_item(alert | pending),
            ConditionExpression="attribute_not_exists(alert_id)",
        )
    except Exception as e:
        if is_conditional_failure(e):
            return None
        raise
    if not pending["published"]:
        publish_alert(clients, alert["alert_id"], pending["subject"], pending["message"])
    log.info("route deviation alert %s (%.1f km)", alert["alert_id"], est.off_route_km)
    return alert


def publish_alert(clients: Clients, alert_id: str, subject: str, message: str) -> bool:
    """Publish a recorded alert on SNS, then mark its row published; False if SNS refused it,
    leaving the row pending."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        clients.sns.publish(TopicArn=clients.names.topic_arn, Subject=subject, Message=message)
    except (BotoCoreError, ClientError) as e:
        log.warning("alert %s not published on SNS, left pending: %s", alert_id, e)
        return False
    clients.dynamodb.update_item(
        TableName=clients.names.alerts_table,
        Key={"alert_id": {"S": alert_id}},
        UpdateExpression="SET published = :yes",
        ExpressionAttributeValues={":yes": {"BOOL": True}},
    )
    return True


def publish_pending_alerts(clients: Clients) -> tuple[int, int]:
    """Retry every alert whose SNS publish failed; returns (published now, still pending).

    A filtered scan of ``alerts_history``: alerts are rare, and this runs with compaction, not
    per event. Without a topic nothing is pending (alerts are stored as published): no scan.
    """
    if not clients.names.topic_arn:
        return 0, 0
    paginator = clients.dynamodb.get_paginator("scan")
    published = failed = 0
    for page in paginator.paginate(
        TableName=clients.names.alerts_table,
        FilterExpression="published = :no",
        ExpressionAttributeValues={":no": {"BOOL": False}},
        ConsistentRead=True,
    ):
        for item in page.get("Items", []):
            alert = from_item(item)
            if publish_alert(clients, alert["alert_id"], alert["subject"], alert["message"]):
                published += 1
            else:
                failed += 1
    return published, failed


def get_tracking(clients: Clients, vehicle_id: int) -> dict[str, Any] | None:
    """The stored tracking state of a vehicle, or None when it never reported."""
    return get_item(clients.dynamodb, clients.names.tracking_table, "vehicle_id", vehicle_id)
