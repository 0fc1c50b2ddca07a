"""Current delivery state in DynamoDB ``deliveries_status``.

Writes are conditional on event time (ties broken by event id), so an older or repeated event
never overwrites a newer one whatever order the events arrive in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fleetlake.serverless.dynamo import get_item, update_if_newer
from fleetlake.serverless.models import DeliveryUpdate, epoch_us, format_time

if TYPE_CHECKING:
    from fleetlake.serverless.resources import Clients

COMPLETED_STATUSES = ("delivered",)


def latest_per_delivery(updates: list[DeliveryUpdate]) -> list[DeliveryUpdate]:
    """The newest update of each delivery in a batch (the others could never win)."""
    latest: dict[int, DeliveryUpdate] = {}
    for u in updates:
        current = latest.get(u.delivery_id)
        if current is None or (u.time, u.event_id) > (current.time, current.event_id):
            latest[u.delivery_id] = u
    return list(latest.values())


def apply_update(clients: Clients, update: DeliveryUpdate) -> bool:
    """Store the update unless the table already holds a newer (or the same) event.

    Returns True when the state changed.
    """
    attributes = {
        "delivery_status": update.status,
        "event_us": epoch_us(update.time),
        "event_id": update.event_id,
        "event_time": format_time(update.time),
        "recipient_signature": update.signature,
        "completed": update.status in COMPLETED_STATUSES,
    }
    table = clients.names.deliveries_table
    written, _ = update_if_newer(
        clients.dynamodb, table, "delivery_id", update.delivery_id, attributes
    )
    return written


def get_delivery(clients: Clients, delivery_id: int) -> dict[str, Any] | None:
    """The stored state of one delivery, or None if no event for it was ever ingested."""
    values = get_item(clients.dynamodb, clients.names.deliveries_table, "delivery_id", delivery_id)
    if values is None:
        return None
    return {
        "delivery_id": int(values["delivery_id"]),
        "status": values["delivery_status"],
        "completed": bool(values["completed"]),
        "event_time": values["event_time"],
        "event_id": values["event_id"],
        "recipient_signature": values.get("recipient_signature"),
    }
