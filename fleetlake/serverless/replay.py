"""Replay: lake trips -> a realistic stream of fleet events -> POSTed to the gateway.

The stream holds, per trip, GPS pings every few minutes interpolated along the route's path
(speed = route distance over the trip's actual duration, with noise) and delivery status
updates at their times (in_transit at departure, then delivered/failed/cancelled as in the
lake). A few trips leave their route for a while, a few events are sent twice and a few arrive
late, as real devices do. The lake's final delivery status is what DynamoDB must end up with.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from fleetlake.errors import ServiceError
from fleetlake.serverless.geometry import distance_to_path_km, interpolate_along_path
from fleetlake.serverless.models import COLOMBIA
from fleetlake.serverless.proxy import API_KEY_HEADER

if TYPE_CHECKING:
    import pyarrow as pa

    from fleetlake.serverless.routes import Route


@dataclass(frozen=True)
class StreamOptions:
    ping_minutes: float = 1.0  # trackers report every 30-60 s
    deviation_share: float = 0.05  # trips that leave their route for a while
    deviation_km: float = 25.0
    deviation_minutes: float = 20.0
    duplicate_share: float = 0.01  # events sent a second time, later
    late_share: float = 0.01  # events sent after later ones
    seed: int = 42


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=COLOMBIA).isoformat()


def _off_route(point: tuple[float, float], route: Route, km: float) -> tuple[float, float]:
    """The point moved ``km`` away in whichever of 8 directions leaves the path the most."""
    step = km / 111.0
    candidates = [
        (point[0] + dlat * step, point[1] + dlon * step)
        for dlat, dlon in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1))
    ]
    return max(candidates, key=lambda p: distance_to_path_km(p, route.path))


def _pings(trip: dict, route: Route, end: datetime, rng, options: StreamOptions) -> list[dict]:
    departure = trip["departure_datetime"]
    arrival = trip["arrival_datetime"] or departure + timedelta(
        hours=route.estimated_duration_hours
    )
    arrival = min(arrival, end)
    hours = max((arrival - departure).total_seconds() / 3600, 1e-6)
    count = int(hours * 60 // options.ping_minutes) + 1
    deviate = rng.random() < options.deviation_share and count >= 8
    stretch = max(3, round(options.deviation_minutes / options.ping_minutes))
    off_route = range(count // 2, min(count - 1, count // 2 + stretch)) if deviate else range(0)
    fractions = [k * options.ping_minutes / 60 / hours for k in range(count)]
    positions = interpolate_along_path(route.path, fractions)
    speeds = route.distance_km / hours * rng.uniform(0.85, 1.15, size=count)
    events = []
    for k, (position, speed) in enumerate(zip(positions, speeds.tolist(), strict=True)):
        moment = departure + timedelta(minutes=k * options.ping_minutes)
        if k in off_route:
            position = _off_route(position, route, options.deviation_km)
        events.append(
            {
                "event_id": f"g{trip['trip_id']}-{k}",
                "type": "gps",
                "vehicle": trip["vehicle_id"],
                "trip": trip["trip_id"],
                "route": trip["route_id"],
                "lat": round(position[0], 6),
                "lon": round(position[1], 6),
                "speed": round(speed, 1),
                "time": _iso(moment),
            }
        )
    return events


def _delivery_updates(delivery: dict, trip: dict) -> list[dict]:
    """Status updates as the driver's app sends them (tagged with the trip's vehicle)."""
    departure = trip["departure_datetime"]
    status = delivery["delivery_status"]
    steps: list[tuple[str, datetime]] = []
    if trip["status"] == "cancelled" or status in ("pending", "in_transit"):
        steps.append((status, departure))
    else:
        final = delivery["delivered_datetime"] or delivery["scheduled_datetime"] or departure
        steps += [("in_transit", departure), (status, max(final, departure + timedelta(seconds=1)))]
    return [
        {
            "event_id": f"d{delivery['delivery_id']}-{name}",
            "type": "delivery",
            "delivery": delivery["delivery_id"],
            "status": name,
            "time": _iso(moment),
            "signature": bool(delivery["recipient_signature"]) if name == "delivered" else None,
            "vehicle": trip["vehicle_id"],
        }
        for name, moment in steps
    ]


def build_stream(
    trips: pa.Table,
    deliveries: pa.Table,
    routes: list[Route],
    end: datetime,
    options: StreamOptions = StreamOptions(),
) -> list[dict[str, Any]]:
    """The event stream of these trips, in sending order (mostly by event time). Deterministic."""
    rng = np.random.default_rng(options.seed)
    by_route = {r.route_id: r for r in routes}
    by_trip: dict[int, list[dict]] = {}
    for d in deliveries.to_pylist():
        by_trip.setdefault(d["trip_id"], []).append(d)
    events: list[dict[str, Any]] = []
    for trip in sorted(trips.to_pylist(), key=lambda t: t["trip_id"]):
        route = by_route.get(trip["route_id"])
        if route is None:
            continue
        if trip["status"] != "cancelled":
            events += _pings(trip, route, end, rng, options)
        for delivery in by_trip.get(trip["trip_id"], []):
            events += _delivery_updates(delivery, trip)
    events.sort(key=lambda e: (e["time"], e["event_id"]))
    # Sending order: an event's position, pushed back for late ones, plus copies of duplicates.
    order = [(float(i), e) for i, e in enumerate(events)]
    for i in np.flatnonzero(rng.random(len(events)) < options.late_share):
        order[i] = (i + float(rng.integers(5, 200)) + 0.5, events[i])
    for i in np.flatnonzero(rng.random(len(events)) < options.duplicate_share):
        order.append((i + float(rng.integers(5, 500)) + 0.25, events[i]))
    order.sort(key=lambda pair: pair[0])
    return [e for _, e in order]


def final_delivery_states(stream: list[dict[str, Any]]) -> dict[int, str]:
    """The status each delivery must end with: that of its newest event (time, then id), as
    ingest orders them (instants, whatever offset each time was written with)."""
    latest: dict[int, tuple[datetime, str, str]] = {}
    for e in stream:
        if e["type"] == "delivery":
            key = (datetime.fromisoformat(e["time"]), e["event_id"], e["status"])
            if e["delivery"] not in latest or key > latest[e["delivery"]]:
                latest[e["delivery"]] = key
    return {d: status for d, (_, _, status) in latest.items()}


# What the saved results keep of each alert (fleetlake.serverless.tracking.raise_alert).
ALERT_FIELDS = (
    "alert_id",
    "vehicle_id",
    "trip_id",
    "route_id",
    "lat",
    "lon",
    "off_route_km",
    "threshold_km",
    "time",
)


@dataclass
class ReplayReport:
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    failed: int = 0  # events of batches that never got an answer (after retries)
    batches: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    rejections: dict[str, int] = field(default_factory=dict)  # field -> count
    alerts: list[dict[str, Any]] = field(default_factory=list)  # raised, as ingest returned them
    route_cities: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (from, to)

    @property
    def events_per_second(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return float(np.percentile(self.latencies_ms, p)) if self.latencies_ms else 0.0

    def summary(self) -> str:
        return (
            f"sent {self.sent} events in {self.batches} batches: accepted {self.accepted}, "
            f"rejected {self.rejected}, failed {self.failed}; "
            f"{self.events_per_second:,.0f} events/s over {self.seconds:.1f} s; "
            f"latency per batch p50 {self.percentile(50):.1f} ms, "
            f"p95 {self.percentile(95):.1f} ms, p99 {self.percentile(99):.1f} ms"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "failed": self.failed,
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second, 1),
            "latency_ms": {f"p{p}": round(self.percentile(p), 2) for p in (50, 95, 99)},
            "rejections": self.rejections,
            "alerts": self.alert_records(),
        }

    def alert_records(self) -> list[dict[str, Any]]:
        """The route-deviation alerts raised during the replay, by time, with their route's
        origin and destination cities (None when the route is not in ``route_cities``)."""
        records = []
        for a in sorted(self.alerts, key=lambda a: (str(a.get("time")), str(a.get("alert_id")))):
            origin, destination = self.route_cities.get(int(a["route_id"]), (None, None))
            records.append(
                {k: a.get(k) for k in ALERT_FIELDS}
                | {"origin_city": origin, "destination_city": destination}
            )
        return records


class _Client:
    """One keep-alive connection to the gateway (one per worker thread)."""

    def __init__(self, url: str, api_key: str | None, timeout: float) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ServiceError(f"gateway URL must be http(s)://host[:port][/stage], got {url!r}")
        self.parsed = parsed
        self.path = parsed.path.rstrip("/") + "/events"
        self.headers = {"content-type": "application/json"}
        if api_key:
            self.headers[API_KEY_HEADER] = api_key
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def post(self, body: bytes) -> tuple[int, dict[str, Any]]:
        if self.connection is None:
            kind = (
                http.client.HTTPSConnection
                if self.parsed.scheme == "https"
                else (http.client.HTTPConnection)
            )
            self.connection = kind(self.parsed.hostname, self.parsed.port, timeout=self.timeout)
        try:
            self.connection.request("POST", self.path, body, self.headers)
            reply = self.connection.getresponse()
            data = reply.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise
        try:
            return reply.status, json.loads(data)
        except ValueError:
            return reply.status, {}


def post_stream(
    url: str,
    events: list[dict[str, Any]],
    batch_size: int = 500,
    concurrency: int = 16,
    rate: float | None = None,
    api_key: str | None = None,
    retries: int = 3,
    timeout: float = 60.0,
) -> ReplayReport:
    """POST the events from ``concurrency`` clients, at most ``rate`` events/s overall.

    Like a fleet of devices, each client sends the events of its own vehicles (``vehicle``
    field), in stream order, one batch after another; vehicles are spread evenly over clients.
    A batch that gets no answer (connection refused or reset, timeout, 5xx) is retried with
    backoff, which is safe because ingest is idempotent; after ``retries`` it counts as failed.
    """
    _Client(url, api_key, timeout)  # a malformed URL is one error here, not one per thread
    vehicles = sorted({int(e.get("vehicle") or 0) for e in events})
    lane = {v: i % max(1, concurrency) for i, v in enumerate(vehicles)}
    lanes: dict[int, list[dict[str, Any]]] = {}
    for e in events:
        lanes.setdefault(lane[int(e.get("vehicle") or 0)], []).append(e)
    queues = [
        [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
        for chunk in lanes.values()
    ]
    report = ReplayReport(sent=len(events), batches=sum(len(q) for q in queues))
    lock = threading.Lock()
    pace = {"next": time.perf_counter()}  # when the next event may leave, shared by all clients

    def client_loop(batches: list[list[dict[str, Any]]]) -> None:
        client = _Client(url, api_key, timeout)
        for batch in batches:
            if rate:
                with lock:
                    due = pace["next"]
                    pace["next"] = max(due, time.perf_counter()) + len(batch) / rate
                time.sleep(max(0.0, due - time.perf_counter()))
            outcome = _send(client, json.dumps({"events": batch}).encode(), retries)
            with lock:
                _record(report, outcome, len(batch))

    start = time.perf_counter()
    pace["next"] = start
    threads = [threading.Thread(target=client_loop, args=(q,), daemon=True) for q in queues]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report.seconds = time.perf_counter() - start
    return report


def _send(client: _Client, body: bytes, retries: int) -> tuple[int, dict[str, Any], float] | None:
    for attempt in range(retries + 1):
        began = time.perf_counter()
        try:
            status, answer = client.post(body)
        except (OSError, http.client.HTTPException):
            status, answer = 0, {}
        if 0 < status < 500:
            return status, answer, (time.perf_counter() - began) * 1000
        time.sleep(0.1 * 2**attempt)
    return None


def _record(report: ReplayReport, outcome: tuple | None, size: int) -> None:
    if outcome is None:
        report.failed += size
        return
    status, answer, latency = outcome
    report.latencies_ms.append(latency)
    accepted = int(answer.get("accepted", 0))
    report.accepted += accepted
    report.rejected += size - accepted
    report.alerts.extend(answer.get("alert_details") or [])
    if "rejected" in answer:
        reasons = [str(r.get("field")) for r in answer["rejected"]]
    else:  # the whole request was refused (401/403/413, bad body)
        reasons = [str(answer.get("field") or f"http {status}")] * size
    for reason in reasons:
        report.rejections[reason] = report.rejections.get(reason, 0) + 1


@dataclass(frozen=True)
class LakeStream:
    """Events to replay, and each route's (origin city, destination city) to name the routes of
    the alerts they raise, both from one read of the lake's routes."""

    events: list[dict[str, Any]]
    route_cities: dict[int, tuple[str, str]]


def lake_stream(
    lake_uri: str,
    days: int = 1,
    since: date | None = None,
    endpoint_url: str | None = None,
    options: StreamOptions = StreamOptions(),
) -> LakeStream:
    """The event stream of the trips departing in ``days`` days from ``since`` (default: the
    lake's last ``days`` days)."""
    from fleetlake.lake import open_lake
    from fleetlake.serverless.routes import routes_from_table

    lake = open_lake(lake_uri, endpoint_url=endpoint_url)
    end = lake.manifest.end
    since = since or end - timedelta(days=days)
    until = min(since + timedelta(days=days), end)
    if since >= end or since < lake.manifest.start:
        raise ServiceError(
            f"no trips to replay from {since}: the lake covers {lake.manifest.start} to {end}"
        )
    routes = lake.current("routes")
    events = build_stream(
        lake.read("trips", since, until),
        lake.read("deliveries", since, until),
        routes_from_table(routes),
        datetime.combine(end, datetime.min.time()),
        options,
    )
    cities = routes.select(["route_id", "origin_city", "destination_city"]).to_pylist()
    return LakeStream(
        events, {r["route_id"]: (r["origin_city"], r["destination_city"]) for r in cities}
    )
