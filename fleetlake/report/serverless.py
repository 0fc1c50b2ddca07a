"""The serverless section, from the results of a ``fleetlake replay`` saved as JSON.

``fleetlake replay --json > reports/replay.json`` saves them (``ReplayReport.to_dict``). Like
the Postgres section, this reads a file and never talks to a service.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from fleetlake.report import svg, svgmap
from fleetlake.report.page import (
    NOT_AVAILABLE,
    NOT_CONFIGURED,
    OK,
    Figure,
    Section,
    records_table,
    saved_result_section,
)
from fleetlake.report.svg import Series
from fleetlake.report.svgmap import MapLine, MapPoint
from fleetlake.report.units import COUNT, KM_TENTHS, MS
from fleetlake.schema import CITIES

REPLAY_JSON = Path("reports") / "replay.json"
TITLE = "Serverless path"
EVENT_COUNTS = ("sent", "accepted", "rejected", "failed")
ALERTS_CHART = "sl-alerts"


def _latencies(document: dict) -> dict[str, float]:
    """Latency percentiles in ms, ``{"p50": ..., "p95": ..., "p99": ...}``."""
    nested = document.get("latency_ms") or {}
    return {k: float(v) for k, v in nested.items() if isinstance(v, int | float)}


def serverless_section(path: Path = REPLAY_JSON) -> Section:
    """Events accepted and rejected, latency percentiles and the alerts raised, from the last
    saved replay."""
    if not path.is_file():
        return Section(
            "serverless",
            TITLE,
            NOT_CONFIGURED,
            f"No saved replay results ({path}): run `fleetlake replay` to fill this section.",
        )
    return saved_result_section(
        "serverless", TITLE, path, lambda document: _replay_section(path, document)
    )


def _replay_section(path: Path, document: dict) -> Section:
    counts = [
        (k, float(document[k])) for k in EVENT_COUNTS if isinstance(document.get(k), int | float)
    ]
    latencies = _latencies(document)
    figures = []
    if counts:
        chart = svg.bar_chart(
            "sl-events",
            "Replay: events by outcome",
            [k for k, _ in counts],
            [Series("events", [v for _, v in counts])],
            COUNT,
            "Events (count)",
        )
        table = records_table(("outcome", "events"), counts, (None, COUNT))
        figures.append(Figure("sl-events", "Events by outcome", chart, table))
    if latencies:
        chart = svg.bar_chart(
            "sl-latency",
            "Replay: request latency percentiles",
            list(latencies),
            [Series("latency", list(latencies.values()))],
            MS,
            "Latency (ms)",
        )
        table = records_table(("percentile", "latency"), list(latencies.items()), (None, MS))
        figures.append(Figure("sl-latency", "Latency percentiles", chart, table))
    rejections = document.get("rejections") or {}
    if rejections:
        reasons = sorted(rejections, key=lambda r: (-rejections[r], r))
        counts_by_reason = [float(rejections[r]) for r in reasons]
        chart = svg.bar_chart(
            "sl-rejections",
            "Replay: rejected events by reason",
            reasons,
            [Series("rejected", counts_by_reason)],
            COUNT,
            "Rejected events (count)",
        )
        table = records_table(
            ("reason", "events"), list(zip(reasons, counts_by_reason, strict=True)), (None, COUNT)
        )
        figures.append(Figure("sl-rejections", "Rejections by reason", chart, table))
    if isinstance(document.get("alerts"), list):  # results saved before alerts were kept: none
        figures.append(alerts_figure(document["alerts"]))
    if not figures:
        return Section("serverless", TITLE, NOT_AVAILABLE, f"{path} holds no event counts.")
    rate = document.get("events_per_second")
    intro = f"From {path}" + (f": {rate:,.0f} events/s accepted." if rate else ".")
    return Section("serverless", TITLE, OK, intro, tuple(figures))


def _route_name(alert: dict) -> str:
    origin, destination = alert.get("origin_city"), alert.get("destination_city")
    return f"{origin} → {destination}" if origin and destination else "(cities not saved)"


def alerts_per_route(alerts: list[dict]) -> dict[int, list[dict]]:
    """The alerts of each route, routes by most alerts first (then by id)."""
    by_route: dict[int, list[dict]] = defaultdict(list)
    for alert in alerts:
        by_route[int(alert["route_id"])].append(alert)
    return dict(sorted(by_route.items(), key=lambda item: (-len(item[1]), item[0])))


def alerts_figure(alerts: list[dict]) -> Figure:
    """Route-deviation alerts on a map of the cities (routes with alerts drawn over the road
    network, one marker per alert where it was raised) and alerts per route in a table."""
    from fleetlake.gen.geography import PLACES, ROUTES

    title = "Replay: route-deviation alerts"
    if not alerts:
        message = "No route-deviation alert was raised during the replay."
        chart = svg.empty_chart(ALERTS_CHART, title, message)
        return Figure(ALERTS_CHART, "Route-deviation alerts", chart)
    paths = {r.route_id: r.path for r in ROUTES}
    # Each road once: a route and its return trip share one path.
    roads = {min(tuple(r.path), tuple(reversed(r.path))) for r in ROUTES}
    by_route = alerts_per_route(alerts)
    lines = [
        MapLine(
            f"route {route_id}",
            paths[route_id],
            float(len(raised)),
            f"Route {route_id}, {_route_name(raised[0])}: {len(raised)} alert(s)",
        )
        for route_id, raised in by_route.items()
        if route_id in paths
    ]
    points = [
        MapPoint(
            str(a["alert_id"]),
            (float(a["lat"]), float(a["lon"])),
            float(a["off_route_km"]),
            f"Vehicle {a['vehicle_id']}, trip {a['trip_id']}, route {a['route_id']} "
            f"({_route_name(a)}): {KM_TENTHS.format(float(a['off_route_km']))} off the route "
            f"at {str(a['time'])[:16].replace('T', ' ')}",
        )
        for a in alerts
    ]
    chart = svgmap.route_map(
        ALERTS_CHART,
        title,
        {city: PLACES[city] for city in CITIES},
        sorted(roads),
        lines,
        points,
        "alerts per route",
        "alerts",
    )
    records = [
        (
            route_id,
            _route_name(raised[0]),
            len(raised),
            max(float(a["off_route_km"]) for a in raised),
            len({a["vehicle_id"] for a in raised}),
        )
        for route_id, raised in by_route.items()
    ]
    table = records_table(
        ("route", "from → to", "alerts", "farthest from the route", "vehicles"),
        records,
        (None, None, COUNT, KM_TENTHS, COUNT),
    )
    thresholds = sorted({float(a["threshold_km"]) for a in alerts if a.get("threshold_km")})
    rule = f" more than {KM_TENTHS.format(thresholds[0])}" if len(thresholds) == 1 else ""
    note = (
        f"{len(alerts):,} alerts on {len(by_route):,} routes. An alert is raised by the first GPS "
        f"ping of a vehicle{rule} away from its route's path (distance to the nearest segment); "
        "markers show where, blue lines the routes concerned, grey the rest of the road network."
    )
    return Figure(ALERTS_CHART, "Route-deviation alerts", chart, table, note)
