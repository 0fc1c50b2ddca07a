"""Current delivery state in DynamoDB ``deliveries_status``.

Writes are conditional on event time (ties broken by event id), so an older or repeated event
never overwrites a newer one whatever order the events arrive in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fleetlake.serverless.dynamo import apply_conditional, from_item, if_newer
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


def apply_updates(clients: Clients, updates: list[DeliveryUpdate]) -> int:
    """Store each delivery's newest update of the batch unless the table holds a newer (or the
    same) event; returns how many states changed."""
    table = clients.names.deliveries_table
    writes = [
        if_newer(
            table,
            "delivery_id",
            u.delivery_id,
            {
                "delivery_status": u.status,
                "event_us": epoch_us(u.time),
                "event_id": u.event_id,
                "event_time": format_time(u.time),
                "recipient_signature": u.signature,
                "completed": u.status in COMPLETED_STATUSES,
            },
        )
        for u in latest_per_delivery(updates)
    ]
    return sum(apply_conditional(clients.dynamodb, writes))


def get_delivery(clients: Clients, delivery_id: int) -> dict[str, Any] | None:
    """The stored state of one delivery, or None if no event for it was ever ingested."""
    item = clients.dynamodb.get_item(
        TableName=clients.names.deliveries_table,
        Key={"delivery_id": {"N": str(delivery_id)}},
        ConsistentRead=True,
    ).get("Item")
    if item is None:
        return None
    values = from_item(item)
    return {
        "delivery_id": int(values["delivery_id"]),
        "status": values["delivery_status"],
        "completed": bool(values["completed"]),
        "event_time": values["event_time"],
        "event_id": values["event_id"],
        "recipient_signature": values.get("recipient_signature"),
    }
