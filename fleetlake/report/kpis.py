"""The KPI section: one figure per KPI, its chart drawn from the KPI result's own columns.

Charts read the tables returned by ``fleetlake.kpi.run_kpis`` (columns as in ``sql/kpi/*.sql``)
and nothing else, so a chart shows exactly the KPI's numbers. If a KPI's columns change, that one
chart is replaced by a note and the table still shows the result: the report never breaks on it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping

import pyarrow as pa

from fleetlake.report import svg
from fleetlake.report.page import OK, Figure, Section, arrow_table
from fleetlake.report.svg import Series
from fleetlake.report.units import (
    COP,
    COP_PER_KM,
    COUNT,
    KG,
    KM,
    KM_PER_L,
    L_PER_100KM,
    LITRES,
    PERCENT,
    RATIO,
    Unit,
)
from fleetlake.schema import VEHICLE_STATUSES

TOP = 15  # bars in a ranking chart; the table shows the first rows too
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# How each KPI column prints (tables and charts); columns not listed print as plain numbers.
COLUMN_UNITS: dict[str, Unit] = {
    "capacity_kg": KG,
    "package_weight_kg": KG,
    "trip_weight_kg": KG,
    "distance_km": KM,
    "km_driven": KM,
    "fuel_liters": LITRES,
    "liters_per_100km": L_PER_100KM,
    "km_per_liter": KM_PER_L,
    "maintenance_cost": COP,
    "cost_per_km": COP_PER_KM,
    "deliveries_per_trip": RATIO,
    "deliveries_per_day": RATIO,
    "moving_avg_3m": RATIO,
}


def column_unit(column: str) -> Unit | None:
    """The unit of a KPI column: listed above, or % for every ``pct`` column."""
    return COLUMN_UNITS.get(column) or (PERCENT if "pct" in column else None)


def _values(table: pa.Table, column: str) -> list[float | None]:
    return [None if v is None else float(v) for v in table.column(column).to_pylist()]


def _strings(table: pa.Table, column: str) -> list[str]:
    return [str(v) for v in table.column(column).to_pylist()]


def driver_labels(table: pa.Table) -> list[str]:
    """``First Last (#id)``: names for the reader, the id because names repeat."""
    first, last = _strings(table, "first_name"), _strings(table, "last_name")
    ids = table.column("driver_id").to_pylist()
    return [f"{f} {la} (#{i})" for f, la, i in zip(first, last, ids, strict=True)]


def weekday_names(table: pa.Table) -> list[str]:
    """ISO weekday numbers (1 = Monday) as English names."""
    return [WEEKDAYS[int(v) - 1] for v in table.column("weekday").to_pylist()]


def _bars(
    table: pa.Table,
    labels: list[str],
    measures: tuple[str, ...],
    axis: str,
    unit: Unit,
    stacked: bool = False,
) -> Callable[[str, str], str]:
    series = [Series(m, _values(table, m)) for m in measures]
    return lambda chart_id, title: svg.bar_chart(
        chart_id, title, labels, series, unit, axis, stacked
    )


def fleet_composition(table: pa.Table) -> Callable[[str, str], str]:
    """Stacked bars: vehicles per type, one colour per status."""
    rows = table.to_pylist()
    types = list(dict.fromkeys(r["vehicle_type"] for r in rows))
    present = {r["status"] for r in rows}
    statuses = [s for s in VEHICLE_STATUSES if s in present] + sorted(
        present - set(VEHICLE_STATUSES)
    )
    cell = {(r["vehicle_type"], r["status"]): float(r["vehicles"]) for r in rows}
    series = [Series(s, [cell.get((t, s), 0.0) for t in types]) for s in statuses]
    return lambda chart_id, title: svg.bar_chart(
        chart_id, title, types, series, COUNT, "Vehicles (count)", stacked=True
    )


def monthly_trend(table: pa.Table) -> Callable[[str, str], str]:
    """Trips per month and the 3-month moving average (dashed)."""
    months = [m.strftime("%Y-%m") for m in table.column("month").to_pylist()]
    series = [Series(c, _values(table, c)) for c in ("trips", "moving_avg_3m")]
    return lambda chart_id, title: svg.line_chart(
        chart_id, title, months, series, COUNT, "Trips (count)", "Month of departure"
    )


def delivery_heatmap(table: pa.Table) -> Callable[[str, str], str]:
    """Deliveries per weekday × hour; cells the KPI has no row for had no delivery (0)."""
    grid = {
        (int(d), int(h)): float(n)
        for d, h, n in zip(
            table.column("weekday").to_pylist(),
            table.column("hour").to_pylist(),
            table.column("deliveries").to_pylist(),
            strict=True,
        )
    }
    values = [[grid.get((d, h), 0.0) for h in range(24)] for d in range(1, 8)]
    hours = [f"{h:02d}" for h in range(24)]
    return lambda chart_id, title: svg.heatmap(
        chart_id,
        title,
        WEEKDAYS,
        hours,
        values,
        COUNT,
        "Hour of delivery (local time)",
        "Weekday",
    )


def route_labels(table: pa.Table) -> list[str]:
    """``R07 Bogotá→Medellín``."""
    return [
        f"{code} {origin}→{destination}"
        for code, origin, destination in zip(
            _strings(table, "route_code"),
            _strings(table, "origin_city"),
            _strings(table, "destination_city"),
            strict=True,
        )
    ]


def ranking(table: pa.Table) -> Callable[[str, str], str]:
    """Top drivers by overall rank, with the three ranks behind it (shorter is better)."""
    head = table.slice(0, TOP)
    labels = [
        f"{r}. {name}"
        for r, name in zip(
            head.column("overall_rank").to_pylist(), driver_labels(head), strict=True
        )
    ]
    measures = ("punctuality_rank", "efficiency_rank", "productivity_rank")
    return _bars(head, labels, measures, "Rank among drivers (1 = best)", COUNT)


ChartOf = Callable[[pa.Table], Callable[[str, str], str]]


def bars_by(column: str, measures: tuple[str, ...], axis: str, unit: Unit = COUNT) -> ChartOf:
    """A bar per row, labelled by ``column`` (status, city, vehicle type)."""
    return lambda t: _bars(t, _strings(t, column), measures, axis, unit)


def top_drivers(measures: tuple[str, ...], axis: str, unit: Unit = COUNT) -> ChartOf:
    """A bar per driver for the first ``TOP`` rows, in the KPI's own order."""

    def chart(table: pa.Table) -> Callable[[str, str], str]:
        head = table.slice(0, TOP)
        return _bars(head, driver_labels(head), measures, axis, unit)

    return chart


# KPI number (SPEC.md order) -> (title, chart from the KPI table).
CHARTS: dict[int, tuple[str, ChartOf]] = {
    1: ("Fleet composition by type and status", fleet_composition),
    2: (
        "Driver licences expiring within 30 days",
        top_drivers(("days_to_expiry",), "Days until the licence expires"),
    ),
    3: ("Trips by status", bars_by("status", ("trips",), "Trips (count)")),
    4: (
        "Deliveries and trips by destination city, last 60 days",
        bars_by("destination_city", ("deliveries", "trips"), "Deliveries and trips (count)"),
    ),
    5: (
        "Active drivers: total vs completed trips (top 15)",
        top_drivers(("total_trips", "completed_trips"), "Trips (count)"),
    ),
    6: (
        "Deliveries per working day by driver, last 6 months (top 15)",
        top_drivers(("deliveries_per_day",), "Deliveries per working day", RATIO),
    ),
    7: (
        "Top routes by fuel consumption",
        lambda t: _bars(t, route_labels(t), ("liters_per_100km",), "Fuel (L/100 km)", L_PER_100KM),
    ),
    8: (
        "Late deliveries by weekday, last 90 days",
        lambda t: _bars(
            t, weekday_names(t), ("late_pct",), "Late deliveries (% of delivered)", PERCENT
        ),
    ),
    9: (
        "Maintenance cost per km by vehicle type",
        bars_by(
            "vehicle_type", ("cost_per_km",), "Maintenance cost (COP per km driven)", COP_PER_KM
        ),
    ),
    10: ("Driver ranking: punctuality, fuel efficiency, productivity (top 15)", ranking),
    11: ("Monthly trips with 3-month moving average", monthly_trend),
    12: ("Deliveries by hour × weekday", delivery_heatmap),
}


def kpi_number(name: str) -> int | None:
    """The KPI's number from its name (``q07_route_fuel_efficiency`` -> 7)."""
    match = re.search(r"(\d+)", name)
    return int(match.group(1)) if match else None


def kpi_figure(name: str, table: pa.Table) -> Figure:
    """One KPI: its chart (or the reason there is none) and its first rows."""
    number = kpi_number(name) or 0
    title, chart_of = CHARTS.get(number, (name, None))
    chart_id = f"kpi-{number:02d}" if number else f"kpi-{name}"
    heading = f"KPI {number} · {title}" if number else title
    units = {c: u for c in table.column_names if (u := column_unit(c)) is not None}
    note = ""
    if table.num_rows == 0:
        chart = svg.empty_chart(chart_id, heading, "No rows for this KPI at this as-of date.")
    elif chart_of is None:
        chart = svg.empty_chart(chart_id, heading, "No chart for this KPI; see the table.")
    else:
        try:
            chart = chart_of(table)(chart_id, heading)
        except KeyError as e:  # a column the chart needs is missing from the result
            chart = svg.empty_chart(chart_id, heading, "Chart unavailable; see the table.")
            note = f"Chart skipped: the result has no column {e}."
    return Figure(chart_id, heading, chart, arrow_table(table, units), note)


def kpi_section(results: Mapping[str, pa.Table], as_of: dt.date) -> Section:
    """All KPI figures in KPI order."""
    ordered = sorted(results.items(), key=lambda item: (kpi_number(item[0]) or 99, item[0]))
    intro = (
        f"The {len(results)} KPIs computed by DuckDB over the lake, as of {as_of}: relative "
        "windows (last 30, 60, 90 days, 6 months) end on that date."
    )
    figures = tuple(kpi_figure(name, table) for name, table in ordered)
    return Section("kpis", "KPIs", OK, intro, figures)
