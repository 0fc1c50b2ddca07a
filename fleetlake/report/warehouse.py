"""The warehouse section: SCD2 history, ETL runs and rejects, read from the DuckDB warehouse file.

The file is opened read-only, so building the report can never change the warehouse. A missing
file, a Snowflake target or a file locked by a running load gives a section that says so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pyarrow as pa

from fleetlake.config import Config
from fleetlake.report import svg
from fleetlake.report.page import (
    NOT_AVAILABLE,
    NOT_CONFIGURED,
    OK,
    Figure,
    Section,
    arrow_table,
)
from fleetlake.report.svg import Series
from fleetlake.report.units import COUNT
from fleetlake.sql_files import read_sql

TITLE = "Warehouse"
RUNS_CHARTED = 30  # bars in the ETL runs chart: the latest runs


def _query(con, name: str) -> pa.Table:
    return con.sql(read_sql(f"report/{name}.sql")).to_arrow_table()


def month_range(days: list[dt.date]) -> list[str]:
    """Every month from the earliest to the latest of ``days`` (``YYYY-MM``), gaps included."""
    if not days:
        return []
    first, last = min(days), max(days)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def versions_figure(by_month: pa.Table, summary: pa.Table) -> Figure:
    """SCD2 versions that became valid per month, one line per dimension."""
    rows = by_month.to_pylist()
    months = month_range([r["month"] for r in rows])
    counts: dict[str, dict[str, float]] = defaultdict(dict)
    for r in rows:
        counts[r["dimension"]][r["month"].strftime("%Y-%m")] = float(r["versions"])
    series = [
        Series(d, [counts[d].get(m, 0.0) for m in months])
        for d in ("dim_vehicle", "dim_driver")
        if d in counts
    ]
    chart = (
        svg.line_chart(
            "wh-versions",
            "SCD2 versions per month",
            months,
            series,
            COUNT,
            "New versions (count)",
            "Month the version became valid",
        )
        if months
        else svg.empty_chart("wh-versions", "SCD2 versions per month", "The dimensions are empty.")
    )
    note = "The first month holds the initial load; later months are tracked changes."
    return Figure("wh-versions", "SCD2 versions per month", chart, arrow_table(summary), note)


def runs_figure(runs: pa.Table) -> Figure:
    """Rows inserted, updated and rejected by each ETL run: the chart holds the latest
    ``RUNS_CHARTED`` (a daily load makes hundreds), the table the runs latest first."""
    note = ""
    if runs.num_rows == 0:
        chart = svg.empty_chart("wh-runs", "ETL runs", "No ETL run recorded yet.")
    else:
        charted = runs.slice(max(0, runs.num_rows - RUNS_CHARTED))
        labels = [f"run {r}" for r in charted.column("run_id").to_pylist()]
        measures = ("rows_inserted", "rows_updated", "rows_rejected")
        series = [Series(m, [float(v) for v in charted.column(m).to_pylist()]) for m in measures]
        chart = svg.bar_chart(
            "wh-runs", "ETL runs: rows written and rejected", labels, series, COUNT, "Rows (count)"
        )
        if charted.num_rows < runs.num_rows:
            note = f"The chart shows the latest {charted.num_rows} of {runs.num_rows:,} runs."
    latest_first = runs.take(list(reversed(range(runs.num_rows))))
    return Figure("wh-runs", "ETL runs", chart, arrow_table(latest_first), note)


def rejects_figure(rejects: pa.Table) -> Figure:
    """Rejected rows by reason."""
    if rejects.num_rows == 0:
        chart = svg.empty_chart("wh-rejects", "Rejected rows by reason", "No row was rejected.")
    else:
        labels = [
            f"{t}: {r}"
            for t, r in zip(
                rejects.column("source_table").to_pylist(),
                rejects.column("reason").to_pylist(),
                strict=True,
            )
        ]
        series = [Series("rejects", [float(v) for v in rejects.column("rejects").to_pylist()])]
        chart = svg.bar_chart(
            "wh-rejects", "Rejected rows by reason", labels, series, COUNT, "Rejected rows (count)"
        )
    return Figure("wh-rejects", "Rejected rows", chart, arrow_table(rejects))


def warehouse_section(config: Config) -> Section:
    """The warehouse as it is in the configured DuckDB file, or why it cannot be shown."""
    if config.warehouse_target != "duckdb":
        return Section(
            "warehouse",
            TITLE,
            NOT_AVAILABLE,
            f"The {config.warehouse_target} warehouse is not read by the offline report; "
            "only a local DuckDB warehouse file is.",
        )
    path = Path(config.warehouse_path)
    if not path.is_file():
        return Section(
            "warehouse",
            TITLE,
            NOT_CONFIGURED,
            f"No warehouse at {path}: run the warehouse load to fill this section.",
        )
    import duckdb

    try:
        with duckdb.connect(str(path), read_only=True) as con:
            by_month = _query(con, "scd2_versions_by_month")
            summary = _query(con, "scd2_summary")
            runs = _query(con, "etl_runs")
            rejects = _query(con, "rejects_by_reason")
    except duckdb.Error as e:
        reason = str(e).splitlines()[0]
        return Section("warehouse", TITLE, NOT_AVAILABLE, f"Cannot read {path}: {reason}")
    figures = (versions_figure(by_month, summary), runs_figure(runs), rejects_figure(rejects))
    return Section("warehouse", TITLE, OK, f"DuckDB warehouse {path}, opened read-only.", figures)
