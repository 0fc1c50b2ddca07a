"""The alerts map's geometry: positions, the km scale bar, and a legend that stays on the page."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from fleetlake.report.svg import CHAR_PX, WIDTH
from fleetlake.report.svgmap import KM_PER_DEGREE, LEGEND_GAP, MapLine, MapPoint, route_map

NS = {"s": "http://www.w3.org/2000/svg"}


def draw(places: dict, points=(), lines=()) -> ET.Element:
    roads = [list(places.values())]
    svg = route_map("m", "A map", places, roads, list(lines), list(points), "alerts", "alerts")
    return ET.fromstring(svg)


def city_dots(root: ET.Element) -> list[tuple[float, float]]:
    """Centres of the city dots on the map (the legend's sample dot is right of the map)."""
    plot = root.find("s:rect", NS)
    right = float(plot.get("x")) + float(plot.get("width"))
    return [
        (float(c.get("cx")), float(c.get("cy")))
        for c in root.iterfind("s:circle", NS)
        if c.get("r") == "4.5" and float(c.get("cx")) <= right
    ]


def test_a_degree_east_is_the_cosine_of_a_degree_north_and_the_bar_is_100_km():
    # (4, -75) and (5, -75) are one degree of latitude apart; (4, -74) one of longitude east
    root = draw({"a": (4.0, -75.0), "b": (5.0, -75.0), "c": (4.0, -74.0)})
    (ax, ay), (bx, by), (cx, cy) = city_dots(root)
    north_px, east_px = ay - by, cx - ax
    assert (bx, cy) == (ax, ay)  # north is up, east is right, no skew
    middle = (3 + 6) / 2  # the frame rounds out to whole degrees: 3..6 N
    assert east_px / north_px == pytest.approx(math.cos(math.radians(middle)), abs=2e-3)
    bar = next(b for b in root.iterfind("s:line", NS) if b.get("stroke-width") == "3")
    bar_px = float(bar.get("x2")) - float(bar.get("x1"))
    assert bar_px / north_px == pytest.approx(100 / KM_PER_DEGREE, abs=2e-3)


def test_an_alert_is_drawn_where_it_was_raised():
    point = MapPoint("a1", (4.0, -74.0), 3.2, "alert a1")
    root = draw({"a": (4.0, -75.0), "c": (4.0, -74.0)}, points=[point])
    marker = next(c for c in root.iterfind("s:circle", NS) if c.get("data-label") == "a1")
    assert (float(marker.get("cx")), float(marker.get("cy"))) == city_dots(root)[1]
    assert marker.get("data-value") == "3.2"


def test_a_wide_region_keeps_the_legend_on_the_page():
    wide = {"west": (4.0, -90.0), "east": (5.0, -40.0)}  # 50 degrees of longitude
    line = MapLine("r1", list(wide.values()), 2, "route r1")
    root = draw(wide, lines=[line])
    plot = root.find("s:rect", NS)
    right = float(plot.get("x")) + float(plot.get("width"))
    legend = [t for t in root.iterfind("s:text", NS) if float(t.get("x")) >= right + LEGEND_GAP]
    assert [t.text for t in legend][::3] == ["road route", "city"]  # all four entries
    assert len(legend) == 4
    height = float(root.get("height"))
    for text in legend:
        assert float(text.get("x")) + len(text.text) * CHAR_PX <= WIDTH, text.text
        assert float(text.get("y")) + 4 <= height, text.text
