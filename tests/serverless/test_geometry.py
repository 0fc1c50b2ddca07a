from __future__ import annotations

import pytest

from fleetlake.serverless.geometry import (
    distance_to_path_km,
    haversine_km,
    interpolate_along_path,
    point_to_segment_km,
)

BOGOTA = (4.711, -74.0721)
MEDELLIN = (6.2442, -75.5812)
KM_PER_DEGREE = 111.195  # on a sphere of radius 6371.0088 km


def test_haversine_known_distances():
    assert haversine_km((0.0, 0.0), (0.0, 1.0)) == pytest.approx(KM_PER_DEGREE, abs=0.01)
    assert haversine_km((0.0, 0.0), (1.0, 0.0)) == pytest.approx(KM_PER_DEGREE, abs=0.01)
    # Bogotá–Medellín as the crow flies (the road is ~440 km).
    assert haversine_km(BOGOTA, MEDELLIN) == pytest.approx(240.0, abs=3.0)
    assert haversine_km(BOGOTA, BOGOTA) == 0.0


def test_haversine_is_not_planar_at_high_latitude():
    # One degree of longitude at 60°N is half as long as at the equator.
    assert haversine_km((60.0, 0.0), (60.0, 1.0)) == pytest.approx(KM_PER_DEGREE / 2, rel=0.01)


def test_point_to_segment_cross_track_inside_segment():
    start, end = (0.0, 0.0), (0.0, 2.0)
    assert point_to_segment_km((0.1, 1.0), start, end) == pytest.approx(
        0.1 * KM_PER_DEGREE, rel=1e-3
    )
    assert point_to_segment_km((0.0, 1.0), start, end) == pytest.approx(0.0, abs=1e-6)


def test_point_to_segment_clamps_to_the_ends():
    start, end = (0.0, 0.0), (0.0, 2.0)
    assert point_to_segment_km((0.0, 3.0), start, end) == pytest.approx(KM_PER_DEGREE, rel=1e-3)
    assert point_to_segment_km((0.0, -1.0), start, end) == pytest.approx(KM_PER_DEGREE, rel=1e-3)
    assert point_to_segment_km((0.5, -0.5), start, end) == pytest.approx(
        haversine_km((0.5, -0.5), start), rel=1e-9
    )


def test_degenerate_segment_is_a_point():
    assert point_to_segment_km((0.0, 1.0), (0.0, 0.0), (0.0, 0.0)) == pytest.approx(
        KM_PER_DEGREE, rel=1e-3
    )


def test_distance_to_path_uses_segments_not_waypoints():
    path = [BOGOTA, MEDELLIN]
    (midpoint,) = interpolate_along_path(path, [0.5])
    # Halfway between two towns 240 km apart: on the route, though 120 km from either waypoint.
    assert min(haversine_km(midpoint, p) for p in path) > 100
    assert distance_to_path_km(midpoint, path) < 0.5


def test_distance_to_path_takes_the_nearest_segment():
    path = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
    assert distance_to_path_km((0.5, 1.05), path) == pytest.approx(0.05 * KM_PER_DEGREE, rel=1e-2)
    assert distance_to_path_km((-0.2, 0.5), path) == pytest.approx(0.2 * KM_PER_DEGREE, rel=1e-3)
    with pytest.raises(ValueError):
        distance_to_path_km((0.0, 0.0), [])


def test_interpolate_along_path_ends_and_middle():
    path = [(0.0, 0.0), (0.0, 1.0), (0.0, 3.0)]
    start, end, (lat, lon), before, after = interpolate_along_path(path, [0, 1, 0.5, -1, 2])
    assert (start, end, before, after) == ((0.0, 0.0), (0.0, 3.0), (0.0, 0.0), (0.0, 3.0))
    assert (lat, lon) == pytest.approx((0.0, 1.5))
    assert interpolate_along_path([(1.0, 2.0)], [0.0, 0.7]) == [(1.0, 2.0), (1.0, 2.0)]
    repeated = [(0.0, 0.0), (0.0, 1.0), (0.0, 1.0), (0.0, 3.0)]  # a waypoint given twice
    quarter, half = interpolate_along_path(repeated, [0.25, 0.5])
    assert quarter == pytest.approx((0.0, 0.75)) and half == pytest.approx((0.0, 1.5))
