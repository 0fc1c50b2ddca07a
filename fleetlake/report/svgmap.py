"""A map of Colombia's cities as inline SVG: road routes as lines, events (alerts) as markers.

No tiles and no network: the caller gives the places and the road paths (the generator's
geography). The projection is equirectangular with longitude scaled by the cosine of the middle
latitude, so at Colombia's latitudes a kilometre east and a kilometre north have the same length
on the page, and a scale bar in km can be drawn.

Like the other charts, every data mark (a route with alerts, an alert) carries ``class="mark"``
and ``data-series``/``data-label``/``data-value`` with the exact number it stands for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from fleetlake.report.svg import (
    CHAR_PX,
    PALETTE,
    WIDTH,
    mark_attrs,
    nice_ticks,
    svg_document,
    svg_text,
)

LatLon = tuple[float, float]
KM_PER_DEGREE = 111.2  # of latitude
LEGEND_GAP, LEGEND_TEXT_X = 40, 38  # map to legend, legend symbol to its text (px)
ROAD = "#b3b3b3"
ROUTE = PALETTE[0]  # blue
ALERT = PALETTE[5]  # vermillion
CITY = "#1a1a1a"


@dataclass(frozen=True)
class MapLine:
    """A route drawn over the roads; its ``value`` (e.g. alerts on it) sets its width."""

    label: str
    path: Sequence[LatLon]
    value: float
    tooltip: str


@dataclass(frozen=True)
class MapPoint:
    """A marker at a position; ``value`` is what the series measures (e.g. km off route)."""

    label: str
    position: LatLon
    value: float
    tooltip: str


@dataclass(frozen=True)
class _Frame:
    """Page coordinates of lat/lon inside the plot box."""

    left: float
    top: float
    south: float
    north: float
    west: float
    east: float
    scale: float  # px per degree of latitude
    squeeze: float  # cos(middle latitude): px per degree of longitude / px per degree of latitude

    def x(self, lon: float) -> float:
        return self.left + (lon - self.west) * self.scale * self.squeeze

    def y(self, lat: float) -> float:
        return self.top + (self.north - lat) * self.scale

    @property
    def width(self) -> float:
        return (self.east - self.west) * self.scale * self.squeeze

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.scale


def _frame(positions: Sequence[LatLon], left: float, top: float, height: float) -> _Frame:
    lats = [p[0] for p in positions]
    lons = [p[1] for p in positions]
    south, north = math.floor(min(lats) - 0.3), math.ceil(max(lats) + 0.3)
    west, east = math.floor(min(lons) - 0.3), math.ceil(max(lons) + 0.3)
    squeeze = math.cos(math.radians((south + north) / 2))
    return _Frame(left, top, south, north, west, east, height / (north - south), squeeze)


def _polyline(frame: _Frame, path: Sequence[LatLon]) -> str:
    return " ".join(f"{frame.x(lon):.1f},{frame.y(lat):.1f}" for lat, lon in path)


def _degrees(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):g}° {positive if value >= 0 else negative}"


def route_map(
    chart_id: str,
    title: str,
    places: Mapping[str, LatLon],
    roads: Sequence[Sequence[LatLon]],
    lines: Sequence[MapLine],
    points: Sequence[MapPoint],
    line_series: str,
    point_series: str,
) -> str:
    """Places (labelled dots), every road (grey), ``lines`` over them (blue, wider for larger
    values) and ``points`` (vermillion dots), on latitude/longitude axes with a km scale bar."""
    top, left, plot_h = 56, 74, 520
    every = [p for road in roads for p in road] + list(places.values())
    every += [p.position for p in points] + [p for line in lines for p in line.path]
    frame = _frame(every, left, top, plot_h)
    legend = _legend_entries(line_series, point_series)
    room = WIDTH - left - LEGEND_GAP - LEGEND_TEXT_X - max(len(t) for t in legend) * CHAR_PX
    if frame.width > room:  # a wide region: a shorter map, so the legend stays on the page
        frame = _frame(every, left, top, plot_h * room / frame.width)
    body = [
        f'<rect x="{left}" y="{top}" width="{frame.width:.1f}" height="{frame.height:.1f}" '
        f'fill="#f4f7f9" stroke="#333"/>'
    ]
    for lat in nice_ticks(frame.south, frame.north, whole=True):
        if frame.south <= lat <= frame.north:
            y = frame.y(lat)
            body.append(
                f'<line x1="{left}" x2="{left + frame.width:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="#dde3e8"/>'
            )
            body.append(svg_text(left - 6, y + 4, _degrees(lat, "N", "S"), anchor="end"))
    for lon in nice_ticks(frame.west, frame.east, count=3, whole=True):
        if frame.west <= lon <= frame.east:
            x = frame.x(lon)
            body.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + frame.height:.1f}" '
                f'stroke="#dde3e8"/>'
            )
            body.append(
                svg_text(x, top + frame.height + 16, _degrees(lon, "E", "W"), anchor="middle")
            )
    for road in roads:
        body.append(
            f'<polyline points="{_polyline(frame, road)}" fill="none" stroke="{ROAD}" '
            f'stroke-width="1.5"/>'
        )
    largest = max([line.value for line in lines], default=1.0) or 1.0
    for line in sorted(lines, key=lambda item: -item.value):  # thin lines stay visible on top
        width = 2.5 + 5.5 * line.value / largest
        body.append(
            f'<polyline points="{_polyline(frame, line.path)}" fill="none" stroke="{ROUTE}" '
            f'stroke-width="{width:.1f}" stroke-linejoin="round" stroke-opacity="0.8"'
            f"{mark_attrs(line_series, line.label, line.value)}>"
            f"<title>{escape(line.tooltip)}</title></polyline>"
        )
    for name, (lat, lon) in places.items():
        x, y = frame.x(lon), frame.y(lat)
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{CITY}"/>')
        body.append(svg_text(x + 8, y - 6, name, font_weight=600))
    for point in points:
        lat, lon = point.position
        body.append(
            f'<circle cx="{frame.x(lon):.1f}" cy="{frame.y(lat):.1f}" r="5.5" fill="{ALERT}" '
            f'stroke="#fff" stroke-width="1.2"'
            f"{mark_attrs(point_series, point.label, point.value)}>"
            f"<title>{escape(point.tooltip)}</title></circle>"
        )
    bar_km = 100.0
    bar_px = bar_km / KM_PER_DEGREE * frame.scale
    bar_y = top + frame.height - 14
    bar_right = left + frame.width - 10  # bottom right: the sea and the plains, no city there
    body.append(
        f'<line x1="{bar_right - bar_px:.1f}" x2="{bar_right:.1f}" y1="{bar_y:.1f}" '
        f'y2="{bar_y:.1f}" stroke="#333" stroke-width="3"/>'
        + svg_text(bar_right, bar_y - 6, f"{bar_km:,.0f} km", anchor="end")
    )
    body.append(
        svg_text(
            left + frame.width / 2, top + frame.height + 36, "Longitude", "axis-label", "middle"
        )
    )
    body.append(
        svg_text(
            14,
            top + frame.height / 2,
            "Latitude",
            "axis-label",
            "middle",
            transform=f"rotate(-90 14 {top + frame.height / 2:.1f})",
        )
    )
    body += _map_legend(left + frame.width + LEGEND_GAP, top + 10, legend)
    description = (
        f"Map of {len(places)} cities and {len(roads)} road routes: {len(lines)} routes with "
        f"{point_series}, {len(points)} {point_series} marked at their position."
    )
    legend_bottom = top + 10 + 24 * (len(legend) - 1) + 16
    height = max(top + frame.height + 48, legend_bottom)  # a short map keeps its whole legend
    return svg_document(chart_id, title, description, height, body)


def _legend_entries(line_series: str, point_series: str) -> list[str]:
    return [
        "road route",
        f"route with {point_series}: wider = more {line_series}",
        f"{point_series}: position when raised (hover for details)",
        "city",
    ]


def _map_legend(x: float, y: float, texts: list[str]) -> list[str]:
    def line(row: int, colour: str, width: float) -> str:
        at = y + 24 * row
        return (
            f'<line x1="{x}" x2="{x + 28}" y1="{at}" y2="{at}" stroke="{colour}" '
            f'stroke-width="{width}"/>'
        )

    def dot(row: int, colour: str, radius: float) -> str:
        return f'<circle cx="{x + 14}" cy="{y + 24 * row}" r="{radius}" fill="{colour}"/>'

    symbols = [line(0, ROAD, 1.5), line(1, ROUTE, 5), dot(2, ALERT, 5.5), dot(3, CITY, 4.5)]
    parts = []
    for row, (symbol, text) in enumerate(zip(symbols, texts, strict=True)):
        parts += [symbol, svg_text(x + LEGEND_TEXT_X, y + 24 * row + 4, text)]
    return parts
