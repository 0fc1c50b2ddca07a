"""Plain dicts <-> DynamoDB attribute values, numbers as Decimal (boto3 refuses floats)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
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


def is_conditional_failure(error: Exception) -> bool:
    """True for the ClientError DynamoDB raises when a ConditionExpression does not hold."""
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


# Newer wins: (event_us, event_id) compared lexicographically, so ties between distinct events
# resolve the same way whatever order they arrive in, and a repeated event is a no-op.
NEWER = "event_us < :event_us OR (event_us = :event_us AND event_id < :event_id)"
TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems


@dataclass(frozen=True)
class ConditionalUpdate:
    """SET ``attributes`` on the item ``key_name = key_value`` if ``condition`` holds.

    ``condition`` may use ``:<attribute>`` placeholders of ``attributes`` and those of
    ``condition_values``.
    """

    table: str
    key_name: str
    key_value: int
    attributes: dict[str, Any]
    condition: str
    condition_values: dict[str, Any] = field(default_factory=dict)

    def request(self) -> dict[str, Any]:
        values = {f":{k}": v for k, v in self.attributes.items()} | self.condition_values
        return {
            "TableName": self.table,
            "Key": {self.key_name: {"N": str(self.key_value)}},
            # Names go through placeholders: several ("time", "status") are reserved words.
            "UpdateExpression": "SET " + ", ".join(f"#{k} = :{k}" for k in self.attributes),
            "ConditionExpression": self.condition,
            "ExpressionAttributeNames": {f"#{k}": k for k in self.attributes},
            "ExpressionAttributeValues": to_item(values),
        }


def if_newer(table: str, key_name: str, key_value: int, attributes: dict) -> ConditionalUpdate:
    """An update that applies only when the item holds no newer (or the same) event.

    ``attributes`` must contain ``event_us`` (event time, epoch microseconds) and ``event_id``.
    """
    condition = f"attribute_not_exists({key_name}) OR {NEWER}"
    return ConditionalUpdate(table, key_name, key_value, attributes, condition)


def apply_conditional(dynamodb: Any, updates: list[ConditionalUpdate]) -> list[bool]:
    """Apply updates in as few transactions as possible; True where the condition held.

    One TransactWriteItems call per 100 updates in the common case. A cancelled transaction says
    which conditions failed; those are settled as False and the rest is retried (also after a
    conflict with a concurrent transaction). Keys must be distinct.
    """
    outcome: dict[int, bool] = {}
    pending = list(range(len(updates)))
    for attempt in range(10):
        if not pending:
            break
        retry: list[int] = []
        for start in range(0, len(pending), TRANSACTION_ITEMS):
            chunk = pending[start : start + TRANSACTION_ITEMS]
            try:
                dynamodb.transact_write_items(
                    TransactItems=[{"Update": updates[i].request()} for i in chunk]
                )
            except Exception as e:
                reasons = _cancellation_reasons(e)
                if reasons is None or len(reasons) != len(chunk):
                    raise
                for i, reason in zip(chunk, reasons, strict=True):
                    if reason.get("Code") == "ConditionalCheckFailed":
                        outcome[i] = False
                    else:
                        retry.append(i)
                continue
            outcome.update(dict.fromkeys(chunk, True))
        pending = retry
        if pending:
            time.sleep(0.01 * 2**attempt)
    if pending:
        raise RuntimeError(f"{len(pending)} DynamoDB updates still conflicting after retries")
    return [outcome[i] for i in range(len(updates))]


def _cancellation_reasons(error: Exception) -> list[dict[str, Any]] | None:
    response = getattr(error, "response", None) or {}
    if response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    return response.get("CancellationReasons")


def batch_get(dynamodb: Any, table: str, key_name: str, ids: list[int]) -> dict[int, dict]:
    """Items by numeric key (consistent reads, up to 100 keys per call), as plain values."""
    found: dict[int, dict] = {}
    for start in range(0, len(ids), 100):
        keys = [{key_name: {"N": str(i)}} for i in ids[start : start + 100]]
        request = {table: {"Keys": keys, "ConsistentRead": True}}
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(table, []):
                values = from_item(item)
                found[int(values[key_name])] = values
            request = answer.get("UnprocessedKeys") or {}
    return found
