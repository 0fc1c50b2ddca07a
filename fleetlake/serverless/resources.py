"""The AWS resources of the serverless path: names from the environment, clients, bootstrap.

Handlers read everything from environment variables (as a deployed Lambda does, see
``infra/template.yaml``); boto3 honours ``AWS_ENDPOINT_URL``, so the same code talks to moto's
local server or to real AWS.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from fleetlake.errors import ServiceError

DEFAULT_BUCKET = "fleetlake-events"
RAW_PREFIX = "raw"
TOPIC_NAME = "fleetlake-alerts"


@dataclass(frozen=True)
class ResourceNames:
    """Where events, state and alerts live. Environment variable in brackets."""

    bucket: str = DEFAULT_BUCKET  # [FLEETLAKE_EVENTS_BUCKET]
    deliveries_table: str = "deliveries_status"  # [FLEETLAKE_DELIVERIES_TABLE]
    tracking_table: str = "vehicle_tracking"  # [FLEETLAKE_TRACKING_TABLE]
    alerts_table: str = "alerts_history"  # [FLEETLAKE_ALERTS_TABLE]
    routes_table: str = "routes_waypoints"  # [FLEETLAKE_ROUTES_TABLE]
    topic_arn: str | None = None  # [FLEETLAKE_ALERTS_TOPIC_ARN]; None: no SNS publish
    deviation_threshold_km: float = 5.0  # [FLEETLAKE_DEVIATION_THRESHOLD_KM]
    endpoint_url: str | None = None  # [AWS_ENDPOINT_URL]

    @classmethod
    def from_env(cls) -> ResourceNames:
        env = os.environ
        return cls(
            bucket=env.get("FLEETLAKE_EVENTS_BUCKET", cls.bucket),
            deliveries_table=env.get("FLEETLAKE_DELIVERIES_TABLE", cls.deliveries_table),
            tracking_table=env.get("FLEETLAKE_TRACKING_TABLE", cls.tracking_table),
            alerts_table=env.get("FLEETLAKE_ALERTS_TABLE", cls.alerts_table),
            routes_table=env.get("FLEETLAKE_ROUTES_TABLE", cls.routes_table),
            topic_arn=env.get("FLEETLAKE_ALERTS_TOPIC_ARN") or None,
            deviation_threshold_km=float(
                env.get("FLEETLAKE_DEVIATION_THRESHOLD_KM", cls.deviation_threshold_km)
            ),
            endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        )

    def to_env(self) -> dict[str, str]:
        """The environment a handler needs to find these resources (inverse of from_env)."""
        env = {
            "FLEETLAKE_EVENTS_BUCKET": self.bucket,
            "FLEETLAKE_DELIVERIES_TABLE": self.deliveries_table,
            "FLEETLAKE_TRACKING_TABLE": self.tracking_table,
            "FLEETLAKE_ALERTS_TABLE": self.alerts_table,
            "FLEETLAKE_ROUTES_TABLE": self.routes_table,
            "FLEETLAKE_DEVIATION_THRESHOLD_KM": repr(self.deviation_threshold_km),
        }
        if self.topic_arn:
            env["FLEETLAKE_ALERTS_TOPIC_ARN"] = self.topic_arn
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        return env


class Clients:
    """boto3 clients (thread-safe, unlike boto3 resources) sized for a concurrent gateway."""

    def __init__(self, names: ResourceNames) -> None:
        import boto3
        from botocore.config import Config

        session = boto3.session.Session()
        config = Config(max_pool_connections=64, retries={"max_attempts": 5, "mode": "standard"})
        kwargs: dict[str, Any] = {"config": config}
        if names.endpoint_url:
            kwargs["endpoint_url"] = names.endpoint_url
        self.names = names
        self.s3 = session.client("s3", **kwargs)
        self.dynamodb = session.client("dynamodb", **kwargs)
        self.sns = session.client("sns", **kwargs)


_cache: dict[ResourceNames, Clients] = {}
_cache_lock = threading.Lock()


def clients() -> Clients:
    """Clients for the resources named by the current environment, created once per process.

    Creating clients is slow (~50 ms); a Lambda container reuses them across invocations, and so
    does the local gateway.
    """
    names = ResourceNames.from_env()
    with _cache_lock:
        found = _cache.get(names)
        if found is None:
            found = _cache[names] = Clients(names)
        return found


_TABLE_KEYS = {
    "deliveries_table": ("delivery_id", "N"),
    "tracking_table": ("vehicle_id", "N"),
    "alerts_table": ("alert_id", "S"),
    "routes_table": ("route_id", "N"),
}


def bootstrap(names: ResourceNames) -> ResourceNames:
    """Create the bucket, the four tables and the alerts topic if missing; return the names
    with the topic ARN filled in. Idempotent."""
    c = Clients(names)
    existing_buckets = {b["Name"] for b in c.s3.list_buckets().get("Buckets", [])}
    if names.bucket not in existing_buckets:
        c.s3.create_bucket(Bucket=names.bucket)
    existing_tables = set(c.dynamodb.list_tables().get("TableNames", []))
    for attribute, (key, key_type) in _TABLE_KEYS.items():
        table = getattr(names, attribute)
        if table in existing_tables:
            continue
        c.dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": key_type}],
            BillingMode="PAY_PER_REQUEST",
        )
        c.dynamodb.get_waiter("table_exists").wait(TableName=table)
    topic_arn = names.topic_arn or c.sns.create_topic(Name=TOPIC_NAME)["TopicArn"]
    return replace(names, topic_arn=topic_arn)


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Translate botocore failures (unreachable endpoint, missing bucket, no credentials) into
    one-line ServiceErrors, at the edge where commands call AWS."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as e:
        error = e.response.get("Error", {})
        raise ServiceError(f"{action}: {error.get('Code')}: {error.get('Message')}") from e
    except BotoCoreError as e:
        raise ServiceError(f"{action}: {e}") from e
