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


def routes_from_table(current: pa.Table) -> list[Route]:
    """Routes from the current state of the lake's ``routes`` table (``Lake.current("routes")``:
    one row per route, the latest version), in route order.

    The path is the ``waypoints`` column when it has two points or more, else origin ->
    destination. Column-wise: one Python object per route.
    """
    import pyarrow.compute as pc

    latest = current.sort_by("route_id")
    columns = {
        name: latest.column(name).to_pylist()
        for name in ("route_id", "route_code", "waypoints", "origin_lat", "origin_lon")
        + ("destination_lat", "destination_lon")
    }
    distance = pc.cast(latest.column("distance_km"), "float64").to_pylist()
    hours = pc.cast(latest.column("estimated_duration_hours"), "float64").to_pylist()
    routes = []
    for i, route_id in enumerate(columns["route_id"]):
        path = tuple((p["lat"], p["lon"]) for p in columns["waypoints"][i] or [])
        if len(path) < 2:
            path = (
                (columns["origin_lat"][i], columns["origin_lon"][i]),
                (columns["destination_lat"][i], columns["destination_lon"][i]),
            )
        routes.append(Route(route_id, columns["route_code"][i], path, distance[i], hours[i]))
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
