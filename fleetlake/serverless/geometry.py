"""Distances on the Earth's surface: haversine and distance from a point to a route's path.

A route's path is the polyline through its waypoints. Deviation is measured to the nearest
*segment* of that polyline (great-circle cross-track distance, clamped to the segment's ends),
not to the nearest waypoint: a truck halfway between two towns 150 km apart is on its route.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

LatLon = tuple[float, float]


def _angular_distance(a: LatLon, b: LatLon) -> float:
    """Central angle between two points, radians (haversine formula: stable for short distances)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * math.asin(min(1.0, math.sqrt(h)))


def _bearing(a: LatLon, b: LatLon) -> float:
    """Initial great-circle bearing from a to b, radians."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    dlon = lon2 - lon1
    y = math.sin(dlon) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return math.atan2(y, x)


def haversine_km(a: LatLon, b: LatLon) -> float:
    """Great-circle distance between two (lat, lon) points in kilometres."""
    return EARTH_RADIUS_KM * _angular_distance(a, b)


def point_to_segment_km(point: LatLon, start: LatLon, end: LatLon) -> float:
    """Shortest distance from ``point`` to the great-circle segment ``start``–``end``, km.

    Cross-track distance when the point projects inside the segment, else the distance to the
    nearer end.
    """
    d13 = _angular_distance(start, point)
    d12 = _angular_distance(start, end)
    if d12 == 0.0 or d13 == 0.0:
        return EARTH_RADIUS_KM * d13
    delta = _bearing(start, point) - _bearing(start, end)
    if math.cos(delta) <= 0:  # the point lies behind the start
        return EARTH_RADIUS_KM * d13
    cross = math.asin(max(-1.0, min(1.0, math.sin(d13) * math.sin(delta))))
    along = math.acos(max(-1.0, min(1.0, math.cos(d13) / math.cos(cross))))
    if along >= d12:  # beyond the end
        return haversine_km(point, end)
    return EARTH_RADIUS_KM * abs(cross)


def distance_to_path_km(point: LatLon, path: Sequence[LatLon]) -> float:
    """Distance from ``point`` to the nearest segment of the polyline ``path`` (>= 1 point), km."""
    if not path:
        raise ValueError("a path needs at least one point")
    if len(path) == 1:
        return haversine_km(point, path[0])
    return min(point_to_segment_km(point, a, b) for a, b in zip(path, path[1:], strict=False))


def interpolate_along_path(path: Sequence[LatLon], fractions: Sequence[float]) -> list[LatLon]:
    """The points at ``fractions`` (0..1, clipped) of the path's length, linear within a segment.

    Used by replay to place a vehicle on its route, all of a trip's pings at once: the segment
    lengths are measured once and every fraction is placed by one ``np.interp`` per coordinate.
    Linear interpolation in degrees is well within a few metres of the great circle for segments
    of a few hundred kilometres.
    """
    import numpy as np

    lengths = [haversine_km(a, b) for a, b in zip(path, path[1:], strict=False)]
    # the start, then the end of every segment that has a length (a repeated point adds none)
    kept = [path[0], *(b for b, length in zip(path[1:], lengths, strict=True) if length > 0)]
    along = np.concatenate([[0.0], np.cumsum([length for length in lengths if length > 0])])
    target = np.clip(np.asarray(fractions, dtype=float), 0.0, 1.0) * along[-1]
    lat = np.interp(target, along, [p[0] for p in kept])
    lon = np.interp(target, along, [p[1] for p in kept])
    return list(zip(lat.tolist(), lon.tolist(), strict=True))
