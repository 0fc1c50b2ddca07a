"""Plain dicts <-> DynamoDB attribute values, numbers as Decimal (boto3 refuses floats)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _decimalize(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _decimalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_decimalize(v) for v in value]
    return value


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """A dict of Python values as a DynamoDB item; floats become Decimal via their shortest repr."""
    return {k: _serializer.serialize(_decimalize(v)) for k, v in values.items()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python values (numbers stay Decimal)."""
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def get_item(dynamodb: Any, table: str, key_name: str, key_value: int) -> dict[str, Any] | None:
    """The item with this numeric key as plain values (read consistently), or None."""
    item = dynamodb.get_item(
        TableName=table, Key={key_name: {"N": str(key_value)}}, ConsistentRead=True
    ).get("Item")
    return from_item(item) if item else None


def is_conditional_failure(error: Exception) -> bool:
    """True for the ClientError DynamoDB raises when a ConditionExpression does not hold."""
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def update_if_newer(
    dynamodb: Any, table: str, key_name: str, key_value: int, attributes: dict[str, Any]
) -> tuple[bool, dict[str, Any]]:
    """SET ``attributes`` on one item unless it already holds a newer or the same event.

    ``attributes`` must contain ``event_us`` (event time, epoch microseconds) and ``event_id``;
    "newer" compares (event_us, event_id), so ties between distinct events resolve the same way
    whatever order they arrive in, and a repeated event is a no-op. Returns (written, previous
    attributes as plain values).
    """
    condition = (
        f"attribute_not_exists({key_name}) OR event_us < :event_us "
        "OR (event_us = :event_us AND event_id < :event_id)"
    )
    try:
        old = dynamodb.update_item(
            TableName=table,
            Key={key_name: {"N": str(key_value)}},
            # Names go through placeholders: several ("time", "status") are reserved words.
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in attributes),
            ConditionExpression=condition,
            ExpressionAttributeNames={f"#{k}": k for k in attributes},
            ExpressionAttributeValues=to_item({f":{k}": v for k, v in attributes.items()}),
            ReturnValues="ALL_OLD",
        ).get("Attributes")
    except Exception as e:
        if is_conditional_failure(e):
            return False, {}
        raise
    return True, from_item(old) if old else {}
