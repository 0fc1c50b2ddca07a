"""Data quality: `validate` results, rows per table and partition, a partition calendar.

Everything here comes from the lake's manifest (per-partition row counts), so it costs no scan
of the data; ``validate_lake`` is the one check that reads the data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from fleetlake.lake import Lake
from fleetlake.lake.manifest import Manifest
from fleetlake.lake.validate import ValidationReport
from fleetlake.report import svg
from fleetlake.report.page import (
    NOT_AVAILABLE,
    OK,
    Figure,
    Section,
    records_table,
)
from fleetlake.report.svg import Series
from fleetlake.report.units import COUNT
from fleetlake.schema import EVENT_TABLES, TABLES

CALENDAR_TABLE = "trips"
WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def partition_rows(manifest: Manifest) -> dict[str, dict[dt.date, int]]:
    """Rows per partition date for every table in the manifest, in schema order."""
    partitions = manifest.partitions
    return {
        table: {day: info.rows for day, info in sorted(partitions[table].items())}
        for table in TABLES
        if table in partitions
    }


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


def table_counts_figure(
    rows: dict[str, dict[dt.date, int]], start: dt.date, end: dt.date
) -> Figure:
    """Total rows per table (bars) and partitions, first/last date, days without a partition."""
    names = list(rows)
    totals = [float(sum(rows[t].values())) for t in names]
    chart = svg.bar_chart(
        "dq-rows", "Rows per table", names, [Series("rows", totals)], COUNT, "Rows (count)"
    )
    window = set(_days(start, end))
    records = []
    for t in names:
        days = rows[t]
        first = min(days) if days else None
        last = max(days) if days else None
        records.append((t, len(days), sum(days.values()), first, last, len(window - set(days))))
    table = records_table(
        ("table", "partitions", "rows", "first partition", "last partition", "days without one"),
        records,
    )
    note = (
        "A partition exists only for a day with rows: entity tables (change logs) and maintenance "
        "have days without one by design; trips and deliveries only on days without any trip."
    )
    return Figure("dq-rows", "Rows per table", chart, table, note)


def monthly_rows_figure(rows: dict[str, dict[dt.date, int]]) -> Figure:
    """Rows per month for each event table, summed from the daily partitions."""
    monthly: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for table in (t.name for t in EVENT_TABLES):
        for day, count in rows.get(table, {}).items():
            monthly[table][day.strftime("%Y-%m")] += count
    months = sorted({m for per in monthly.values() for m in per})
    tables = [t for t in (e.name for e in EVENT_TABLES) if t in monthly]
    series = [Series(t, [float(monthly[t].get(m, 0)) for m in months]) for t in tables]
    chart = svg.line_chart(
        "dq-monthly",
        "Rows per month by event table",
        months,
        series,
        COUNT,
        "Rows per month (count)",
        "Month (partition date)",
    )
    records = [(m, *(monthly[t].get(m, 0) for t in tables)) for m in reversed(months)]
    table = records_table(("month", *tables), records)
    return Figure("dq-monthly", "Rows per month", chart, table, "Latest months first.")


def calendar_figure(rows: dict[str, dict[dt.date, int]], start: dt.date, end: dt.date) -> Figure:
    """One cell per day of the lake's window (weeks × weekdays), coloured by trips that day."""
    per_day = rows.get(CALENDAR_TABLE, {})
    first_monday = start - dt.timedelta(days=start.weekday())
    weeks = (end - first_monday).days // 7 + (1 if (end - first_monday).days % 7 else 0)
    grid: list[list[float | None]] = [[None] * weeks for _ in range(7)]
    names = [[""] * weeks for _ in range(7)]
    labels = []
    for w in range(weeks):
        monday = first_monday + dt.timedelta(days=7 * w)
        # Quarter starts only: a label per month would overlap at ~6 px per week.
        quarter_start = monday.day <= 7 and monday.month % 3 == 1
        labels.append(monday.strftime("%Y-%m") if quarter_start else "")
        for d in range(7):
            day = monday + dt.timedelta(days=d)
            if start <= day < end:
                grid[d][w] = float(per_day[day]) if day in per_day else None
                names[d][w] = day.isoformat()
    chart = svg.heatmap(
        "dq-calendar",
        f"Partition calendar: {CALENDAR_TABLE} rows per day",
        WEEKDAY_SHORT,
        labels,
        grid,
        COUNT,
        "Week (quarter shown at its first week)",
        "Weekday",
        cell_labels=names,
    )
    window = _days(start, end)
    missing = [d for d in window if d not in per_day]
    records = [(d, "missing") for d in missing] or [("—", "every day has a partition")]
    table = records_table(("date", CALENDAR_TABLE + " partition"), records)
    note = (
        f"{len(window) - len(missing):,} of {len(window):,} days from {start} to "
        f"{end - dt.timedelta(days=1)} have a {CALENDAR_TABLE} partition. "
        "Grey = no trips that day; days outside the window are not drawn."
    )
    return Figure("dq-calendar", "Partition calendar", chart, table, note)


def validation_figure(report: ValidationReport) -> Figure:
    """The result of ``validate_lake``: the checks that passed, or violations by rule."""
    title = "Lake validation"
    if report.ok:
        message = f"validate: all {len(report.checks)} checks passed, no violation."
        chart = svg.empty_chart("dq-validate", title, message)
        table = records_table(("check", "result"), [(c, "passed") for c in report.checks])
        return Figure("dq-validate", title, chart, table)
    rules = [v.rule for v in report.violations]
    counts = Series("violations", [float(v.count) for v in report.violations])
    chart = svg.bar_chart(
        "dq-validate", f"{title}: violations by rule", rules, [counts], COUNT, "Violations (count)"
    )
    rows = [(v.rule, v.count, "; ".join(v.examples)) for v in report.violations]
    table = records_table(("rule", "violations", "examples"), rows)
    return Figure("dq-validate", title, chart, table)


def quality_section(lake: Lake, validation: ValidationReport) -> Section:
    """Data quality of the lake: validation, table sizes, monthly volumes, partition calendar."""
    manifest = lake.manifest
    rows = partition_rows(manifest)
    if not rows:
        return Section(
            "quality", "Data quality", NOT_AVAILABLE, "The lake manifest lists no partitions."
        )
    start, end = manifest.start, manifest.end
    intro = (
        f"Lake {lake.uri}: seed {manifest.seed}, scale factor {manifest.sf}, "
        f"{start} to {end - dt.timedelta(days=1)} ({(end - start).days:,} days)."
    )
    figures = (
        validation_figure(validation),
        table_counts_figure(rows, start, end),
        monthly_rows_figure(rows),
        calendar_figure(rows, start, end),
    )
    return Section("quality", "Data quality", OK, intro, figures)
