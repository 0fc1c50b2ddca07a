"""Route paths for deviation and ETA: loaded from the lake into DynamoDB ``routes_waypoints``,
read back by the handlers through a small per-process cache (routes change rarely)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fleetlake.serverless.dynamo import from_item, to_item
from fleetlake.serverless.geometry import LatLon

if TYPE_CHECKING:
    import pyarrow as pa

    from fleetlake.serverless.resources import Clients

CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class Route:
    """A route's path (origin, towns on the way, destination) and its typical speed."""

    route_id: int
    route_code: str
    path: tuple[LatLon, ...]
    distance_km: float
    estimated_duration_hours: float

    @property
    def destination(self) -> LatLon:
        return self.path[-1]

    @property
    def average_speed_kmh(self) -> float:
        return self.distance_km / self.estimated_duration_hours

    def to_item(self) -> dict[str, Any]:
        return to_item(
            {
                "route_id": self.route_id,
                "route_code": self.route_code,
                "distance_km": self.distance_km,
                "estimated_duration_hours": self.estimated_duration_hours,
                "waypoints": [{"lat": lat, "lon": lon} for lat, lon in self.path],
            }
        )

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Route:
        values = from_item(item)
        return cls(
            route_id=int(values["route_id"]),
            route_code=values["route_code"],
            path=tuple((float(p["lat"]), float(p["lon"])) for p in values["waypoints"]),
            distance_km=float(values["distance_km"]),
            estimated_duration_hours=float(values["estimated_duration_hours"]),
        )


def routes_from_table(table: pa.Table) -> list[Route]:
    """Routes from the lake's ``routes`` table (schema ``fleetlake.schema.ROUTES``): its change
    log or its current state — the latest row per route (by ``updated_at``) is used.

    The path is the ``waypoints`` column when present, else origin -> destination.
    """
    latest: dict[int, dict[str, Any]] = {}
    for row in table.to_pylist():
        seen = latest.get(row["route_id"])
        if seen is None or row["updated_at"] >= seen["updated_at"]:
            latest[row["route_id"]] = row
    routes = []
    for route_id, row in sorted(latest.items()):
        path = tuple((p["lat"], p["lon"]) for p in (row.get("waypoints") or []))
        if len(path) < 2:
            path = (
                (row["origin_lat"], row["origin_lon"]),
                (row["destination_lat"], row["destination_lon"]),
            )
        routes.append(
            Route(
                route_id=int(route_id),
                route_code=row["route_code"],
                path=path,
                distance_km=float(row["distance_km"]),
                estimated_duration_hours=float(row["estimated_duration_hours"]),
            )
        )
    return routes


def put_routes(clients: Clients, routes: list[Route]) -> int:
    """Write routes to ``routes_waypoints`` (batch writes; rewriting a route replaces it)."""
    table = clients.names.routes_table
    for start in range(0, len(routes), 25):
        requests = [{"PutRequest": {"Item": r.to_item()}} for r in routes[start : start + 25]]
        pending: dict[str, Any] = {table: requests}
        while pending:
            pending = clients.dynamodb.batch_write_item(RequestItems=pending)["UnprocessedItems"]
    _cache.clear()
    return len(routes)


_cache: dict[tuple[str, int], tuple[float, Route]] = {}
_cache_lock = threading.Lock()


def get_route(clients: Clients, route_id: int) -> Route | None:
    """The route with this id, or None when ``routes_waypoints`` has no such route."""
    key = (clients.names.routes_table, route_id)
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
    if cached and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    item = clients.dynamodb.get_item(
        TableName=clients.names.routes_table, Key={"route_id": {"N": str(route_id)}}
    ).get("Item")
    if item is None:
        return None
    route = Route.from_item(item)
    with _cache_lock:
        _cache[key] = (now, route)
    return route
