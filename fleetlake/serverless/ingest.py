"""Ingest a batch of fleet events: validate each, store the valid ones, report the rest.

Order of effects: raw events to S3 first (the durable log compaction reads), then delivery
state and vehicle tracking in DynamoDB. Every effect is idempotent, so a client that retries
a batch after an error or a timeout causes no double counting.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fleetlake.serverless.deliveries import apply_update, latest_per_delivery
from fleetlake.serverless.models import DeliveryUpdate, EventError, GpsPing, parse_event
from fleetlake.serverless.raw_events import write_raw
from fleetlake.serverless.routes import Route, get_route
from fleetlake.serverless.tracking import track_vehicle

if TYPE_CHECKING:
    from fleetlake.serverless.resources import Clients


@dataclass
class IngestResult:
    accepted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    deliveries_updated: int = 0
    alerts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> int:
        """200 if anything was accepted (or the batch was empty); else the rejections' status."""
        if self.accepted or not self.rejected:
            return 200
        statuses = {r["status"] for r in self.rejected}
        return statuses.pop() if len(statuses) == 1 else 400

    def to_body(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": [{k: v for k, v in r.items() if k != "status"} for r in self.rejected],
            "deliveries_updated": self.deliveries_updated,
            "alerts": len(self.alerts),
            "alert_details": self.alerts,  # what replay saves and the report maps
        }


def _reject(result: IngestResult, index: int, raw: Any, error: EventError) -> None:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    result.rejected.append(
        {
            "index": index,
            "event_id": event_id if isinstance(event_id, str) else None,
            "field": error.field,
            "error": error.message,
            "status": error.status,
        }
    )


def ingest_batch(
    clients: Clients, raw_events: list[Any], now: datetime | None = None
) -> IngestResult:
    """Validate and store one batch (already decoded JSON); see the module docstring."""
    now = now or datetime.now(UTC)
    result = IngestResult()
    valid: list[GpsPing | DeliveryUpdate] = []
    routes: dict[int, Route | None] = {}
    for index, raw in enumerate(raw_events):
        try:
            event = parse_event(raw, now)
            if isinstance(event, GpsPing):
                if event.route_id not in routes:
                    routes[event.route_id] = get_route(clients, event.route_id)
                if routes[event.route_id] is None:
                    raise EventError("route", f"unknown route {event.route_id}", status=404)
        except EventError as e:
            _reject(result, index, raw, e)
            continue
        valid.append(event)
    result.accepted = len(valid)
    unique = list({e.event_id: e for e in reversed(valid)}.values())  # first occurrence wins
    if not unique:
        return result
    write_raw(clients, unique)
    updates = [e for e in unique if isinstance(e, DeliveryUpdate)]
    result.deliveries_updated = sum(apply_update(clients, u) for u in latest_per_delivery(updates))
    by_vehicle: dict[int, list[GpsPing]] = defaultdict(list)
    for e in unique:
        if isinstance(e, GpsPing):
            by_vehicle[e.vehicle_id].append(e)
    known = {k: v for k, v in routes.items() if v is not None}
    for pings in by_vehicle.values():
        result.alerts.extend(track_vehicle(clients, known, pings).alerts)
    return result
