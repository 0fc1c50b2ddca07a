"""The Postgres query-performance section, from the JSON that ``fleetlake pg explain`` writes.

The report reads the file only (``fleetlake.oltp.explain.write_report``); it never connects to
Postgres, so it builds offline and fast.
"""

from __future__ import annotations

from pathlib import Path

from fleetlake.report import svg
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
from fleetlake.report.units import COUNT, MS, RATIO

EXPLAIN_JSON = Path("reports") / "pg_explain.json"
TITLE = "Postgres query performance"


def timings_figure(document: dict) -> Figure:
    """Median time per KPI before and after the recommended indexes."""
    kpis = document["kpis"]
    names = [k["name"] for k in kpis]
    series = [
        Series("before indexes", [k["before_ms"] for k in kpis]),
        Series("after indexes", [k["after_ms"] for k in kpis]),
    ]
    chart = svg.bar_chart(
        "pg-timings",
        "Median KPI time on Postgres, before and after the recommended indexes",
        names,
        series,
        MS,
        "Median execution time (ms)",
    )
    rows = [
        (
            k["name"],
            k["before_ms"],
            k["after_ms"],
            k["speedup"],
            "yes" if k["plan_changed"] else "no",
            ", ".join(k["recommended_indexes_used"]) or "—",
        )
        for k in kpis
    ]
    table = records_table(
        ("KPI", "before", "after", "speed-up ×", "plan changed", "recommended indexes used"),
        rows,
        (None, MS, MS, RATIO),
    )
    note = (
        f"Median of {document['repeat']} EXPLAIN (ANALYZE, BUFFERS) runs per KPI on "
        f"{document['server']}, as of {document['as_of']}, measured {document['generated_at']}. "
        f"Total {document['total_before_ms']:,.1f} ms before, "
        f"{document['total_after_ms']:,.1f} ms after."
    )
    return Figure("pg-timings", "Median KPI time", chart, table, note)


def indexes_figure(document: dict) -> Figure:
    """Each recommended index: how many KPIs used it and how many it made faster."""
    indexes = document["indexes"]
    names = [i["name"] for i in indexes]
    series = [
        Series("KPIs using it", [float(len(i["used_by"])) for i in indexes]),
        Series("KPIs it made faster", [float(len(i["faster_kpis"])) for i in indexes]),
    ]
    chart = svg.bar_chart(
        "pg-indexes", "Recommended indexes: used and helpful", names, series, COUNT, "KPIs (count)"
    )
    rows = [
        (i["name"], i["table"], i["verdict"], ", ".join(i["faster_kpis"]) or "—") for i in indexes
    ]
    table = records_table(("index", "table", "verdict", "faster KPIs"), rows)
    return Figure("pg-indexes", "Recommended indexes", chart, table)


def postgres_section(path: Path = EXPLAIN_JSON, configured: bool = False) -> Section:
    """Timings and index verdicts from ``pg explain``, or why they are absent.

    Without the file, the section is "not configured" when no Postgres is configured, else
    "not available" (configured, but ``pg explain`` has not been run here).
    """
    if not path.is_file():
        if not configured:
            return Section(
                "postgres",
                TITLE,
                NOT_CONFIGURED,
                "No Postgres is configured (postgres_dsn or PG* variables), and no "
                f"{path} from an earlier `fleetlake pg explain`.",
            )
        return Section(
            "postgres",
            TITLE,
            NOT_AVAILABLE,
            f"No {path}: run `fleetlake pg explain` to fill this section.",
        )

    def build(document: dict) -> Section:
        figures = [timings_figure(document)]
        if document.get("indexes"):
            figures.append(indexes_figure(document))
        return Section("postgres", TITLE, OK, f"From {path}.", tuple(figures))

    return saved_result_section("postgres", TITLE, path, build)
