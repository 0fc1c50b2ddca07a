"""Typed fleet events and their validation (stdlib only, so a Lambda needs nothing but boto3).

An event is a JSON object with an ``event_id`` and a ``type``:

- ``gps``: ``vehicle``, ``trip``, ``route`` (ids), ``lat``, ``lon``, ``speed`` (km/h), ``time``
- ``delivery``: ``delivery`` (id), ``status`` (a delivery_status), ``time``, ``signature`` (bool,
  optional), ``vehicle`` (id of the reporting driver's vehicle, optional)

``time`` is ISO 8601. Without a UTC offset it is read as Colombia wall-clock time (UTC-5), the
lake's convention. Every validation error names the offending field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

COLOMBIA = timezone(timedelta(hours=-5), "America/Bogota")
# Clock skew tolerated between a device and the ingest endpoint; later times are rejected.
MAX_FUTURE = timedelta(minutes=5)
MAX_BATCH_EVENTS = 500
DELIVERY_STATUSES = ("delivered", "pending", "in_transit", "failed", "cancelled")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EVENT_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")


class EventError(ValueError):
    """An invalid event or request: ``field`` names what is wrong, ``status`` the HTTP status."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.status = status


@dataclass(frozen=True)
class GpsPing:
    event_id: str
    vehicle_id: int
    trip_id: int
    route_id: int
    lat: float
    lon: float
    speed_kmh: float
    time: datetime  # aware, UTC

    kind = "gps"

    def to_record(self) -> dict[str, Any]:
        """The raw JSON record written to S3 (times as Colombia wall clock with offset)."""
        return {
            "event_id": self.event_id,
            "type": self.kind,
            "vehicle": self.vehicle_id,
            "trip": self.trip_id,
            "route": self.route_id,
            "lat": self.lat,
            "lon": self.lon,
            "speed": self.speed_kmh,
            "time": format_time(self.time),
        }


@dataclass(frozen=True)
class DeliveryUpdate:
    event_id: str
    delivery_id: int
    status: str
    time: datetime  # aware, UTC
    signature: bool | None
    vehicle_id: int | None = None

    kind = "delivery"

    def to_record(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.kind,
            "delivery": self.delivery_id,
            "status": self.status,
            "time": format_time(self.time),
            "signature": self.signature,
            "vehicle": self.vehicle_id,
        }


FleetEvent = GpsPing | DeliveryUpdate


def format_time(moment: datetime) -> str:
    """ISO 8601 in Colombia wall-clock time with its offset, microsecond precision."""
    return moment.astimezone(COLOMBIA).isoformat(timespec="microseconds")


def epoch_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch, exact (no float rounding): DynamoDB's ordering key."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def lake_time(moment: datetime) -> datetime:
    """The lake's representation: naive Colombia wall-clock time."""
    return moment.astimezone(COLOMBIA).replace(tzinfo=None)


def _require(raw: dict[str, Any], field: str) -> Any:
    if field not in raw or raw[field] is None:
        raise EventError(field, "is required")
    return raw[field]


def parse_id(value: Any, field: str) -> int:
    """A positive integer id; JSON numbers only (``true`` and ``"7"`` are refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise EventError(field, f"must be an integer id, got {type(value).__name__}")
    if not 0 < value < 2**31:
        raise EventError(field, f"must be between 1 and {2**31 - 1}, got {value}")
    return value


def parse_number(value: Any, field: str, low: float, high: float) -> float:
    """A finite JSON number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventError(field, f"must be a number, got {type(value).__name__}")
    number = float(value)
    if not low <= number <= high:  # also refuses NaN
        raise EventError(field, f"must be between {low:g} and {high:g}, got {value}")
    return number


def parse_time(value: Any, field: str, now: datetime) -> datetime:
    """ISO 8601 text -> aware UTC datetime; naive text is Colombia time; not after now + skew."""
    if not isinstance(value, str):
        raise EventError(field, f"must be an ISO 8601 string, got {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise EventError(field, f"is not an ISO 8601 timestamp: {value[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=COLOMBIA)
    moment = moment.astimezone(UTC)
    if moment > now + MAX_FUTURE:
        raise EventError(field, f"is in the future ({value}); clocks may differ by at most 5 min")
    if moment.year < 2000:
        raise EventError(field, f"is before 2000 ({value})")
    return moment


def parse_event_id(raw: dict[str, Any]) -> str:
    event_id = _require(raw, "event_id")
    if not isinstance(event_id, str) or not _EVENT_ID.match(event_id):
        raise EventError("event_id", "must be 1-128 characters of letters, digits, _ . : -")
    return event_id


def parse_event(raw: Any, now: datetime) -> FleetEvent:
    """Validate one decoded JSON event into a typed model or raise EventError naming the field."""
    if not isinstance(raw, dict):
        raise EventError("event", f"must be a JSON object, got {type(raw).__name__}")
    event_id = parse_event_id(raw)
    kind = _require(raw, "type")
    if kind == "gps":
        return GpsPing(
            event_id=event_id,
            vehicle_id=parse_id(_require(raw, "vehicle"), "vehicle"),
            trip_id=parse_id(_require(raw, "trip"), "trip"),
            route_id=parse_id(_require(raw, "route"), "route"),
            lat=parse_number(_require(raw, "lat"), "lat", -90.0, 90.0),
            lon=parse_number(_require(raw, "lon"), "lon", -180.0, 180.0),
            speed_kmh=parse_number(_require(raw, "speed"), "speed", 0.0, 300.0),
            time=parse_time(_require(raw, "time"), "time", now),
        )
    if kind == "delivery":
        status = _require(raw, "status")
        if status not in DELIVERY_STATUSES:
            raise EventError("status", f"must be one of {', '.join(DELIVERY_STATUSES)}")
        signature = raw.get("signature")
        if signature is not None and not isinstance(signature, bool):
            raise EventError("signature", f"must be a boolean, got {type(signature).__name__}")
        return DeliveryUpdate(
            event_id=event_id,
            delivery_id=parse_id(_require(raw, "delivery"), "delivery"),
            status=status,
            time=parse_time(_require(raw, "time"), "time", now),
            signature=signature,
            vehicle_id=None if raw.get("vehicle") is None else parse_id(raw["vehicle"], "vehicle"),
        )
    raise EventError("type", f"must be 'gps' or 'delivery', got {str(kind)[:20]!r}")


def parse_batch(body: Any) -> list[Any]:
    """The list of raw events of a request body: ``{"events": [...]}`` or a bare list."""
    events = body.get("events") if isinstance(body, dict) else body
    if not isinstance(events, list):
        raise EventError("events", 'the body must be a JSON list of events or {"events": [...]}')
    if len(events) > MAX_BATCH_EVENTS:
        raise EventError(
            "events", f"batch of {len(events)} events exceeds {MAX_BATCH_EVENTS}", status=413
        )
    return events
